/* qmail-smtpd -- receive mail by SMTP and put it into the queue.
 *
 * Started for each connection by tcpserver (or inetd with tcp-env, or
 * xinetd) as the unprivileged user qmaild, with the connection on fds 0
 * and 1 and a log on fd 2.  It refuses to run as root: it parses what
 * the network sends.  It chdirs to the qmail home (instance_home()),
 * reads its control files, and queues each accepted message with
 * qmail-queue ($QMAILQUEUE when set).
 *
 *   qmail-smtpd [-s] [-t] [-a] [checkpassword [args...]]
 *
 *   -s   SMTPS: TLS from the first byte (port 465, RFC 8314); also $SMTPS
 *   -t   trusted listener (loopback): AUTH offered without TLS; also
 *        $SMTPD_TRUSTED
 *   -a   MAIL refused until the client authenticated (submission, port
 *        587); also $SMTPD_REQUIRE_AUTH
 *   checkpassword ...  the program that checks AUTH credentials (the
 *        checkpassword interface); without it AUTH is not offered.
 *
 * Exit codes: 0 after QUIT; 1 when the client went away, timed out or
 * was disconnected for a bare LF; 111 when it could not work (controls
 * unreadable, no memory, started as root).  The qmail-smtpd(8) manual
 * describes the control files and the environment.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caseless.h"
#include "control.h"
#include "env.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "scan.h"
#include "sig.h"
#include "smtpcmd.h"
#include "smtpd.h"

static struct smtpd session;
static char inspace[BUFFER_INSIZE];
static char outspace[BUFFER_OUTSIZE];

/* Unknown commands and lines too long in a row: then the client is not
 * speaking SMTP (an HTTP client, a port scanner). */
#define MAX_ERRORS 20

void
smtpd_reset_transaction(struct smtpd *s)
{
  s->seen_mail = 0;
  s->sender.len = 0;
  s->sender_bad = 0;
  s->rcpts.len = 0;
  s->rcpt_count = 0;
}

/* STARTTLS: RFC 3207 section 4.2, the client must begin again. */
void
smtpd_forget_session(struct smtpd *s)
{
  smtpd_reset_transaction(s);
  s->helo.len = 0;
  s->helo_given = 0;
  s->esmtp = 0;
  s->auth_user.len = 0;
}

static int
env_flag(const char *name)
{
  const char *v = env_get(name);

  return v && *v && strcmp(v, "0") != 0;
}

/* A control file could not be read: the session can only say so. */
static void
controls_failed(struct smtpd *s, const char *file)
{
  smtpd_log(s, "end", " cannot read ", file, ": ", strerror(errno),
            (char *)0);
  smtpd_reply(s, "421 unable to read controls (#4.3.0)");
  smtpd_flush(s);
  smtpd_exit(s, 111);
}

static void
read_list_lower(struct smtpd *s, stralloc *out, const char *file)
{
  if (control_readlist(out, file) == -1)
    controls_failed(s, file);
  case_lowerb(out->s, out->len);
}

/* Certificate and key for STARTTLS and SMTPS: control/servercert.pem
 * holds the chain and (unless control/serverkey.pem exists) the key. */
static void
load_tls(struct smtpd *s)
{
  const char *keyfile = "control/serverkey.pem";

  if (!tls_chain_load(&s->chain, "control/servercert.pem")) {
    if (errno == EINVAL)
      smtpd_log(s, "warning", " STARTTLS not offered: "
                "control/servercert.pem: ", s->chain.error, (char *)0);
    else
      smtpd_log(s, "warning", " STARTTLS not offered: "
                "control/servercert.pem: ", strerror(errno), (char *)0);
    return;
  }
  if (access(keyfile, F_OK) == -1) {
    if (errno != ENOENT) {
      smtpd_log(s, "warning", " STARTTLS not offered: ", keyfile, ": ",
                strerror(errno), (char *)0);
      return;
    }
    keyfile = "control/servercert.pem";
  }
  if (!tls_key_load(&s->key, keyfile)) {
    smtpd_log(s, "warning", " STARTTLS not offered: ", keyfile, ": ",
              errno == EINVAL ? s->key.error : strerror(errno), (char *)0);
    return;
  }
  if (!tls_key_matches(&s->key, &s->chain)) {
    smtpd_log(s, "warning", " STARTTLS not offered: the key in ", keyfile,
              " does not belong to the certificate in "
              "control/servercert.pem", (char *)0);
    return;
  }
  s->tls_possible = 1;
}

