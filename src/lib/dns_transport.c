/* dns_transport.c -- sending a query to the configured servers over UDP,
 * with TCP when the answer is truncated; see dns.h.
 *
 * Each question gets its own socket: the kernel then picks a fresh
 * random source port, and a late answer to an earlier question can
 * never be taken for the answer to this one.  The UDP socket is
 * connected, so the kernel already drops datagrams from other peers;
 * the source is compared again anyway, and every datagram must carry
 * the id and the question that were sent.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dns.h"
#include "open.h"
#include "timeoutio.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

union dns_sockaddr {
  struct sockaddr sa;
  struct sockaddr_in sin;
  struct sockaddr_in6 sin6;
  struct sockaddr_storage ss;
};

int
dns_random(void *buf, size_t len)
{
  char *p = buf;
  ssize_t r;
  int fd, saved;

  while (len) {
    r = getrandom(p, len, 0);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      if (errno != ENOSYS)
        return 0;
      break;
    }
    p += r;
    len -= (size_t)r;
  }
  if (!len)
    return 1;
  fd = open_read("/dev/urandom");
  if (fd == -1)
    return 0;
  while (len) {
    r = read(fd, p, len);
    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0) {
      saved = r ? errno : EIO;
      close(fd);
      errno = saved;
      return 0;
    }
    p += r;
    len -= (size_t)r;
  }
  close(fd);
  return 1;
}

static socklen_t
server_sockaddr(union dns_sockaddr *sa, const struct dns_server *server)
{
  memset(sa, 0, sizeof *sa);
  if (server->addr.family == AF_INET) {
    sa->sin.sin_family = AF_INET;
    sa->sin.sin_port = htons((unsigned short)server->port);
    memcpy(&sa->sin.sin_addr, server->addr.ip, 4);
    return sizeof sa->sin;
  }
  sa->sin6.sin6_family = AF_INET6;
  sa->sin6.sin6_port = htons((unsigned short)server->port);
  memcpy(&sa->sin6.sin6_addr, server->addr.ip, 16);
  sa->sin6.sin6_scope_id = server->scope;
  return sizeof sa->sin6;
}

static int
same_peer(const union dns_sockaddr *a, const union dns_sockaddr *b)
{
  if (a->sa.sa_family != b->sa.sa_family)
    return 0;
  if (a->sa.sa_family == AF_INET)
    return a->sin.sin_port == b->sin.sin_port
           && !memcmp(&a->sin.sin_addr, &b->sin.sin_addr, 4);
  return a->sin6.sin6_port == b->sin6.sin6_port
         && !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16);
}

static int
close_keep_errno(int fd)
{
  int saved = errno;

  close(fd);
  errno = saved;
  return -1;
}

/* One question over UDP: 1 with a reply that matches it, -1 with
 * errno (ETIMEDOUT when nothing that matched came in time). */
static int
udp_exchange(const struct dns_server *server, unsigned int timeout,
             const char *query, size_t len, stralloc *reply)
{
  union dns_sockaddr peer, from;
  socklen_t peerlen, fromlen;
  long long deadline = timeout_now_ms() + (long long)timeout * 1000;
  ssize_t got;
  int fd, r;

  peerlen = server_sockaddr(&peer, server);
  fd = socket(peer.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd == -1)
    return -1;
  if (connect(fd, &peer.sa, peerlen) == -1
      || send(fd, query, len, MSG_NOSIGNAL) != (ssize_t)len)
    return close_keep_errno(fd);
  if (!stralloc_ready(reply, DNS_PACKET_MAX + 1))
    return close_keep_errno(fd);
  for (;;) {
    r = timeout_wait(fd, POLLIN, deadline);
    if (r <= 0)
      return close_keep_errno(fd);
    fromlen = sizeof from;
    got = recvfrom(fd, reply->s, DNS_PACKET_MAX + 1, 0, &from.sa, &fromlen);
    if (got == -1) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        continue;
      return close_keep_errno(fd);
    }
    /* a datagram too large for DNS, from elsewhere, or for another
     * question is dropped, and the wait goes on */
    if (got > DNS_PACKET_MAX || !same_peer(&from, &peer)
        || !dns_reply_matches(reply->s, (size_t)got, query, len))
      continue;
    reply->len = (size_t)got;
    close(fd);
    return 1;
  }
}

