/* qmail-tcpok -- clear qmail-remote's table of unreachable addresses.
 *
 * Usage: qmail-tcpok [address ...]
 *
 * Without arguments it empties the tcpto table (queue/lock/tcpto, see
 * tcpto.h), so that the next delivery tries every address again: for
 * after the network has been fixed.  With addresses (IPv4 or IPv6) it
 * clears only their entries.  A missing table is already clear.
 *
 * Run by root or qmailr: the table belongs to qmailr, mode 0644.  It is
 * changed in place under its lock, so its owner and mode stay.
 * Honours $QMAILHOME.
 *
 * Exit codes: 0 done; 100 usage error (not an address); 111 the table
 * could not be changed.
 */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "errmsg.h"
#include "instance.h"
#include "tcpto.h"

int
main(int argc, char **argv)
{
  struct dns_ip *ips = 0;
  int i;

  errmsg_init("qmail-tcpok");
  if (argc > 1) {
    ips = calloc((size_t)argc, sizeof *ips);
    if (!ips)
      die_nomem();
  }
  for (i = 1; i < argc; ++i)
    if (!dns_ip_scan(&ips[i], argv[i]))
      die(100, "not an IPv4 or IPv6 address: ", argv[i],
          "; usage: qmail-tcpok [address ...]");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter ", instance_home(), ". (#4.3.0)");
  if (argc == 1 && !tcpto_clear(TCPTO_FILE, 0, (long long)time(0)))
    die_sys(111, "unable to clear ", instance_home(), "/", TCPTO_FILE,
            ". (#4.3.0)");
  for (i = 1; i < argc; ++i)
    if (!tcpto_clear(TCPTO_FILE, &ips[i], (long long)time(0)))
      die_sys(111, "unable to clear ", argv[i], " in ", instance_home(), "/",
              TCPTO_FILE, ". (#4.3.0)");
  return 0;
}
