/* serialsmtp -- send spooled messages to one SMTP server, over one
 * connection.
 *
 *   serialsmtp [-s] [-t none|may|require|verify] [-c cafile]
 *              [-a authfile] [-p] [-n servername] [-T seconds]
 *              prefix helohost
 *
 * A client for maildirserial (the interface is in serial.h): it reads
 * the names of spool files on fd 0, talks SMTP to a server it reads on
 * fd 6 and writes on fd 7 (tcpclient's convention; maildirsmtp sets
 * them up), and writes one result per file on fd 1.  Each file's
 * envelope comes from its Return-Path and Delivered-To lines, prefix
 * taken off the Delivered-To address; the two lines are not sent.  A
 * file whose Delivered-To does not begin with prefix is ignored.
 *
 * Beyond serialmail: -s speaks TLS from the first byte (port 465); -t
 * is the STARTTLS policy as in qmail-remote's control/tlspolicy
 * (default may); -c the trust anchors for verify (default the system's
 * bundle); -a a file whose first line is "user:password" for AUTH
 * PLAIN or LOGIN, which must not be readable by group or others; the
 * password is sent only over TLS unless -p is given; -n the server's
 * host name for TLS (default $TCPREMOTEHOST, else $TCPREMOTEIP); -T the
 * most seconds one read, write or reply may take (default 1200).
 *
 * Every result text names the connection's encryption at its end,
 * "(TLS=TLSv1.2 SUITE verified)" or "(no TLS)".
 *
 * Runs as the owner of the spool.  Exit codes: 0 when the session went
 * to its end; 111 when it broke off (the reason is on fd 2, and the
 * files that got no result are untouched); 100 for a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "buffer.h"
#include "errmsg.h"
#include "scan.h"
#include "serial.h"
#include "serialsmtp.h"
#include "sig.h"
#include "smtpclient.h"
#include "stralloc.h"
#include "tls.h"

static struct smtpclient *smtp;
static struct serialsmtp_options opt = { 0, 0, TLS_CAFILE, 0, POLICY_MAY, 0, 0,
                                         1200 };
static char resultspace[BUFFER_OUTSIZE];
static buffer results = BUFFER_INIT(buffer_unixwrite, 1, 0, resultspace,
                                    sizeof resultspace);

static const char *prefix;

static void
usage(void)
{
  die(100, "usage: serialsmtp [-s] [-t none|may|require|verify] "
      "[-c cafile] [-a authfile] [-p] [-n servername] [-T seconds] "
      "prefix helohost");
}

void
results_flush(void)
{
  if (!buffer_flush(&results))
    die_sys(111, "unable to write results");
}

/* One message. */
static void
result(const char *name, char status, const char *what, int with_reply)
{
  stralloc text = STRALLOC_ZERO;

  if (!stralloc_copys(&text, opt.servername) || !stralloc_cats(&text, " ")
      || !stralloc_cats(&text, what)
      || (with_reply && (!stralloc_cats(&text, ": ")
                         || !stralloc_cats(&text, session_said())))
      || !stralloc_cats(&text, " (")
      || !stralloc_cats(&text, session_tls_text())
      || !stralloc_cats(&text, ")") || !stralloc_0(&text))
    die_nomem();
  if (!serial_result(&results, name, status, text.s))
    die_sys(111, "unable to write results");
  stralloc_free(&text);
}

/* The connection failed in name's transaction.  No result for it: a
 * broken link is no refusal, so the message stays whatever its age and
 * goes again next time.  The session ends here. */
static void
connection_lost(const char *name, const char *when)
{
  stralloc what = STRALLOC_ZERO;

  if (!stralloc_copys(&what, "the connection failed ")
      || !stralloc_cats(&what, when) || !stralloc_cats(&what, " ")
      || !stralloc_cats(&what, name)
      || !stralloc_cats(&what, !strcmp(when, "waiting for the reply to")
                        ? " (it may have been delivered, and then arrives "
                        "twice); it stays in the spool"
                        : "; it stays in the spool")
      || !stralloc_0(&what))
    die_nomem();
  session_fail(what.s, smtp->error, "#4.4.2");
}

