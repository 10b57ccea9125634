/* dnsip -- print the IPv4 and IPv6 addresses of domain names.
 *
 * Usage: dnsip name ...
 *
 * Run by anyone, without privileges, to see what qmail-remote's
 * resolver sees.  For each name in turn prints its A addresses, then its
 * AAAA addresses, one per line.  The servers asked are those of
 * qmail-dns(7): /etc/resolv.conf, control/dnsservers of the qmail home,
 * $DNSSERVER.
 *
 * Exit codes: 0 every name has an address; 100 a name does not exist,
 * has no address, is malformed, or no name was given; 111 a temporary
 * failure (timeout, SERVFAIL, network error).
 */
#include "dnsprog.h"

int
main(int argc, char **argv)
{
  struct dns_iplist ips = DNS_IPLIST_ZERO;
  size_t i;
  int r;

  dnsprog_start("dnsip", argc, 1, "name ...");
  while (*++argv) {
    r = dns_ip(&dnsprog_conf, &ips, *argv);
    if (r != 1) {
      dnsprog_fail(*argv, r);
      continue;
    }
    for (i = 0; i < ips.len; ++i) {
      dnsprog_putip(&ips.ip[i]);
      dnsprog_eol();
    }
  }
  return dnsprog_done();
}
