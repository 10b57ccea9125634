/* remote_conn.c -- a TCP connection to one address, from the source
 * address in control/outgoingip, within timeoutconnect seconds. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fmt.h"
#include "remote.h"
#include "tcpconnect.h"
#include "timeoutio.h"

static char inspace[BUFFER_INSIZE];
static char outspace[BUFFER_OUTSIZE];

static int
connect_failed(struct remote *r, int fd, const char *why)
{
  char port[FMT_ULONG];
  int literal;

  if (fd != -1)
    close(fd);
  port[fmt_uint(port, r->port)] = 0;
  /* an address literal is its own address: named once, as in
   * remote_peer_text */
  literal = r->peer->name[0] == '[';
  return remote_fail(r, 0, "Unable to connect to ", literal ? "" : r->peer->name,
                     literal ? "[" : " [", r->peer_ip, "] port ", port, ": ", why,
                     ". (#4.4.1)", (char *)0);
}

int
remote_connect(struct remote *r, const struct remote_target *t)
{
  const struct dns_ip *source;
  int fd;

  r->peer = t;
  r->peer_ip[dns_ip_fmt(r->peer_ip, &t->ip)] = 0;
  r->tls_on = 0;
  r->connect_timed_out = 0;
  source = t->ip.family == AF_INET ? &r->outgoing4 : &r->outgoing6;
  fd = tcpconnect(&t->ip, r->port, source, r->timeoutconnect);
  if (fd == -1) {
    if (tcpconnect_bind_failed)
      return connect_failed(r, -1, "cannot bind the source address from "
                            "control/outgoingip");
    /* our own limit or the kernel's SYN retries: either way the host
     * did not answer at all, which is what the tcpto table is for */
    r->connect_timed_out = errno == ETIMEDOUT;
    return connect_failed(r, -1, errno == ETIMEDOUT
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