static void
read_controls(struct smtpd *s)
{
  const char *v;
  int timeout = 1200, databytes = 0, r;

  if (!control_init())
    controls_failed(s, "control/me");
  if (control_rldef(&s->greeting, "control/smtpgreeting", 1, "") == -1)
    controls_failed(s, "control/smtpgreeting");
  if (!s->greeting.len) {
    errno = ENOENT;
    controls_failed(s, "control/me");
  }
  if (!stralloc_0(&s->greeting))
    controls_failed(s, "memory");
  if (control_rldef(&s->liphost, "control/localiphost", 1, "") == -1)
    controls_failed(s, "control/localiphost");
  if (control_readint(&timeout, "control/timeoutsmtpd") == -1)
    controls_failed(s, "control/timeoutsmtpd");
  if (timeout > 0)
    s->limit.seconds = (unsigned int)timeout;
  if (control_readint(&databytes, "control/databytes") == -1)
    controls_failed(s, "control/databytes");
  if (databytes > 0)
    s->databytes = (unsigned long)databytes;
  v = env_get("DATABYTES");
  if (v) {
    unsigned long n;

    if (scan_ulong(v, &n) && !v[scan_ulong(v, &n)])
      s->databytes = n;
  }
  read_list_lower(s, &s->badmailfrom, "control/badmailfrom");

  r = control_readlist(&s->rcpthosts, "control/rcpthosts");
  if (r == -1)
    controls_failed(s, "control/rcpthosts");
  if (r == 0) {
    /* qmail would relay for everyone; this server accepts mail for its
     * own domains only, and says so */
    s->rcpthosts_missing = 1;
    r = control_readlist(&s->rcpthosts, "control/locals");
    if (r == -1)
      controls_failed(s, "control/locals");
    if (r == 0
        && (!stralloc_copys(&s->rcpthosts, s->greeting.s)
            || !stralloc_0(&s->rcpthosts)))
      controls_failed(s, "memory");
    smtpd_log(s, "warning", " control/rcpthosts is missing: accepting "
              "mail only for the domains in control/locals", (char *)0);
  }
  case_lowerb(s->rcpthosts.s, s->rcpthosts.len);
  if (!constdb_open(&s->mrh, "control/morercpthosts.cdb")) {
    if (errno != ENOENT)
      controls_failed(s, "control/morercpthosts.cdb");
    s->mrh.fd = -1;
  }

  v = env_get("RCPTCHECK");
  if (v)
    s->rcptcheck_on = *v && strcmp(v, "0") != 0;
  else {
    stralloc flag = STRALLOC_ZERO;

    r = control_readline(&flag, "control/rcptcheck");
    if (r == -1)
      controls_failed(s, "control/rcptcheck");
    s->rcptcheck_on = r == 1 && flag.len && flag.s[0] != '0';
    stralloc_free(&flag);
  }
  if (s->rcptcheck_on && !smtpd_check_init(s))
    controls_failed(s, "the recipient check's control files");
}

static void
reply_greeting_line(struct smtpd *s, const char *code, const char *suffix)
{
  s->scratch.len = 0;
  stralloc_cats(&s->scratch, code);
  stralloc_cats(&s->scratch, s->greeting.s);
  stralloc_cats(&s->scratch, suffix);
  if (!stralloc_0(&s->scratch)) {
    smtpd_reply(s, "421 out of memory (#4.3.0)");
    smtpd_flush(s);
    smtpd_exit(s, 111);
  }
  smtpd_reply_part(s, s->scratch.s);
}

