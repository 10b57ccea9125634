/* ipme.h -- the IP addresses of this machine.
 *
 * qmail-remote must not connect to itself: an MX host whose address is
 * one of this machine's would make the message loop.  This module lists
 * the addresses of every network interface (getifaddrs(3)), plus the
 * unspecified addresses 0.0.0.0 and ::, which a connect(2) also takes
 * to this machine.
 *
 * ipme_list(out)
 *     Replace out with the addresses: IPv4 first, each address once, in
 *     the order the system lists its interfaces.  Returns 1, or 0 with
 *     errno set (the system's error from getifaddrs, or ENOMEM).
 * ipme_contains(list, ip)
 *     1 if ip is in list, or is any 127.0.0.0/8 address (the whole
 *     block is routed to the loopback interface), else 0.  An
 *     IPv4-mapped IPv6 address (::ffff:a.b.c.d) counts as the IPv4
 *     address it reaches.
 */
#ifndef IPME_H
#define IPME_H

#include "dns.h"

int ipme_list(struct dns_iplist *out);
int ipme_contains(const struct dns_iplist *list, const struct dns_ip *ip);

#endif
