/* errmsg.c -- uniform diagnostics; see errmsg.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errmsg.h"

const char *errmsg_prog = "qmail";

void
errmsg_init(const char *prog)
{
  const char *slash = strrchr(prog, '/');

  errmsg_prog = slash ? slash + 1 : prog;
}

/* Assemble in a fixed buffer and write once, so lines from concurrent
 * processes sharing stderr do not interleave mid-line. */
static void
emit(const char *kind, int with_errno, int saved_errno, const char *s,
     va_list ap)
{
  char line[1024];
  size_t len = 0;
  const char *part;

#define ADD(str) do { \
    const char *add_ = (str); \
    size_t n_ = strlen(add_); \
    if (n_ > sizeof line - 1 - len) n_ = sizeof line - 1 - len; \
    memcpy(line + len, add_, n_); len += n_; \
  } while (0)

  ADD(errmsg_prog);
  ADD(": ");
  if (kind)
    ADD(kind);
  for (part = s; part; part = va_arg(ap, const char *))
    ADD(part);
  if (with_errno) {
    ADD(": ");
    ADD(strerror(saved_errno));
  }
#undef ADD
  line[len++] = '\n';
  while (write(2, line, len) == -1 && errno == EINTR)
    ;
}

void
errmsg_die(int code, int with_errno, const char *s, ...)
{
  int saved = errno;
  va_list ap;

  va_start(ap, s);
  emit("fatal: ", with_errno, saved, s, ap);
  va_end(ap);
  _exit(code);
}

void
errmsg_warn(int with_errno, const char *s, ...)
{
  int saved = errno;
  va_list ap;

  va_start(ap, s);
  emit("warning: ", with_errno, saved, s, ap);
  va_end(ap);
  errno = saved;
}

void
errmsg_put(const char *s, ...)
{
  va_list ap;
  const char *part;

  va_start(ap, s);
  for (part = s; part; part = va_arg(ap, const char *)) {
    size_t n = strlen(part);

    while (n) {
      ssize_t w = write(2, part, n);

      if (w == -1) {
        if (errno == EINTR)
          continue;
        break;
      }
      part += w;
      n -= (size_t)w;
    }
  }
  va_end(ap);
}
