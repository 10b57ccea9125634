/* dnscname -- print the chain of CNAME records starting at a name.
 *
 * Usage: dnscname name ...
 *
 * Run by anyone, without privileges.  For each name prints the target
 * of its CNAME record, then that name's target, and so on, one name per
 * line, asking one question per step; at most 8 steps are followed (a
 * longer chain, or a loop, is a temporary failure, as recursive servers
 * treat it).  Servers as in qmail-dns(7).
 *
 * Exit codes: 0 every name is an alias; 100 a name does not exist, is
 * no alias (NODATA), is malformed, or no name was given; 111 a temporary
 * failure.
 */
#include "dnsprog.h"

int
main(int argc, char **argv)
{
  struct dns_strlist names = DNS_STRLIST_ZERO;
  size_t i;
  int r;

  dnsprog_start("dnscname", argc, 1, "name ...");
  while (*++argv) {
    r = dns_cname(&dnsprog_conf, &names, *argv);
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
