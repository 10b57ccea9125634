/* dnsptr -- print the names (PTR records) of IP addresses.
 *
 * Usage: dnsptr address ...
 *
 * Run by anyone, without privileges.  For each IPv4 or IPv6 address
 * asks for the PTR records of its in-addr.arpa or ip6.arpa name and
 * prints one name per line.  Servers as in qmail-dns(7).
 *
 * Exit codes: 0 every address has a name; 100 an address has none, is
 * not an IP address, or none was given; 111 a temporary failure.
 */
#include <errno.h>

#include "dnsprog.h"

int
main(int argc, char **argv)
{
  struct dns_strlist names = DNS_STRLIST_ZERO;
  struct dns_ip ip;
  size_t i;
  int r;

  dnsprog_start("dnsptr", argc, 1, "address ...");
  while (*++argv) {
    if (!dns_ip_scan(&ip, *argv)) {
      errno = EINVAL;
      dnsprog_fail(*argv, 0);
      continue;
    }
    r = dns_ptr(&dnsprog_conf, &names, &ip);
    if (r != 1) {
      dnsprog_fail(*argv, r);
      continue;
    }
    for (i = 0; i < names.len; ++i) {
      dnsprog_put(names.str[i].s, names.str[i].len);
      dnsprog_eol();
    }
  }
  return dnsprog_done();
}
