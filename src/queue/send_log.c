/* send_log.c -- qmail-send's log lines, in qmail's format, on fd 0.
 *
 * Log analysers depend on the exact words: "new msg ID", "info msg ID:
 * bytes N from <SENDER> qp PID uid UID", "starting delivery N: msg ID to
 * local ADDR", "delivery N: success: REPORT", "status: local a/b remote
 * c/d", "bounce msg ID qp PID", "end msg ID".  Each line is written with
 * one write so a multilog reader never sees half a line.
 */
#include <errno.h>
#include <stdarg.h>
#include <unistd.h>

#include "send.h"

static stralloc line = STRALLOC_ZERO;

void
log_line(const char *s, ...)
{
  va_list ap;
  const char *part;
  size_t done = 0;

  line.len = 0;
  va_start(ap, s);
  for (part = s; part; part = va_arg(ap, const char *))
    if (!stralloc_cats(&line, part))
      break;
  va_end(ap);
  if (!stralloc_append(&line, '\n'))
    return;
  while (done < line.len) {
    ssize_t w = write(0, line.s + done, line.len - done);

    if (w == -1 && errno == EINTR)
      continue;
    if (w <= 0)
      return;         /* nowhere to complain to */
    done += (size_t)w;
  }
}

void
log_safe(stralloc *out, const char *s, size_t len)
{
  size_t i;

  out->len = 0;
  for (i = 0; i < len; ++i) {
    char c = s[i];

    if (c == ' ')
      c = '_';
    else if (c == '\n')
      c = '/';
    else if ((unsigned char)c < 32 || c == 127)
      c = '?';
    if (!stralloc_append(out, c))
      break;
  }
  if (!stralloc_0(out))
    out->len = 0;
}

char *
log_num(char *buf, unsigned long n)
{
  buf[fmt_ulong(buf, n)] = 0;
  return buf;
}

void
log_status(void)
{
  char n[4][FMT_ULONG];

  log_line("status: local ", log_num(n[0], (unsigned long)concurrency_used[CHANNEL_LOCAL]),
           "/", log_num(n[1], (unsigned long)conf.concurrency[CHANNEL_LOCAL]),
           " remote ", log_num(n[2], (unsigned long)concurrency_used[CHANNEL_REMOTE]),
           "/", log_num(n[3], (unsigned long)conf.concurrency[CHANNEL_REMOTE]), (char *)0);
}
