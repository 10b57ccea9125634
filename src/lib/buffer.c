/* buffer.c -- buffered I/O over a pluggable operation; see buffer.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "buffer.h"

void
buffer_init(buffer *b, buffer_op *op, int fd, void *ctx, char *space,
            size_t size)
{
  b->x = space;
  b->p = 0;
  b->n = 0;
  b->a = size;
  b->fd = fd;
  b->op = op;
  b->ctx = ctx;
}

ssize_t
buffer_unixread(int fd, char *buf, size_t len, void *ctx)
{
  ssize_t r;

  (void)ctx;
  do
    r = read(fd, buf, len);
  while (r == -1 && errno == EINTR);
  return r;
}

ssize_t
buffer_unixwrite(int fd, char *buf, size_t len, void *ctx)
{
  ssize_t w;

  (void)ctx;
  do
    w = write(fd, buf, len);
  while (w == -1 && errno == EINTR);
  return w;
}

ssize_t
buffer_feed(buffer *b)
{
  ssize_t r;

  if (b->p < b->n)
    return (ssize_t)(b->n - b->p);
  b->p = b->n = 0;
  r = b->op(b->fd, b->x, b->a, b->ctx);
  if (r <= 0)
    return r;
  b->n = (size_t)r;
  return r;
}

char *
buffer_peek(buffer *b)
{
  return b->x + b->p;
}

void
buffer_seek(buffer *b, size_t n)
{
  if (n > b->n - b->p)
    n = b->n - b->p;
  b->p += n;
}

size_t
buffer_unread(const buffer *b)
{
  return b->n - b->p;
}

ssize_t
buffer_get(buffer *b, char *out, size_t len)
{
  ssize_t r;
  size_t n;

  if (!len)
    return 0;
  /* large reads on an empty buffer bypass the copy */
  if (b->p == b->n && len >= b->a) {
    return b->op(b->fd, out, len, b->ctx);
  }
  r = buffer_feed(b);
  if (r <= 0)
    return r;
  n = (size_t)r < len ? (size_t)r : len;
  memcpy(out, b->x + b->p, n);
  b->p += n;
  return (ssize_t)n;
}

int
buffer_getline(buffer *b, stralloc *sa, char sep)
{
  for (;;) {
    ssize_t r = buffer_feed(b);
    char *start, *hit;
    size_t n;

    if (r < 0)
      return -1;
    if (r == 0)
      return 0;
    start = b->x + b->p;
    hit = memchr(start, sep, (size_t)r);
    n = hit ? (size_t)(hit - start) + 1 : (size_t)r;
    if (!stralloc_catb(sa, start, n))
      return -1;
    b->p += n;
    if (hit)
      return 1;
  }
}

int
buffer_writeall(buffer_op *op, int fd, void *ctx, const char *s,
                size_t len)
{
  while (len) {
    ssize_t w = op(fd, (char *)s, len, ctx);

    if (w < 0)
      return 0;
    if (w == 0) {
      errno = EPIPE;
      return 0;
    }
    s += w;
    len -= (size_t)w;
  }
  return 1;
}

int
buffer_flush(buffer *b)
{
  size_t pending = b->p;

  if (!pending)
    return 1;
  b->p = 0;
  return buffer_writeall(b->op, b->fd, b->ctx, b->x, pending);
}

int
buffer_put(buffer *b, const char *s, size_t len)
{
  if (!len)
    return 1;
  if (len > b->a - b->p) {
    if (!buffer_flush(b))
      return 0;
    /* what does not fit in an empty buffer goes straight out */
    if (len >= b->a)
      return buffer_writeall(b->op, b->fd, b->ctx, s, len);
  }
  memcpy(b->x + b->p, s, len);
  b->p += len;
  return 1;
}

int
buffer_puts(buffer *b, const char *s)
{
  return buffer_put(b, s, strlen(s));
}

int
buffer_putflush(buffer *b, const char *s, size_t len)
{
  return buffer_put(b, s, len) && buffer_flush(b);
}

int
buffer_putsflush(buffer *b, const char *s)
{
  return buffer_putflush(b, s, strlen(s));
}
