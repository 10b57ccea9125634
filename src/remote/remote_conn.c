/* remote_conn.c -- a TCP connection to one address, from the source
 * address in control/outgoingip, within timeoutconnect seconds. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd.h"
#include "fmt.h"
#include "remote.h"
#include "timeoutio.h"

static char inspace[BUFFER_INSIZE];
static char outspace[BUFFER_OUTSIZE];

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

static int
connect_failed(struct remote *r, int fd, const char *why)
{
  char port[FMT_ULONG];

  if (fd != -1)
    close(fd);
  port[fmt_uint(port, r->port)] = 0;
  return remote_fail(r, 0, "Unable to connect to ", r->peer->name, " [",
                     r->peer_ip, "] port ", port, ": ", why, ". (#4.4.1)",
                     (char *)0);
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

int
remote_connect(struct remote *r, const struct remote_target *t)
{
  struct sockaddr_storage sa;
  const struct dns_ip *source;
  socklen_t len;
  int fd;

  r->peer = t;
  r->peer_ip[dns_ip_fmt(r->peer_ip, &t->ip)] = 0;
  r->tls_on = 0;
  r->connect_timed_out = 0;
  fd = socket(t->ip.family, SOCK_STREAM, 0);
  if (fd == -1)
    return connect_failed(r, -1, strerror(errno));
  if (!fd_coe(fd))
    return connect_failed(r, fd, strerror(errno));
  source = t->ip.family == AF_INET ? &r->outgoing4 : &r->outgoing6;
  if (source->family) {
    len = sockaddr_fill(&sa, source, 0);
    if (bind(fd, (struct sockaddr *)&sa, len) == -1)
      return connect_failed(r, fd, "cannot bind the source address from "
                            "control/outgoingip");
  }
  len = sockaddr_fill(&sa, &t->ip, r->port);
  if (!connect_timed(fd, (struct sockaddr *)&sa, len, r->timeoutconnect)) {
    /* our own limit or the kernel's SYN retries: either way the host
     * did not answer at all, which is what the tcpto table is for */
    r->connect_timed_out = errno == ETIMEDOUT;
    return connect_failed(r, fd, errno == ETIMEDOUT
                          ? "timed out" : strerror(errno));
  }
  r->fd = fd;
  r->limit.seconds = r->timeoutremote;
  buffer_init(&r->in, timeout_bufread, fd, &r->limit, inspace, sizeof inspace);
  buffer_init(&r->out, timeout_bufwrite, fd, &r->limit, outspace,
              sizeof outspace);
  smtpclient_init(&r->smtp, &r->in, &r->out);
  r->smtp.reply_seconds = r->timeoutremote;
  return stralloc_copys(&r->tls_text, "no TLS")
    || remote_fail(r, 0, "Out of memory. (#4.3.0)", (char *)0);
}

void
remote_disconnect(struct remote *r)
{
  if (r->fd == -1)
    return;
  remote_tls_end(r);
  close(r->fd);
  r->fd = -1;
  memset(outspace, 0, sizeof outspace);
}
