/* smtpd_auth.c -- AUTH PLAIN and LOGIN (RFC 4954, RFC 4616).
 *
 * Offered only when a checkpassword program was named on the command
 * line, and only over TLS or on a listener marked trusted (-t), so a
 * password never crosses the network in the clear.  The credentials go
 * to the checkpassword program (checkpw.h); qmail-smtpd itself never
 * reads a password database.  A client that authenticated may relay,
 * as one with RELAYCLIENT set does, and its messages' Received lines
 * say ESMTPA or ESMTPSA with the user name.  A failure is answered 535
 * after a delay of SMTPD_AUTH_DELAY seconds and logged with the client's
 * address and the user name, never the password; after MAX_FAILURES
 * the session ends.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "caseless.h"
#include "checkpw.h"
#include "fmt.h"
#include "smtpd.h"

#define MAX_FAILURES 3
#define CHECKPW_SECONDS 60

static unsigned int failures;

int
smtpd_auth_offered(const struct smtpd *s)
{
  return s->checkpassword && (s->tls_on || s->auth_plaintext_ok);
}

static void
out_of_memory(struct smtpd *s)
{
  smtpd_reply(s, "421 out of memory (#4.3.0)");
  smtpd_flush(s);
  smtpd_exit(s, 111);
}

/* Decode the response in s->line from pos into out and wipe it from
 * the line.  1, or 0 after a reply. */
static int
decode_response(struct smtpd *s, size_t pos, stralloc *out)
{
  int r;

  out->len = 0;
  r = base64_decode_sasl(out, s->line.s + pos, s->line.len - pos);
  checkpw_wipe(s->line.s + pos, s->line.len - pos);
  if (r)
    return 1;
  if (errno == ENOMEM)
    out_of_memory(s);
  smtpd_reply(s, "501 5.5.2 cannot decode the response as base64 (#5.5.2)");
  return 0;
}

/* Read the client's next response to a 334 challenge into out, decoded.
 * 1, or 0 after a reply (cancelled, too long, or not base64). */
static int
read_response(struct smtpd *s, const char *challenge, stralloc *out)
{
  int r;

  smtpd_reply(s, challenge);
  r = smtpd_getline(s);
  if (r == 0)
    smtpd_lost(s);
  if (r == 2) {
    smtpd_reply(s, "500 5.5.2 line too long (#5.5.2)");
    return 0;
  }
  if (s->line.len == 1 && s->line.s[0] == '*') {
    smtpd_reply(s, "501 5.0.0 authentication cancelled (#5.0.0)");
    return 0;
  }
  return decode_response(s, 0, out);
}

/* The initial response on the AUTH line itself, if any, decoded. */
static int
initial_response(struct smtpd *s, size_t pos, stralloc *out, int *given)
{
  *given = pos < s->line.len;
  return !*given || decode_response(s, pos, out);
}

/* PLAIN: "authzid NUL authcid NUL password"; an authzid other than the
 * user's own name is not supported. */
static int
mech_plain(struct smtpd *s, size_t pos, stralloc *user, stralloc *pass)
{
  static stralloc resp = STRALLOC_ZERO;
  size_t first, second;
  int given, ok = 0;

  if (!initial_response(s, pos, &resp, &given))
    return 0;
  if (!given && !read_response(s, "334 ", &resp))
    return 0;
  for (first = 0; first < resp.len && resp.s[first]; ++first)
    ;
  for (second = first + 1; second < resp.len && resp.s[second]; ++second)
    ;
  if (first >= resp.len || second >= resp.len)
    smtpd_reply(s, "501 5.5.2 malformed PLAIN response (#5.5.2)");
  else if (first && (first != second - first - 1
                     || memcmp(resp.s, resp.s + first + 1, first)))
    smtpd_reply(s, "535 5.7.8 authorization identity not supported "
                "(#5.7.8)");
  else if (!stralloc_copyb(user, resp.s + first + 1, second - first - 1)
           || !stralloc_copyb(pass, resp.s + second + 1,
                              resp.len - second - 1))
    out_of_memory(s);
  else
    ok = 1;
  checkpw_wipe(resp.s, resp.len);
  return ok;
}

