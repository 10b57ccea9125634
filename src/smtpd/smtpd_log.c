/* smtpd_log.c -- qmail-smtpd's log lines, on standard error.
 *
 * Each line is written with one write(2), so lines of concurrent
 * sessions sharing a log pipe (tcpserver under multilog, svlogd,
 * splogger) never mix:
 *
 *   qmail-smtpd PID: accept ip=IP from=<S> rcpts=N bytes=N helo=H
 *       [tls=CIPHER] [auth=USER] qp QP
 *   qmail-smtpd PID: refuse ip=IP CODE ... from=<S> [rcpt=<R>]
 *   qmail-smtpd PID: end ip=IP [host=H] helo=H [tls=CIPHER] [auth=USER]
 *       messages=N: REASON
 *   qmail-smtpd PID: warning ip=IP TEXT
 *
 * Text from the client (HELO names, addresses, user names) is logged
 * with every byte outside printable ASCII, and the space, as '?', so a
 * client can neither forge a line nor split one.  Passwords are never
 * logged.
 */
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include "smtpd.h"

void
smtpd_log_safe(stralloc *out, const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i) {
    char c = s[i];

    if ((unsigned char)c < 33 || (unsigned char)c > 126)
      c = '?';
    if (!stralloc_append(out, c))
      return;
  }
}

/* "<addr>" made safe for a log line. */
void
smtpd_log_addr(stralloc *out, const char *addr, size_t len)
{
  if (len > 300)
    len = 300;
  stralloc_append(out, '<');
  smtpd_log_safe(out, addr, len);
  stralloc_append(out, '>');
}

/* " helo=H [tls=CIPHER] [auth=USER]" */
void
smtpd_log_client(struct smtpd *s, stralloc *out)
{
  stralloc_cats(out, " helo=");
  if (s->helo_given)
    smtpd_log_safe(out, s->helo.s, s->helo.len > 200 ? 200 : s->helo.len);
  else
    stralloc_cats(out, "-");
  if (s->tls_on) {
    stralloc_cats(out, " tls=");
    stralloc_cats(out, tls_cipher_name(s->tls));
  }
  if (s->auth_user.len) {
    stralloc_cats(out, " auth=");
    smtpd_log_safe(out, s->auth_user.s, s->auth_user.len);
  }
}

static void
session_summary(struct smtpd *s, stralloc *out)
{
  if (s->remotehost) {
    stralloc_cats(out, " host=");
    smtpd_log_safe(out, s->remotehost, strlen(s->remotehost));
  }
  smtpd_log_client(s, out);
  stralloc_cats(out, " messages=");
  stralloc_catulong(out, s->messages);
  stralloc_cats(out, ":");
}

void
smtpd_log(struct smtpd *s, const char *event, ...)
{
  static stralloc line = STRALLOC_ZERO;
  va_list ap;
  const char *part;

  line.len = 0;
  stralloc_cats(&line, "qmail-smtpd ");
  stralloc_catulong(&line, (unsigned long)getpid());
  stralloc_cats(&line, ": ");
  stralloc_cats(&line, event);
  stralloc_cats(&line, " ip=");
  smtpd_log_safe(&line, s->remoteip, strlen(s->remoteip));
  if (!strcmp(event, "end"))
    session_summary(s, &line);
  va_start(ap, event);
  while ((part = va_arg(ap, const char *)))
    stralloc_cats(&line, part);
  va_end(ap);
  if (line.len > 2000)
    line.len = 2000;
  stralloc_append(&line, '\n');
  if (line.s)
    (void)!write(2, line.s, line.len);
}

