/* tcpconnect.c -- see tcpconnect.h. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd.h"
#include "tcpconnect.h"
#include "timeoutio.h"

int tcpconnect_bind_failed;

static socklen_t
sockaddr_fill(struct sockaddr_storage *sa, const struct dns_ip *ip,
              unsigned int port)
{
  memset(sa, 0, sizeof *sa);
  if (ip->family == AF_INET) {
    struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

    s4->sin_family = AF_INET;
    s4->sin_port = htons((unsigned short)port);
    memcpy(&s4->sin_addr, ip->ip, 4);
    return sizeof *s4;
  } else {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;

    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons((unsigned short)port);
    memcpy(&s6->sin6_addr, ip->ip, 16);
    return sizeof *s6;
  }
}

/* Connect within the limit; 1, or 0 with errno. */
static int
connect_timed(int fd, const struct sockaddr *sa, socklen_t len,
              unsigned int seconds)
{
  int err = 0;
  socklen_t errlen = sizeof err;
  long long deadline;

  if (!fd_ndelay_on(fd))
    return 0;
  if (connect(fd, sa, len) == 0)
    return fd_ndelay_off(fd);
  if (errno != EINPROGRESS)
    return 0;
  deadline = timeout_now_ms() + (long long)seconds * 1000;
  if (timeout_wait(fd, POLLOUT, deadline) != 1)
    return 0;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1)
    return 0;
  if (err) {
    errno = err;
    return 0;
  }
  return fd_ndelay_off(fd);
}

static int
give_up(int fd)
{
  int saved = errno;

  close(fd);
  errno = saved;
  return -1;
}

int
tcpconnect(const struct dns_ip *ip, unsigned int port,
           const struct dns_ip *source, unsigned int seconds)
{
  struct sockaddr_storage sa;
  socklen_t len;
  int fd;

  tcpconnect_bind_failed = 0;
  if (ip->family != AF_INET && ip->family != AF_INET6) {
    errno = EAFNOSUPPORT;
    return -1;
  }
  fd = socket(ip->family, SOCK_STREAM, 0);
  if (fd == -1)
    return -1;
  if (!fd_coe(fd))
    return give_up(fd);
  if (source && source->family) {
    len = sockaddr_fill(&sa, source, 0);
    if (bind(fd, (struct sockaddr *)&sa, len) == -1) {
      tcpconnect_bind_failed = 1;
      return give_up(fd);
    }
  }
  len = sockaddr_fill(&sa, ip, port);
  if (!connect_timed(fd, (struct sockaddr *)&sa, len, seconds))
    return give_up(fd);
  /* the callers buffer what they send and write it out only before they
   * wait for a reply; Nagle's algorithm would hold the last piece of a
   * message body (".") back until the server acknowledged the piece
   * before, which a server that delays its acknowledgements does 40 ms
   * later: one stall per message.  Not being able to turn it off is
   * only slower, so the result is not checked. */
  {
    int one = 1;

    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}
