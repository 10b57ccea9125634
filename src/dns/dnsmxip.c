/* dnsmxip -- print the addresses qmail-remote would connect to for a
 * mail domain.
 *
 * Usage: dnsmxip domain ...
 *
 * Run by anyone, without privileges.  For each domain prints
 * "PREFERENCE HOST ADDRESS" lines: the MX hosts in preference order
 * (random among equal preferences), each host's IPv4 then IPv6
 * addresses; a domain without MX records (NODATA) stands for itself
 * with preference 0 (RFC 5321 implicit MX).  Hosts that have no address
 * are left out; a domain whose only MX is the null MX of RFC 7505 fails
 * permanently.  At most 32 hosts are looked up per domain.  Servers as
 * in qmail-dns(7).
 *
 * Exit codes: 0 every domain has an address to connect to; 100 a
 * domain does not exist, has no usable host, is malformed, or no domain
 * was given; 111 a temporary failure.
 */
#include "dnsprog.h"

int
main(int argc, char **argv)
{
  struct dns_mxlist mxs = DNS_MXLIST_ZERO;
  size_t i;
  int r;

  dnsprog_start("dnsmxip", argc, 1, "domain ...");
  while (*++argv) {
    r = dns_mx_or_address(&dnsprog_conf, &mxs, *argv);
    if (r != 1) {
      dnsprog_fail(*argv, r);
      continue;
    }
    for (i = 0; i < mxs.len; ++i) {
      dnsprog_putulong(mxs.mx[i].pref);
      dnsprog_put(" ", 1);
      dnsprog_puts(mxs.mx[i].name);
      dnsprog_put(" ", 1);
      dnsprog_putip(&mxs.mx[i].ip);
      dnsprog_eol();
    }
  }
  return dnsprog_done();
}
