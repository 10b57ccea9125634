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
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "buffer.h"
#include "checkpw.h"
#include "env.h"
#include "errmsg.h"
#include "fmt.h"
#include "scan.h"
#include "serial.h"
#include "sig.h"
#include "smtpclient.h"
#include "stralloc.h"
#include "timeoutio.h"
#include "tls.h"

#define SERVER_IN 6
#define SERVER_OUT 7

enum policy { POLICY_NONE, POLICY_MAY, POLICY_REQUIRE, POLICY_VERIFY };

static struct tls tls;
static struct tls_anchors anchors = TLS_ANCHORS_ZERO;
static struct smtpclient smtp;
static struct timeout limit = { 1200 };
static char inspace[BUFFER_INSIZE];
static char outspace[BUFFER_OUTSIZE];
static buffer server_in, server_out;
static char resultspace[BUFFER_OUTSIZE];
static buffer results = BUFFER_INIT(buffer_unixwrite, 1, 0, resultspace,
                                    sizeof resultspace);

static const char *prefix;
static const char *helohost;
static const char *servername;
static const char *cafile = TLS_CAFILE;
static const char *authfile;
static enum policy policy = POLICY_MAY;
static int implicit_tls;
static int plaintext_auth;
static int tls_on;
static stralloc tls_text = STRALLOC_ZERO;

static void
usage(void)
{
  die(100, "usage: serialsmtp [-s] [-t none|may|require|verify] "
      "[-c cafile] [-a authfile] [-p] [-n servername] [-T seconds] "
      "prefix helohost");
}

static void
flush_results(void)
{
  if (!buffer_flush(&results))
    die_sys(111, "unable to write results");
}

/* The session cannot go on: say why and stop.  Files without a result
 * stay in the spool for the next run. */
static void
session_fail(const char *what, const char *detail, const char *code)
{
  flush_results();
  /* the connection is in no known state: end it, so that a client run
   * again on the same descriptors finds it closed, not a stale reply */
  shutdown(SERVER_IN, SHUT_RDWR);
  shutdown(SERVER_OUT, SHUT_RDWR);
  if (!tls_text.len)
    stralloc_copys(&tls_text, "no TLS");
  stralloc_0(&tls_text);
  die(111, servername, ": ", what, detail ? ": " : "", detail ? detail : "",
      " (", tls_text.s, "). (", code, ")");
}

static const char *
said(void)
{
  return smtp.reply.text_len ? smtp.reply.text : smtp.error;
}

/* Greeting, EHLO, TLS, AUTH. */
static int
describe_tls(void)
{
  return stralloc_copys(&tls_text, "TLS=")
    && stralloc_cats(&tls_text, tls_version_name(&tls))
    && stralloc_cats(&tls_text, " ")
    && stralloc_cats(&tls_text, tls_cipher_name(&tls))
    && stralloc_cats(&tls_text, tls_verified(&tls) ? " verified"
                     : " unverified");
}

static void
tls_begin(void)
{
  int have_anchors = 0;
  int mode = policy == POLICY_VERIFY ? TLS_VERIFY : TLS_OPPORTUNISTIC;

  if (tls_anchors_load(&anchors, cafile))
    have_anchors = 1;
  else if (policy == POLICY_VERIFY)
    session_fail("TLS must be verified, but the trust anchors cannot be "
                 "loaded from", cafile, "#4.7.5");
  if (policy == POLICY_VERIFY && !servername[0])
    session_fail("TLS must be verified, but no server name is known", 0,
                 "#4.7.5");
  if (!tls_client_start(&tls, SERVER_IN, SERVER_OUT, servername,
                        have_anchors ? &anchors : 0, mode, limit.seconds,
                        limit.seconds))
    session_fail("TLS could not be set up", tls_error(&tls), "#4.7.5");
  smtpclient_tls(&smtp, &tls);
  tls_on = 1;
  if (!describe_tls())
    die_nomem();
}

static void
ehlo(void)
{
  unsigned int code = smtpclient_ehlo(&smtp, helohost);

  if (code != 250)
    session_fail("my name (helohost) was not accepted", said(), "#4.4.2");
}

