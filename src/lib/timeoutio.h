/* timeoutio.h -- reads and writes that give up after a time limit.
 *
 * A network daemon must not wait forever for a peer that went silent
 * (qmail-smtpd's "timeout" control file, qmail-remote's timeoutremote).
 * These functions wait with poll(2) until fd is ready, then do one
 * read(2) or write(2); they use the timeout_ prefix.
 *
 * timeout_read(fd, buf, len, seconds)
 * timeout_write(fd, buf, len, seconds)
 *     Like read(2)/write(2): the number of bytes moved, 0 at end of
 *     input (read), or -1 with errno set.  When fd does not become ready
 *     within seconds, they return -1 with errno ETIMEDOUT and no byte
 *     has been moved.  The limit applies to each call, not to a whole
 *     conversation; signals that interrupt the wait do not extend it
 *     (the remaining time is recomputed from a monotonic clock), and
 *     EINTR is never returned.  seconds 0 means "only if ready now".
 *     A non-blocking fd that polls ready but then says EAGAIN (another
 *     process took the data) goes back to waiting within the same
 *     limit.  An fd that is not open gives EBADF.
 *
 * For buffer.h, the operations
 *     timeout_bufread(fd, buf, len, ctx)
 *     timeout_bufwrite(fd, buf, len, ctx)
 * have the buffer_op signature; ctx points to a struct timeout holding
 * the limit, which the caller may change between calls:
 *
 *     struct timeout limit = { 1200 };
 *     char space[BUFFER_INSIZE];
 *     buffer in = BUFFER_INIT(timeout_bufread, 0, &limit, space,
 *                             sizeof space);
 */
#ifndef TIMEOUTIO_H
#define TIMEOUTIO_H

#include <stddef.h>
#include <sys/types.h>

struct timeout {
  unsigned int seconds;
};

ssize_t timeout_read(int fd, char *buf, size_t len, unsigned int seconds);
ssize_t timeout_write(int fd, const char *buf, size_t len,
                      unsigned int seconds);

/* The pieces, for protocol engines that do their own reads and writes
 * (TLS, DNS): timeout_now_ms() is milliseconds on a clock no one can
 * set back; timeout_wait() waits until fd has events or the deadline
 * (a timeout_now_ms() value) passes, and returns 1 when something
 * happened on fd (readiness, hang-up, or an error the next read or
 * write reports), 0 with errno ETIMEDOUT, EBADF or poll's error. */
long long timeout_now_ms(void);
int timeout_wait(int fd, short events, long long deadline);

ssize_t timeout_bufread(int fd, char *buf, size_t len, void *ctx);
ssize_t timeout_bufwrite(int fd, char *buf, size_t len, void *ctx);

#endif
