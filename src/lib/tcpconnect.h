/* tcpconnect.h -- a TCP connection to one address within a time limit.
 *
 * qmail-remote connects to the mail servers of a domain with it,
 * maildirsmtp and maildirqmtp to a smarthost; neither needs an external
 * client program (tcpclient) for it.
 *
 *   tcpconnect(ip, port, source, seconds)
 *       Open a stream socket (close-on-exec) of ip's family, bind it to
 *       source when source is not null and source->family is set, and
 *       connect it to ip:port, with Nagle's algorithm off (TCP_NODELAY:
 *       the callers write whole commands and bodies from their own
 *       buffers).  The connection must be made within
 *       seconds; the kernel's own retries may end it sooner.  Returns
 *       the connected, blocking descriptor, or -1 with errno: ETIMEDOUT
 *       (no answer in time), ECONNREFUSED, ENETUNREACH, EHOSTUNREACH,
 *       EADDRNOTAVAIL (the source cannot be bound) or the error of
 *       socket(2).  Nothing is left open on failure.
 *   tcpconnect_bind_failed
 *       Set to 1 by a failure of the bind step, 0 otherwise, so a
 *       caller can say that the source address is at fault.
 */
#ifndef TCPCONNECT_H
#define TCPCONNECT_H

#include "dns.h"

extern int tcpconnect_bind_failed;

int tcpconnect(const struct dns_ip *ip, unsigned int port,
               const struct dns_ip *source, unsigned int seconds);

#endif