static void
starttls(void)
{
  unsigned int code;

  if (policy == POLICY_NONE || tls_on)
    return;
  if (!(smtp.ext & SMTPCLIENT_EXT_STARTTLS)) {
    if (policy == POLICY_MAY)
      return;
    session_fail("the server does not offer STARTTLS, and the policy says",
                 policy == POLICY_VERIFY ? "verify" : "require", "#4.7.5");
  }
  code = smtpclient_starttls(&smtp);
  if (code != 220) {
    if (code >= 400 && policy == POLICY_MAY)
      return;
    session_fail("STARTTLS failed", said(), "#4.7.5");
  }
  tls_begin();
  ehlo();
}

static void
authenticate(void)
{
  stralloc cred = STRALLOC_ZERO;
  struct stat st;
  char *colon, *nl;
  unsigned int mech, code;
  int fd;

  if (!authfile)
    return;
  fd = open(authfile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1)
    session_fail("unable to open the credentials file", strerror(errno),
                 "#4.3.0");
  if (fstat(fd, &st) == -1)
    session_fail("unable to examine the credentials file", strerror(errno),
                 "#4.3.0");
  if (!S_ISREG(st.st_mode) || (st.st_mode & 077))
    session_fail("the credentials file must be a plain file that neither "
                 "group nor others may read (chmod 600)", authfile,
                 "#4.3.0");
  if (st.st_uid != geteuid() && st.st_uid != 0)
    session_fail("the credentials file must belong to the spool's owner "
                 "(or root)", authfile, "#4.3.0");
  if (!stralloc_ready(&cred, (size_t)st.st_size + 1))
    die_nomem();
  for (;;) {
    ssize_t r = read(fd, cred.s + cred.len, cred.a - cred.len - 1);

    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1)
      session_fail("unable to read the credentials file", strerror(errno),
                   "#4.3.0");
    if (r == 0 || cred.len + (size_t)r >= cred.a - 1) {
      cred.len += (size_t)(r > 0 ? r : 0);
      break;
    }
    cred.len += (size_t)r;
  }
  close(fd);
  cred.s[cred.len] = 0;
  nl = memchr(cred.s, '\n', cred.len);
  if (nl)
    *nl = 0;
  if (nl && nl > cred.s && nl[-1] == '\r')
    nl[-1] = 0;
  colon = strchr(cred.s, ':');
  if (!colon || colon == cred.s)
    session_fail("the credentials file does not start with a line "
                 "user:password", authfile, "#4.3.0");
  *colon = 0;
  if (!tls_on && !plaintext_auth)
    session_fail("not sending the password over an unencrypted connection "
                 "(use TLS, or -p)", 0, "#4.7.8");
  if (!(smtp.ext & SMTPCLIENT_EXT_AUTH))
    session_fail("the server does not offer AUTH", 0, "#4.7.8");
  mech = smtp.auth & SMTPCLIENT_AUTH_PLAIN ? SMTPCLIENT_AUTH_PLAIN
    : smtp.auth & SMTPCLIENT_AUTH_LOGIN ? SMTPCLIENT_AUTH_LOGIN : 0;
  if (!mech)
    session_fail("the server offers neither AUTH PLAIN nor LOGIN", 0,
                 "#4.7.8");
  code = smtpclient_auth(&smtp, mech, cred.s, colon + 1);
  checkpw_wipe(cred.s, cred.a);
  stralloc_free(&cred);
  if (code != 235)
    session_fail("the server refused the login", said(), "#4.7.8");
}

static void
session_start(void)
{
  unsigned int code;

  buffer_init(&server_in, timeout_bufread, SERVER_IN, &limit, inspace,
              sizeof inspace);
  buffer_init(&server_out, timeout_bufwrite, SERVER_OUT, &limit, outspace,
              sizeof outspace);
  smtpclient_init(&smtp, &server_in, &server_out);
  smtp.reply_seconds = limit.seconds;
  if (!stralloc_copys(&tls_text, "no TLS"))
    die_nomem();
  if (implicit_tls)
    tls_begin();
  code = smtpclient_reply(&smtp);
  if (code < 200 || code > 299)
    session_fail(code ? "the greeting was not 2xx"
                 : "there was no usable greeting", said(), "#4.4.2");
  ehlo();
  starttls();
  authenticate();
}

/* One message. */
static unsigned long count_sent, count_deferred, count_refused;

