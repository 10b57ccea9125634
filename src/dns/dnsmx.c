/* dnsmx -- print the MX records of domain names.
 *
 * Usage: dnsmx name ...
 *
 * Run by anyone, without privileges.  For each name prints its mail
 * exchangers as "PREFERENCE HOST" lines in the order qmail-remote tries
 * them: lowest preference first, equal preferences in a random order.
 * A null MX (RFC 7505) prints as "0 .".  Servers as in qmail-dns(7).
 *
 * Exit codes: 0 every name has MX records; 100 a name does not exist,
 * has no MX record, is malformed, or no name was given; 111 a temporary
 * failure.
 */
#include "dnsprog.h"

int
main(int argc, char **argv)
{
  struct dns_mxlist mxs = DNS_MXLIST_ZERO;
  size_t i;
  int r;

  dnsprog_start("dnsmx", argc, 1, "name ...");
  while (*++argv) {
    r = dns_mx(&dnsprog_conf, &mxs, *argv);
    if (r != 1) {
      dnsprog_fail(*argv, r);
      continue;
    }
    for (i = 0; i < mxs.len; ++i) {
      dnsprog_putulong(mxs.mx[i].pref);
      dnsprog_put(" ", 1);
      dnsprog_puts(mxs.mx[i].name);
      dnsprog_eol();
    }
  }
  return dnsprog_done();
}
