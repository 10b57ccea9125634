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

void
log_status(void)
{
  stralloc n[4] = { STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO };
  int i;

  stralloc_catulong(&n[0], (unsigned long)concurrency_used[CHANNEL_LOCAL]);
  stralloc_catulong(&n[1], (unsigned long)conf.concurrency[CHANNEL_LOCAL]);
  stralloc_catulong(&n[2], (unsigned long)concurrency_used[CHANNEL_REMOTE]);
  stralloc_catulong(&n[3], (unsigned long)conf.concurrency[CHANNEL_REMOTE]);
  for (i = 0; i < 4; ++i)
    stralloc_0(&n[i]);
  log_line("status: local ", n[0].s ? n[0].s : "?", "/", n[1].s ? n[1].s : "?",
           " remote ", n[2].s ? n[2].s : "?", "/", n[3].s ? n[3].s : "?", (char *)0);
  for (i = 0; i < 4; ++i)
    stralloc_free(&n[i]);
}