/* A refusal within a transaction: report it and reset the server. */
static void
refused(const char *name, unsigned int code, const char *what)
{
  if (!code)
    connection_lost(name, "in the envelope of");
  result(name, code >= 500 ? 'D' : 'Z', what, 1);
  if (!smtpclient_command(smtp, "RSET"))
    connection_lost(name, "resetting after");
}

/* The MAIL and RCPT commands for a message; 0 with the result written
 * when an address cannot be sent by SMTP. */
static int
envelope_commands(const char *name, const struct serial_envelope *env,
                  const char *rcpt, off_t size, stralloc *mail,
                  stralloc *rcptcmd)
{
  if (!stralloc_copys(mail, "MAIL FROM:<")
      || !address_quote(mail, env->sender.s, env->sender.len)
      || !stralloc_cats(mail, ">")) {
    if (errno != EINVAL)
      die_nomem();
    result(name, 'D', "was not asked: the sender address cannot be sent by "
           "SMTP (#5.1.7)", 0);
    return 0;
  }
  /* the size before CRLF conversion: an estimate, as RFC 1870 allows,
   * so that a server refuses a message too big before it is sent */
  if ((smtp->ext & SMTPCLIENT_EXT_SIZE)
      && (!stralloc_cats(mail, " SIZE=")
          || !stralloc_catulong(mail, (unsigned long)size)))
    die_nomem();
  if (!stralloc_0(mail))
    die_nomem();
  if (!stralloc_copys(rcptcmd, "RCPT TO:<")
      || !address_quote(rcptcmd, rcpt, strlen(rcpt))
      || !stralloc_cats(rcptcmd, ">") || !stralloc_0(rcptcmd)) {
    if (errno != EINVAL)
      die_nomem();
    result(name, 'D', "was not asked: the recipient address cannot be sent "
           "by SMTP (#5.1.3)", 0);
    return 0;
  }
  return 1;
}

/* MAIL, RCPT and DATA, pipelined when the server allows it (RFC 2920).
 * Returns 1 when the message may follow (354), 0 when it was refused
 * (the result is written). */
static int
start_transaction(const char *name, const stralloc *mail,
                  const stralloc *rcptcmd)
{
  unsigned int mail_code, rcpt_code, data_code;
  int mail_ok, rcpt_ok;

  if (!(smtp->ext & SMTPCLIENT_EXT_PIPELINING)) {
    mail_code = smtpclient_command(smtp, mail->s);
    if (mail_code < 200 || mail_code > 299)
      return refused(name, mail_code, "refused the sender"), 0;
    rcpt_code = smtpclient_command(smtp, rcptcmd->s);
    if (rcpt_code < 200 || rcpt_code > 299)
      return refused(name, rcpt_code, "refused the recipient"), 0;
    data_code = smtpclient_command(smtp, "DATA");
    if (data_code != 354)
      return refused(name, data_code, "refused the message at DATA"), 0;
    return 1;
  }
  if (!smtpclient_send(smtp, mail->s, mail->len - 1)
      || !smtpclient_send(smtp, rcptcmd->s, rcptcmd->len - 1)
      || !smtpclient_send(smtp, "DATA", 4) || !smtpclient_flush(smtp))
    connection_lost(name, "in the envelope of");
  mail_code = smtpclient_reply(smtp);
  if (!mail_code)
    connection_lost(name, "in the envelope of");
  mail_ok = mail_code >= 200 && mail_code <= 299;
  if (!mail_ok)
    result(name, mail_code >= 500 ? 'D' : 'Z', "refused the sender", 1);
  rcpt_code = smtpclient_reply(smtp);
  if (!rcpt_code)
    connection_lost(name, "in the envelope of");
  rcpt_ok = rcpt_code >= 200 && rcpt_code <= 299;
  if (mail_ok && !rcpt_ok)
    result(name, rcpt_code >= 500 ? 'D' : 'Z', "refused the recipient", 1);
  data_code = smtpclient_reply(smtp);
  if (!data_code)
    connection_lost(name, "in the envelope of");
  if (mail_ok && rcpt_ok) {
    if (data_code == 354)
      return 1;
    refused(name, data_code, "refused the message at DATA");
    return 0;
  }
  /* already refused; a server that still says 354 gets an empty
   * message ended at once, which it must not deliver (no recipient) */
  if (data_code == 354
      && (!smtpclient_send(smtp, ".", 1) || !smtpclient_flush(smtp)
          || !smtpclient_reply(smtp)))
    connection_lost(name, "resetting after");
  if (!smtpclient_command(smtp, "RSET"))
    connection_lost(name, "resetting after");
  return 0;
}