static int
write_all(int fd, const char *s, size_t len, long long deadline)
{
  ssize_t w;
  int r;

  while (len) {
    w = send(fd, s, len, MSG_NOSIGNAL);
    if (w == -1) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return -1;
      r = timeout_wait(fd, POLLOUT, deadline);
      if (r <= 0)
        return -1;
      continue;
    }
    s += w;
    len -= (size_t)w;
  }
  return 1;
}

static int
read_all(int fd, char *s, size_t len, long long deadline)
{
  ssize_t got;
  int r;

  while (len) {
    got = read(fd, s, len);
    if (got == 0) {
      errno = EPROTO;           /* the server closed mid-answer */
      return -1;
    }
    if (got == -1) {
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return -1;
      r = timeout_wait(fd, POLLIN, deadline);
      if (r <= 0)
        return -1;
      continue;
    }
    s += got;
    len -= (size_t)got;
  }
  return 1;
}

/* The same question over TCP: two-byte length, then the message, both
 * ways (RFC 1035 4.2.2).  1 with a matching reply, -1 with errno. */
static int
tcp_exchange(const struct dns_server *server, unsigned int timeout,
             const char *query, size_t len, stralloc *reply)
{
  union dns_sockaddr peer;
  socklen_t peerlen, errlen;
  long long deadline = timeout_now_ms() + (long long)timeout * 1000;
  char out[2 + 512];
  unsigned char size[2];
  size_t n;
  int fd, r, err;

  if (len > sizeof out - 2) {
    errno = EMSGSIZE;
    return -1;
  }
  out[0] = (char)(len >> 8);
  out[1] = (char)(len & 0xff);
  memcpy(out + 2, query, len);
  peerlen = server_sockaddr(&peer, server);
  fd = socket(peer.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd == -1)
    return -1;
  if (connect(fd, &peer.sa, peerlen) == -1) {
    if (errno != EINPROGRESS && errno != EINTR)
      return close_keep_errno(fd);
    r = timeout_wait(fd, POLLOUT, deadline);
    if (r <= 0)
      return close_keep_errno(fd);
    errlen = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1)
      return close_keep_errno(fd);
    if (err) {
      errno = err;
      return close_keep_errno(fd);
    }
  }
  if (write_all(fd, out, len + 2, deadline) == -1
      || read_all(fd, (char *)size, 2, deadline) == -1)
    return close_keep_errno(fd);
  n = (size_t)size[0] << 8 | size[1];
  if (!stralloc_ready(reply, n + 1))
    return close_keep_errno(fd);
  if (read_all(fd, reply->s, n, deadline) == -1)
    return close_keep_errno(fd);
  close(fd);
  reply->len = n;
  if (!dns_reply_matches(reply->s, n, query, len)) {
    errno = EPROTO;
    return -1;
  }
  return 1;
}

static int
rcode_errno(unsigned int rcode)
{
  switch (rcode) {
  case DNS_RCODE_SERVFAIL:
    return EAGAIN;
  case DNS_RCODE_REFUSED:
    return EACCES;
  default:
    return EPROTO;
  }
}

int
dns_exchange(const struct dns_conf *conf, const char *query, size_t len,
             stralloc *reply)
{
  const struct dns_server *server;
  unsigned int attempt, i, rcode;
  /* what to report when no server gives an answer: a server's own
   * word beats a network error, which beats silence */
  int err = ETIMEDOUT, rank = 0, r;

  for (attempt = 0; attempt < conf->attempts; ++attempt)
    for (i = 0; i < conf->servers; ++i) {
      server = &conf->server[i];
      r = udp_exchange(server, conf->timeout, query, len, reply);
      if (r == 1 && dns_reply_truncated(reply->s))
        r = tcp_exchange(server, conf->timeout, query, len, reply);
      if (r == -1) {
        if (errno == ENOMEM)
          return -1;
        if (errno != ETIMEDOUT && rank < 2) {
          err = errno;
          rank = 2;
        }
        continue;
      }
      rcode = dns_reply_rcode(reply->s);
      if (rcode == DNS_RCODE_NOERROR || rcode == DNS_RCODE_NXDOMAIN)
        return 1;
      err = rcode_errno(rcode);
      rank = 3;
    }
  errno = err;
  return -1;
}
