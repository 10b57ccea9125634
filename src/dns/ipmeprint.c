/* ipmeprint -- print the IP addresses qmail-remote takes for this
 * machine's own.
 *
 * Usage: ipmeprint
 *
 * Run by anyone, without privileges.  Prints one address per line: the
 * unspecified 0.0.0.0, every IPv4 address of every interface, then ::
 * and every IPv6 address; each once.  qmail-remote never connects to
 * these (nor to 127.0.0.0/8), so that a message whose MX is this host
 * is not sent back to it.
 *
 * Exit codes: 0 printed; 111 the interface list cannot be read, or the
 * output cannot be written; 100 for an argument.
 */
#include "buffer.h"
#include "dns.h"
#include "errmsg.h"
#include "ipme.h"

int
main(int argc, char **argv)
{
  struct dns_iplist me = DNS_IPLIST_ZERO;
  char text[DNS_IP_FMT];
  size_t i;

  (void)argv;
  errmsg_init("ipmeprint");
  if (argc > 1)
    die(100, "usage: ipmeprint");
  if (!ipme_list(&me))
    die_sys(111, "unable to list the interface addresses");
  for (i = 0; i < me.len; ++i)
    if (!buffer_put(buffer_1, text, dns_ip_fmt(text, &me.ip[i]))
        || !buffer_put(buffer_1, "\n", 1))
      die_sys(111, "unable to write the output");
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write the output");
  return 0;
}