/* LOGIN: the user name, then the password, each after its prompt. */
static int
mech_login(struct smtpd *s, size_t pos, stralloc *user, stralloc *pass)
{
  int given;

  if (!initial_response(s, pos, user, &given))
    return 0;
  if (!given && !read_response(s, "334 VXNlcm5hbWU6", user))
    return 0;
  return read_response(s, "334 UGFzc3dvcmQ6", pass);
}

/* "<pid.time@host>", as POP3's APOP (RFC 1939) and CRAM-MD5 write it. */
static void
timestamp(struct smtpd *s, char *out)
{
  size_t n = 0, room = 200;

  out[n++] = '<';
  n += fmt_ulong(out + n, (unsigned long)getpid());
  out[n++] = '.';
  n += fmt_ulong(out + n, (unsigned long)time(0));
  out[n++] = '@';
  if (s->greeting.len < room - n - 2) {
    memcpy(out + n, s->greeting.s, s->greeting.len - 1);
    n += s->greeting.len - 1;
  }
  out[n++] = '>';
  out[n] = 0;
}

static void
log_auth(struct smtpd *s, const char *event, const char *what,
         const stralloc *user)
{
  s->scratch.len = 0;
  stralloc_cats(&s->scratch, what);
  stralloc_cats(&s->scratch, " user=");
  smtpd_log_safe(&s->scratch, user->s, user->len > 200 ? 200 : user->len);
  if (!stralloc_0(&s->scratch))
    return;
  smtpd_log(s, event, s->scratch.s, (char *)0);
}

void
smtpd_auth(struct smtpd *s, size_t arg)
{
  static stralloc user = STRALLOC_ZERO;
  static stralloc pass = STRALLOC_ZERO;
  size_t end = arg, pos;
  char stamp[256];
  int ok, r;

  if (!s->checkpassword) {
    smtpd_reply(s, "502 unimplemented (#5.5.1)");
    return;
  }
  if (!smtpd_auth_offered(s)) {
    smtpd_reply(s, "538 5.7.11 encryption required: use STARTTLS first "
                "(#5.7.11)");
    return;
  }
  if (s->auth_user.len) {
    smtpd_reply(s, "503 5.5.1 already authenticated (#5.5.1)");
    return;
  }
  if (s->seen_mail) {
    smtpd_reply(s, "503 5.5.1 AUTH is not allowed in a mail transaction "
                "(#5.5.1)");
    return;
  }
  while (end < s->line.len && s->line.s[end] != ' ')
    ++end;
  for (pos = end; pos < s->line.len && s->line.s[pos] == ' '; ++pos)
    ;
  user.len = 0;
  pass.len = 0;
  if (end - arg == 5 && case_equalb(s->line.s + arg, "PLAIN", 5))
    ok = mech_plain(s, pos, &user, &pass);
  else if (end - arg == 5 && case_equalb(s->line.s + arg, "LOGIN", 5))
    ok = mech_login(s, pos, &user, &pass);
  else {
    smtpd_reply(s, "504 5.5.4 unrecognized authentication type (#5.5.4)");
    return;
  }
  if (!ok) {
    checkpw_wipe(pass.s, pass.len);
    return;
  }

  timestamp(s, stamp);
  /* replies so far must reach the client before the check may take
   * its time */
  smtpd_flush(s);
  r = checkpw_verify(s->checkpassword, user.s, user.len, pass.s, pass.len,
                     stamp, CHECKPW_SECONDS);
  checkpw_wipe(pass.s, pass.len);
  pass.len = 0;
  if (r == 1) {
    if (!stralloc_copy(&s->auth_user, &user))
      out_of_memory(s);
    if (!s->relayclient)
      s->relayclient = "";
    smtpd_reply(s, "235 2.7.0 authentication successful");
    log_auth(s, "auth", " ok", &user);
    return;
  }
  if (r == -1) {
    smtpd_reply(s, "454 4.7.0 temporary authentication failure (#4.7.0)");
    log_auth(s, "refuse", " 454 auth temporary failure", &user);
    return;
  }
  sleep(SMTPD_AUTH_DELAY);
  smtpd_reply(s, "535 5.7.8 authentication failed (#5.7.8)");
  log_auth(s, "refuse", " 535 auth failed", &user);
  if (++failures >= MAX_FAILURES) {
    smtpd_reply(s, "421 too many failed logins, closing (#4.7.0)");
    smtpd_flush(s);
    smtpd_log(s, "end", " too many failed logins", (char *)0);
    smtpd_exit(s, 1);
  }
}
