/* netenv.h -- the environment a TCP server program gets (tcp-environ):
 * PROTO, TCPLOCALIP, TCPLOCALPORT, TCPLOCALHOST, TCPREMOTEIP,
 * TCPREMOTEPORT, TCPREMOTEHOST, TCPREMOTEINFO, shared by tcpserver and
 * tcp-env.
 *
 * IPv4 and IPv6.  A connection from an IPv4 client, including one that
 * reached an IPv6 socket as an IPv4-mapped address (::ffff:a.b.c.d), is
 * PROTO=TCP with dotted-decimal addresses.  A genuine IPv6 connection
 * is PROTO=TCP6 and, as ucspi-tcp's IPv6 version does, sets both the
 * TCP6* variables (what UCSPI programs read after looking at $PROTO)
 * and the TCP* ones with the same values (what qmail-smtpd and other
 * programs read without looking at $PROTO).  Addresses are in the text
 * form of iptext.h.  For PROTO=TCP the TCP6* variables are removed, so
 * a stale one inherited from the caller cannot mislead a program.
 *
 * netenv_addresses(ne, local, remote)
 *     Fill ne from the two socket addresses (AF_INET or AF_INET6).
 *     Returns 1, or 0 with errno EAFNOSUPPORT for another family.
 * netenv_remotehost(ne, paranoid, host)
 *     The remote host's name by a PTR lookup, into host (NUL-
 *     terminated, lower case).  Returns 1, or 0 when there is no name,
 *     the lookup fails, the name holds anything but letters, digits,
 *     '-', '_' and dots (it goes into headers and logs), or, when
 *     paranoid, none of the name's A (or AAAA) addresses is the
 *     client's.  Asks the project's resolver (dns.h: the servers of
 *     /etc/resolv.conf, or $DNSSERVER), never /etc/hosts, as ucspi-tcp
 *     asks only the DNS; the first PTR name counts.
 * netenv_put(eb, ne, localhost, remotehost)
 *     Set the variables in eb: TCPLOCALHOST to localhost and
 *     TCPREMOTEHOST to remotehost, each removed when null; TCPREMOTEINFO
 *     always removed (no ident lookups).  Returns 1, or 0 with ENOMEM.
 */
#ifndef NETENV_H
#define NETENV_H

#include <sys/socket.h>

#include "env.h"
#include "fmt.h"
#include "iptext.h"
#include "stralloc.h"

struct netenv {
  int ipv6;                          /* 0 for IPv4, mapped included */
  unsigned char remote[16];          /* IPv4: the first 4 bytes */
  char localip[IPTEXT_FMT];          /* NUL-terminated text forms */
  char remoteip[IPTEXT_FMT];
  char localport[FMT_ULONG];
  char remoteport[FMT_ULONG];
};

int netenv_addresses(struct netenv *ne, const struct sockaddr *local,
                     const struct sockaddr *remote);
int netenv_remotehost(const struct netenv *ne, int paranoid, stralloc *host);
int netenv_put(envbuild *eb, const struct netenv *ne, const char *localhost,
               const char *remotehost);

#endif