static void
result(const char *name, char status, const char *what, int with_reply)
{
  stralloc text = STRALLOC_ZERO;

  if (!stralloc_copys(&text, servername) || !stralloc_cats(&text, " ")
      || !stralloc_cats(&text, what)
      || (with_reply && (!stralloc_cats(&text, ": ")
                         || !stralloc_cats(&text, said())))
      || !stralloc_cats(&text, " (") || !stralloc_cat(&text, &tls_text)
      || !stralloc_cats(&text, ")") || !stralloc_0(&text))
    die_nomem();
  if (!serial_result(&results, name, status, text.s))
    die_sys(111, "unable to write results");
  stralloc_free(&text);
  if (status == 'K')
    ++count_sent;
  else if (status == 'Z')
    ++count_deferred;
  else
    ++count_refused;
}

/* A refusal within a transaction: report it and reset the server.
 * Returns 0 when the connection is gone. */
static int
refused(const char *name, unsigned int code, const char *what)
{
  if (!code) {
    result(name, 'Z', "the connection failed", 1);
    return 0;
  }
  result(name, code >= 500 ? 'D' : 'Z', what, 1);
  code = smtpclient_command(&smtp, "RSET");
  if (!code)
    return 0;
  return 1;
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
  if ((smtp.ext & SMTPCLIENT_EXT_SIZE)
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
 * Returns 354 when the message may follow; otherwise the result is
 * written and the return value is 1 to go on with the next file, 0 when
 * the session is over. */
static int
start_transaction(const char *name, const stralloc *mail,
                  const stralloc *rcptcmd)
{
  unsigned int mail_code, rcpt_code, data_code;

  if (!(smtp.ext & SMTPCLIENT_EXT_PIPELINING)) {
    mail_code = smtpclient_command(&smtp, mail->s);
    if (mail_code < 200 || mail_code > 299)
      return refused(name, mail_code, "refused the sender");
    rcpt_code = smtpclient_command(&smtp, rcptcmd->s);
    if (rcpt_code < 200 || rcpt_code > 299)
      return refused(name, rcpt_code, "refused the recipient");
    data_code = smtpclient_command(&smtp, "DATA");
    if (data_code != 354)
      return refused(name, data_code, "refused the message at DATA");
    return 354;
  }
  if (!smtpclient_send(&smtp, mail->s, mail->len - 1)
      || !smtpclient_send(&smtp, rcptcmd->s, rcptcmd->len - 1)
      || !smtpclient_send(&smtp, "DATA", 4) || !smtpclient_flush(&smtp)) {
    result(name, 'Z', "the connection failed", 0);
    return 0;
  }
  mail_code = smtpclient_reply(&smtp);
  if (mail_code < 200 || mail_code > 299) {
    if (!mail_code)
      return refused(name, 0, "");
    result(name, mail_code >= 500 ? 'D' : 'Z', "refused the sender", 1);
  }
  rcpt_code = smtpclient_reply(&smtp);
  if (!rcpt_code) {
    if (mail_code >= 200 && mail_code <= 299)
      result(name, 'Z', "the connection failed", 1);
    return 0;
  }
  if ((mail_code >= 200 && mail_code <= 299)
      && (rcpt_code < 200 || rcpt_code > 299))
    result(name, rcpt_code >= 500 ? 'D' : 'Z', "refused the recipient", 1);
  data_code = smtpclient_reply(&smtp);
  if (!data_code) {
    if (mail_code >= 200 && mail_code <= 299 && rcpt_code >= 200
        && rcpt_code <= 299)
      result(name, 'Z', "the connection failed", 1);
    return 0;
  }
  if (mail_code >= 200 && mail_code <= 299 && rcpt_code >= 200
      && rcpt_code <= 299) {
    if (data_code == 354)
      return 354;
    return refused(name, data_code, "refused the message at DATA");
  }
  /* already refused; a server that still says 354 gets an empty
   * message ended at once, which it must not deliver (no recipient) */
  if (data_code == 354) {
    if (!smtpclient_send(&smtp, ".", 1) || !smtpclient_flush(&smtp)
        || !smtpclient_reply(&smtp))
      return 0;
  }
  return smtpclient_command(&smtp, "RSET") != 0;
}

/* 1 to go on with the next file, 0 when the session is over. */
static int
send_file(const char *name)
{
  static struct serial_envelope env = SERIAL_ENVELOPE_ZERO;
  static char space[BUFFER_INSIZE];
  static stralloc mail = STRALLOC_ZERO, rcptcmd = STRALLOC_ZERO;
  struct stat st;
  const char *rcpt;
  buffer message;
  unsigned int code;
  int fd, ok = 1;

  fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd == -1) {
    stralloc why = STRALLOC_ZERO;

    if (!stralloc_copys(&why, "unable to open the file: ")
        || !stralloc_cats(&why, strerror(errno)) || !stralloc_0(&why)
        || !serial_result(&results, name, 'Z', why.s))
      die_nomem();
    stralloc_free(&why);
    ++count_deferred;
    return 1;
  }
  if (fstat(fd, &st) == -1 || !serial_envelope_read(fd, &env)) {
    if (!serial_result(&results, name, 'Z', errno == EINVAL ? env.why
                       : strerror(errno)))
      die_sys(111, "unable to write results");
    ++count_deferred;
    close(fd);
    return 1;
  }
  rcpt = serial_recipient(&env, prefix);
  if (!rcpt) {
    close(fd);
    return 1;
  }
  if (!envelope_commands(name, &env, rcpt, st.st_size - env.body, &mail,
                         &rcptcmd)) {
    close(fd);
    return 1;
  }
  code = (unsigned int)start_transaction(name, &mail, &rcptcmd);
  if (code != 354) {
    close(fd);
    return (int)code;
  }
  buffer_init(&message, buffer_unixread, fd, 0, space, sizeof space);
  if (!smtpclient_data(&smtp, &message)) {
    result(name, 'Z', smtp.local ? "was not sent the whole message: "
           "reading the spool file failed" : "lost the connection while "
           "the message was sent", 0);
    ok = 0;
    goto done;
  }
  code = smtpclient_reply(&smtp);
  if (!code) {
    result(name, 'Z', "gave no reply after the message was sent (it may "
           "have been delivered, and may arrive twice)", 1);
    ok = 0;
  } else if (code >= 200 && code <= 299)
    result(name, 'K', "accepted the message", 1);
  else
    result(name, code >= 500 ? 'D' : 'Z', "refused the message", 1);
done:
  close(fd);
  return ok;
}

static void
options(int *argc, char ***argv)
{
  char **av = *argv;
  int i;

  for (i = 1; i < *argc && av[i][0] == '-' && av[i][1]; ++i) {
    const char *opt = av[i];

    if (!strcmp(opt, "--")) {
      ++i;
      break;
    }
    if (opt[2])
      usage();
    switch (opt[1]) {
    case 's':
      implicit_tls = 1;
      continue;
    case 'p':
      plaintext_auth = 1;
      continue;
    }
    if (i + 1 >= *argc)
      usage();
    ++i;
    switch (opt[1]) {
    case 't':
      if (!strcmp(av[i], "none"))
        policy = POLICY_NONE;
      else if (!strcmp(av[i], "may"))
        policy = POLICY_MAY;
      else if (!strcmp(av[i], "require"))
        policy = POLICY_REQUIRE;
      else if (!strcmp(av[i], "verify"))
        policy = POLICY_VERIFY;
      else
        usage();
      break;
    case 'c':
      cafile = av[i];
      break;
    case 'a':
      authfile = av[i];
      break;
    case 'n':
      servername = av[i];
      break;
    case 'T': {
      unsigned int t;
      size_t n = scan_uint(av[i], &t);

      if (!n || av[i][n] || !t)
        usage();
      limit.seconds = t;
      break;
    }
    default:
      usage();
    }
  }
  *argc -= i;
  *argv += i;
}

int
main(int argc, char **argv)
{
  stralloc name = STRALLOC_ZERO;
  int going = 1;

  errmsg_init("serialsmtp");
  sig_ignore(SIGPIPE);
  options(&argc, &argv);
  if (argc != 2)
    usage();
  prefix = argv[0];
  helohost = argv[1];
  if (!servername)
    servername = env_get("TCPREMOTEHOST");
  if (!servername || !servername[0])
    servername = env_get("TCPREMOTEIP");
  if (!servername)
    servername = "";

  session_start();
  while (going) {
    int rc;

    name.len = 0;
    rc = buffer_getline(buffer_0, &name, '\0');
    if (rc == -1)
      die_sys(111, "unable to read the file names");
    if (rc == 0)
      break;
    if (name.len < 2)
      continue;
    going = send_file(name.s);
    flush_results();
  }
  flush_results();
  if (!going) {
    char n[FMT_ULONG];

    n[fmt_ulong(n, count_sent)] = 0;
    session_fail("the connection broke off after messages sent:", n,
                 "#4.4.2");
  }
  smtpclient_quit(&smtp);
  if (tls_on)
    tls_close(&tls);
  return 0;
}
