/* serialsmtp_session.c -- serialsmtp's session: the greeting, EHLO,
 * STARTTLS by the policy, AUTH with the credentials file, and the end;
 * see serialsmtp.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkpw.h"
#include "errmsg.h"
#include "serialsmtp.h"
#include "stralloc.h"
#include "timeoutio.h"
#include "tls.h"

static struct tls tls;
static struct tls_anchors anchors = TLS_ANCHORS_ZERO;
static struct smtpclient smtp;
static struct timeout limit = { 1200 };
static char inspace[BUFFER_INSIZE];
static char outspace[BUFFER_OUTSIZE];
static buffer server_in, server_out;

static const char *helohost;
static const char *servername;
static const char *cafile;
static const char *authfile;
static enum serialsmtp_policy policy;
static int plaintext_auth;
static int tls_on;
static stralloc tls_text = STRALLOC_ZERO;

/* The session cannot go on: say why and stop.  Files without a result
 * stay in the spool for the next run. */
void
session_fail(const char *what, const char *detail, const char *code)
{
  results_flush();
  /* the connection is in no known state: end it, so that a client run
   * again on the same descriptors finds it closed, not a stale reply */
  shutdown(SERVER_IN, SHUT_RDWR);
  shutdown(SERVER_OUT, SHUT_RDWR);
  die(111, servername, ": ", what, detail ? ": " : "", detail ? detail : "",
      " (", session_tls_text(), "). (", code, ")");
}

const char *
session_said(void)
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
                     : " unverified")
    && stralloc_0(&tls_text);
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
    session_fail("my name (helohost) was not accepted", session_said(), "#4.4.2");
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
    session_fail("STARTTLS failed", session_said(), "#4.7.5");
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
    session_fail("the server refused the login", session_said(), "#4.7.8");
}

struct smtpclient *
session_start(const struct serialsmtp_options *o)
{
  unsigned int code;

  helohost = o->helohost;
  servername = o->servername;
  cafile = o->cafile;
  authfile = o->authfile;
  policy = o->policy;
  plaintext_auth = o->plaintext_auth;
  limit.seconds = o->seconds;
  buffer_init(&server_in, timeout_bufread, SERVER_IN, &limit, inspace,
              sizeof inspace);
  buffer_init(&server_out, timeout_bufwrite, SERVER_OUT, &limit, outspace,
              sizeof outspace);
  smtpclient_init(&smtp, &server_in, &server_out);
  smtp.reply_seconds = limit.seconds;
  if (!stralloc_copys(&tls_text, "no TLS") || !stralloc_0(&tls_text))
    die_nomem();
  if (o->implicit_tls)
    tls_begin();
  code = smtpclient_reply(&smtp);
  if (code < 200 || code > 299)
    session_fail(code ? "the greeting was not 2xx"
                 : "there was no usable greeting", session_said(), "#4.4.2");
  ehlo();
  starttls();
  authenticate();
  return &smtp;
}

/* tls_text is NUL-terminated whenever it is set */
const char *
session_tls_text(void)
{
  return tls_text.len ? tls_text.s : "no TLS";
}

void
session_end(void)
{
  smtpclient_quit(&smtp);
  if (tls_on)
    tls_close(&tls);
  /* the AUTH line went through this space */
  checkpw_wipe(outspace, sizeof outspace);
}

