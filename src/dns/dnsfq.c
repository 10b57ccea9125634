/* dnsfq -- print the fully qualified domain name of this host.
 *
 * Usage: dnsfq [name]
 *
 * Run by anyone, without privileges; useful to fill control/me.  Takes
 * the host name from uname(2), or the name given.  A name without a dot
 * is tried first with each domain of the "search" or "domain" line of
 * /etc/resolv.conf appended, then alone; a name with a dot only as it
 * is.  The first candidate with an address wins: the PTR name of its
 * first address is printed, or, when that address has no PTR record,
 * the candidate itself.  Servers as in qmail-dns(7).
 *
 * Exit codes: 0 a name was printed; 100 no candidate has an address, or
 * the name is malformed; 111 a temporary failure.
 */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "dnsprog.h"
#include "errmsg.h"
#include "stralloc.h"

static int
try_name(const char *candidate, int *worst, int *err)
{
  struct dns_iplist ips = DNS_IPLIST_ZERO;
  struct dns_strlist names = DNS_STRLIST_ZERO;
  int r;

  r = dns_ip(&dnsprog_conf, &ips, candidate);
  if (r != 1) {
    /* a temporary failure is what to report, if there was one */
    if (r == -1) {
      *worst = -1;
      *err = errno;
    } else if (*worst == 0)
      *err = errno;
    return 0;
  }
  r = dns_ptr(&dnsprog_conf, &names, &ips.ip[0]);
  if (r == -1) {
    *worst = -1;
    *err = errno;
    return 0;
  }
  if (r == 1)
    dnsprog_put(names.str[0].s, names.str[0].len);
  else
    dnsprog_puts(candidate);
  dnsprog_eol();
  return 1;
}

int
main(int argc, char **argv)
{
  stralloc candidate = STRALLOC_ZERO;
  struct utsname uts;
  const char *name, *search;
  size_t at;
  int worst = 0, err = ENOENT;

  dnsprog_start("dnsfq", argc, 0, "[name]");
  if (argc > 1)
    name = argv[1];
  else {
    if (uname(&uts) == -1)
      die_sys(111, "unable to get the host name");
    name = uts.nodename;
  }
  if (!strchr(name, '.'))
    for (at = 0; at < dnsprog_conf.search.len; at += strlen(search) + 1) {
      search = dnsprog_conf.search.s + at;
      if (!stralloc_copys(&candidate, name) || !stralloc_append(&candidate, '.')
          || !stralloc_cats(&candidate, search) || !stralloc_0(&candidate))
        die_nomem();
      if (try_name(candidate.s, &worst, &err))
        return dnsprog_done();
    }
  if (try_name(name, &worst, &err))
    return dnsprog_done();
  errno = err;
  dnsprog_fail(name, worst);
  return dnsprog_done();
}
