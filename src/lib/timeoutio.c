/* timeoutio.c -- I/O with a time limit; see timeoutio.h. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

#include "timeoutio.h"

long long
timeout_now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
timeout_wait(int fd, short events, long long deadline)
{
  for (;;) {
    struct pollfd p;
    long long left = deadline - timeout_now_ms();
    int r;

    if (left < 0)
      left = 0;
    if (left > INT_MAX)
      left = INT_MAX;
    p.fd = fd;
    p.events = events;
    p.revents = 0;
    r = poll(&p, 1, (int)left);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return 0;
    }
    if (r == 0) {
      /* a long limit is waited for in INT_MAX-millisecond pieces */
      if (timeout_now_ms() < deadline)
        continue;
      errno = ETIMEDOUT;
      return 0;
    }
    if (p.revents & POLLNVAL) {
      errno = EBADF;
      return 0;
    }
    return 1;
  }
}

ssize_t
timeout_read(int fd, char *buf, size_t len, unsigned int seconds)
{
  long long deadline = timeout_now_ms() + (long long)seconds * 1000;

  for (;;) {
    ssize_t r;

    if (!timeout_wait(fd, POLLIN, deadline))
      return -1;
    r = read(fd, buf, len);
    if (r >= 0)
      return r;
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
      return -1;
    if (timeout_now_ms() >= deadline) {
      errno = ETIMEDOUT;
      return -1;
    }
  }
}

ssize_t
timeout_write(int fd, const char *buf, size_t len, unsigned int seconds)
{
  long long deadline = timeout_now_ms() + (long long)seconds * 1000;

  for (;;) {
    ssize_t w;

    if (!timeout_wait(fd, POLLOUT, deadline))
      return -1;
    w = write(fd, buf, len);
    if (w >= 0)
      return w;
    if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
      return -1;
    if (timeout_now_ms() >= deadline) {
      errno = ETIMEDOUT;
      return -1;
    }
  }
}

ssize_t
timeout_bufread(int fd, char *buf, size_t len, void *ctx)
{
  const struct timeout *limit = ctx;

  return timeout_read(fd, buf, len, limit->seconds);
}

ssize_t
timeout_bufwrite(int fd, char *buf, size_t len, void *ctx)
{
  const struct timeout *limit = ctx;

  return timeout_write(fd, buf, len, limit->seconds);
}
