/* buffer.h -- buffered I/O over a pluggable read or write operation.
 *
 * A buffer moves bytes between the caller and an operation
 *     ssize_t op(int fd, char *buf, size_t len, void *ctx)
 * that behaves like read(2) or write(2): it returns the number of bytes
 * moved, 0 at end of input, or -1 with errno set.  The default operations
 * call read/write on fd and retry on EINTR; a TLS layer or a timeout
 * wrapper supplies its own op and keeps its state in ctx, so protocol
 * code never knows what is underneath.
 *
 * The caller provides the space; buffers never allocate.  A buffer is
 * either for reading or for writing, never both.
 *
 * Conventions: buffer_get and buffer_feed return bytes (>0), 0 at end of
 * input, -1 on error.  Every other function returns 1 on success and 0
 * on failure with errno set, or as documented.
 */
#ifndef BUFFER_H
#define BUFFER_H

#include <stddef.h>
#include <sys/types.h>

#include "stralloc.h"

typedef ssize_t buffer_op(int fd, char *buf, size_t len, void *ctx);

typedef struct buffer {
  char *x;          /* the space */
  size_t p;         /* read: start of unread data; write: bytes pending */
  size_t n;         /* read: end of unread data; write: unused */
  size_t a;         /* size of the space */
  int fd;
  buffer_op *op;
  void *ctx;
} buffer;

#define BUFFER_INSIZE 8192
#define BUFFER_OUTSIZE 8192

#define BUFFER_INIT(op, fd, ctx, space, size) \
  { (space), 0, 0, (size), (fd), (op), (ctx) }

void buffer_init(buffer *b, buffer_op *op, int fd, void *ctx,
                 char *space, size_t size);

/* The plain fd operations. */
ssize_t buffer_unixread(int fd, char *buf, size_t len, void *ctx);
ssize_t buffer_unixwrite(int fd, char *buf, size_t len, void *ctx);

/* Reading. */
/* Refill if empty; returns the number of unread bytes now buffered. */
ssize_t buffer_feed(buffer *b);
/* Pointer to the unread bytes (valid until the next feed). */
char *buffer_peek(buffer *b);
/* Consume n unread bytes (n <= what feed returned). */
void buffer_seek(buffer *b, size_t n);
/* Copy up to len bytes out. */
ssize_t buffer_get(buffer *b, char *out, size_t len);
/* Read through the next sep, appending to sa (sep included).  Returns 1
 * when sep was found, 0 at end of input (a partial last line may have
 * been appended), -1 on error. */
int buffer_getline(buffer *b, stralloc *sa, char sep);
/* Bytes buffered and not yet consumed. */
size_t buffer_unread(const buffer *b);

/* Writing. */
int buffer_put(buffer *b, const char *s, size_t len);
int buffer_puts(buffer *b, const char *s);
int buffer_flush(buffer *b);
int buffer_putflush(buffer *b, const char *s, size_t len);
int buffer_putsflush(buffer *b, const char *s);

/* Write all of s with op, unbuffered. */
int buffer_writeall(buffer_op *op, int fd, void *ctx, const char *s,
                    size_t len);

/* Standard input, output and error over fds 0, 1, 2. */
extern buffer *buffer_0;
extern buffer *buffer_1;
extern buffer *buffer_2;

#endif