/* Send one file, or leave it alone when it is not for prefix. */
static void
send_file(const char *name)
{
  static struct serial_envelope env = SERIAL_ENVELOPE_ZERO;
  static char space[BUFFER_INSIZE];
  static stralloc mail = STRALLOC_ZERO, rcptcmd = STRALLOC_ZERO;
  struct stat st;
  const char *rcpt;
  buffer message;
  unsigned int code;
  int fd;

  rcpt = serial_open(name, &env, prefix, &fd);
  if (rcpt && fstat(fd, &st) == -1) {
    env.why = strerror(errno);
    close(fd);
    rcpt = 0;
  }
  if (!rcpt) {
    if (env.why && !serial_result(&results, name, 'Z', env.why))
      die_sys(111, "unable to write results");
    return;
  }
  if (!envelope_commands(name, &env, rcpt, st.st_size - env.body, &mail,
                         &rcptcmd)
      || !start_transaction(name, &mail, &rcptcmd)) {
    close(fd);
    return;
  }
  buffer_init(&message, buffer_unixread, fd, 0, space, sizeof space);
  if (!smtpclient_data(smtp, &message)) {
    if (smtp->local)
      session_fail("unable to read the spool file while sending it, so the "
                   "session cannot go on; it stays in the spool", name,
                   "#4.3.0");
    connection_lost(name, "while sending");
  }
  code = smtpclient_reply(smtp);
  if (!code)
    connection_lost(name, "waiting for the reply to");
  if (code >= 200 && code <= 299)
    result(name, 'K', "accepted the message", 1);
  else
    result(name, code >= 500 ? 'D' : 'Z', "refused the message", 1);
  close(fd);
}

static void
options(int *argc, char ***argv)
{
  char **av = *argv;
  int i;

  for (i = 1; i < *argc && av[i][0] == '-' && av[i][1]; ++i) {
    const char *flag = av[i];

    if (!strcmp(flag, "--")) {
      ++i;
      break;
    }
    if (flag[2])
      usage();
    switch (flag[1]) {
    case 's':
      opt.implicit_tls = 1;
      continue;
    case 'p':
      opt.plaintext_auth = 1;
      continue;
    }
    if (i + 1 >= *argc)
      usage();
    ++i;
    switch (flag[1]) {
    case 't':
      if (!strcmp(av[i], "none"))
        opt.policy = POLICY_NONE;
      else if (!strcmp(av[i], "may"))
        opt.policy = POLICY_MAY;
      else if (!strcmp(av[i], "require"))
        opt.policy = POLICY_REQUIRE;
      else if (!strcmp(av[i], "verify"))
        opt.policy = POLICY_VERIFY;
      else
        usage();
      break;
    case 'c':
      opt.cafile = av[i];
      break;
    case 'a':
      opt.authfile = av[i];
      break;
    case 'n':
      opt.servername = av[i];
      break;
    case 'T': {
      unsigned int t;
      size_t n = scan_uint(av[i], &t);

      if (!n || av[i][n] || !t)
        usage();
      opt.seconds = t;
      break;
    }
    default:
      usage();
    }
  }
  *argc -= i;
  *argv += i;
}

/* One file, its result written out before the next is begun. */
static void
send_file_flushed(const char *name)
{
  send_file(name);
  results_flush();
}

int
main(int argc, char **argv)
{
  errmsg_init("serialsmtp");
  sig_ignore(SIGPIPE);
  options(&argc, &argv);
  if (argc != 2)
    usage();
  prefix = argv[0];
  opt.helohost = argv[1];
  opt.servername = serial_server(opt.servername);

  smtp = session_start(&opt);
  serial_each_file(send_file_flushed);
  session_end();
  return 0;
}
