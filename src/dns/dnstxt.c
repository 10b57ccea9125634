/* dnstxt -- print the TXT records of domain names.
 *
 * Usage: dnstxt name ...
 *
 * Run by anyone, without privileges.  For each name prints each TXT
 * record on a line of its own, the record's strings joined (as SPF and
 * DKIM read them); bytes outside printable ASCII, and the backslash,
 * are written as a backslash and three decimal digits.  Servers as in
 * qmail-dns(7).
 *
 * Exit codes: 0 every name has TXT records; 100 a name does not exist,
 * has none, is malformed, or no name was given; 111 a temporary failure.
 */
#include "dnsprog.h"

int
main(int argc, char **argv)
{
  struct dns_strlist texts = DNS_STRLIST_ZERO;
  size_t i;
  int r;

  dnsprog_start("dnstxt", argc, 1, "name ...");
  while (*++argv) {
    r = dns_txt(&dnsprog_conf, &texts, *argv);
    if (r != 1) {
      dnsprog_fail(*argv, r);
      continue;
    }
    for (i = 0; i < texts.len; ++i) {
      dnsprog_putsafe(texts.str[i].s, texts.str[i].len);
      dnsprog_eol();
    }
  }
  return dnsprog_done();
}