static void
do_helo(struct smtpd *s, size_t arg, int extended)
{
  s->helo.len = 0;
  if (!stralloc_catb(&s->helo, s->line.s + arg, s->line.len - arg)) {
    smtpd_reply(s, "421 out of memory (#4.3.0)");
    smtpd_flush(s);
    smtpd_exit(s, 111);
  }
  s->helo_given = 1;
  s->esmtp = extended;
  smtpd_reset_transaction(s);
  if (!extended) {
    reply_greeting_line(s, "250 ", "");
    return;
  }
  reply_greeting_line(s, "250-", "");
  smtpd_reply_part(s, "250-PIPELINING");
  smtpd_reply_part(s, "250-8BITMIME");
  if (s->tls_possible && !s->tls_on)
    smtpd_reply_part(s, "250-STARTTLS");
  if (smtpd_auth_offered(s))
    smtpd_reply_part(s, "250-AUTH PLAIN LOGIN");
  if (s->databytes) {
    char line[40] = "250 SIZE ";

    line[9 + fmt_ulong(line + 9, s->databytes)] = 0;
    smtpd_reply_part(s, line);
  } else
    smtpd_reply_part(s, "250 SIZE");
}

static void
do_starttls(struct smtpd *s, size_t arg)
{
  size_t discarded;

  if (arg < s->line.len) {
    smtpd_reply(s, "501 5.5.4 STARTTLS takes no argument (#5.5.4)");
    return;
  }
  if (s->tls_on) {
    smtpd_reply(s, "503 5.5.1 TLS is already in use (#5.5.1)");
    return;
  }
  if (!s->tls_possible) {
    smtpd_reply(s, "454 4.7.0 TLS not available (#4.7.0)");
    return;
  }
  smtpd_reply(s, "220 2.0.0 ready to start TLS");
  smtpd_flush(s);
  /* a client must wait for the 220: what came with STARTTLS was put
   * there by someone else and must not be executed (CVE-2011-0411) */
  discarded = buffer_unread(&s->in);
  if (discarded) {
    char n[24];

    n[fmt_ulong(n, discarded)] = 0;
    buffer_seek(&s->in, discarded);
    smtpd_log(s, "warning", " discarded ", n,
              " bytes sent after STARTTLS before the handshake", (char *)0);
  }
  smtpd_start_tls(s);
  smtpd_forget_session(s);
}

static void
parse_options(struct smtpd *s, int argc, char **argv)
{
  int i;

  s->smtps = env_flag("SMTPS");
  s->auth_plaintext_ok = env_flag("SMTPD_TRUSTED");
  s->auth_required = env_flag("SMTPD_REQUIRE_AUTH");
  for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    const char *o;

    if (!strcmp(argv[i], "--")) {
      ++i;
      break;
    }
    for (o = argv[i] + 1; *o; ++o)
      switch (*o) {
      case 's': s->smtps = 1; break;
      case 't': s->auth_plaintext_ok = 1; break;
      case 'a': s->auth_required = 1; break;
      default:
        die(111, "usage: qmail-smtpd [-s] [-t] [-a] [checkpassword ...]");
      }
  }
  s->checkpassword = i < argc ? argv + i : 0;
  if (s->auth_required && !s->checkpassword)
    die(111, "-a needs a checkpassword program to check credentials");
}

static void
dispatch(struct smtpd *s)
{
  unsigned int errors = 0;

  for (;;) {
    size_t arg;
    int r = smtpd_getline(s);
    enum smtp_verb verb;

    if (r == 0)
      smtpd_lost(s);
    if (r == 2) {
      smtpd_reply(s, "500 5.5.2 line too long (#5.5.2)");
      verb = SMTP_UNKNOWN;
    } else {
      verb = smtpcmd_verb(s->line.s, s->line.len, &arg);
      if (verb != SMTP_UNKNOWN)
        errors = 0;
    }
    switch (verb) {
    case SMTP_HELO: do_helo(s, arg, 0); break;
    case SMTP_EHLO: do_helo(s, arg, 1); break;
    case SMTP_MAIL: smtpd_mail(s, arg); break;
    case SMTP_RCPT: smtpd_rcpt(s, arg); break;
    case SMTP_DATA: smtpd_data(s); break;
    case SMTP_RSET:
      smtpd_reset_transaction(s);
      smtpd_reply(s, "250 flushed");
      break;
    case SMTP_NOOP: smtpd_reply(s, "250 ok"); break;
    case SMTP_HELP:
      smtpd_reply(s, "214 qmail-smtpd: see the qmail-smtpd(8) manual page");
      break;
    case SMTP_VRFY: smtpd_reply(s, "252 send some mail, i'll try my best");
      break;
    case SMTP_STARTTLS: do_starttls(s, arg); break;
    case SMTP_AUTH: smtpd_auth(s, arg); break;
    case SMTP_QUIT:
      reply_greeting_line(s, "221 ", "");
      smtpd_flush(s);
      smtpd_log(s, "end", " quit", (char *)0);
      smtpd_exit(s, 0);
    case SMTP_EXPN:
    case SMTP_BDAT:
    case SMTP_UNKNOWN:
      if (r != 2)
        smtpd_reply(s, "502 unimplemented (#5.5.1)");
      if (++errors >= MAX_ERRORS) {
        smtpd_reply(s, "421 too many unrecognized commands, closing "
                    "(#4.7.0)");
        smtpd_flush(s);
        smtpd_log(s, "end", " too many unrecognized commands", (char *)0);
        smtpd_exit(s, 1);
      }
      break;
    }
  }
}

int
main(int argc, char **argv)
{
  struct smtpd *s = &session;

  errmsg_init("qmail-smtpd");
  sig_ignore(SIGPIPE);
  if (getuid() == 0 || geteuid() == 0)
    die(111, "refusing to run as root: it reads what the network sends; "
        "start it as qmaild (tcpserver -u, or inetd's user field)");
  parse_options(s, argc, argv);

  s->remoteip = env_get("TCPREMOTEIP");
  if (!s->remoteip || !*s->remoteip)
    s->remoteip = "unknown";
  s->remotehost = env_get("TCPREMOTEHOST");
  if (s->remotehost && !*s->remotehost)
    s->remotehost = 0;
  s->remoteinfo = env_get("TCPREMOTEINFO");
  if (s->remoteinfo && !*s->remoteinfo)
    s->remoteinfo = 0;
  s->localname = env_get("TCPLOCALHOST");
  if (!s->localname || !*s->localname)
    s->localname = env_get("TCPLOCALIP");
  if (!s->localname || !*s->localname)
    s->localname = "unknown";
  s->relayclient = env_get("RELAYCLIENT");
  s->limit.seconds = 1200;
  s->mrh.fd = -1;
  smtpd_io_plain(s, inspace, sizeof inspace, outspace, sizeof outspace);

  if (chdir(instance_home()) == -1) {
    smtpd_log(s, "end", " cannot enter ", instance_home(), ": ",
              strerror(errno), (char *)0);
    smtpd_reply(s, "421 unable to read controls (#4.3.0)");
    smtpd_flush(s);
    _exit(111);
  }
  load_tls(s);
  if (s->smtps) {
    if (!s->tls_possible) {
      smtpd_log(s, "end", " SMTPS needs a certificate and key", (char *)0);
      _exit(111);
    }
    smtpd_start_tls(s);
  }
  read_controls(s);

  reply_greeting_line(s, "220 ", " ESMTP");
  dispatch(s);
  return 0;
}
