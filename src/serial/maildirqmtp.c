/* maildirqmtp -- flush a spool maildir to a smarthost by QMTP.
 *
 *   maildirqmtp [-p port] [-l lifetime] [-T seconds] [-C seconds]
 *               dir prefix host
 *
 * maildirsmtp's counterpart for QMTP: connects to host on port 209 (or
 * -p, or $PORT), trying its addresses in turn, and runs
 *     maildirserial -b -t lifetime dir prefix serialqmtp prefix
 * with the connection on fds 6 and 7.  -l is the lifetime (default two
 * weeks), -T serialqmtp's limit for one read or write, -C the limit for
 * each connection attempt.  An empty spool is not connected for; an
 * unreachable host leaves the spool as it is.  QMTP has no TLS and no
 * AUTH: use it on a link that is private already.
 *
 * Runs as the owner of the spool.  Exit codes: 0 every message got a
 * result; 111 not; 100 usage.
 */
#include <unistd.h>

#include "serial_flush.h"

int
main(int argc, char **argv)
{
  struct serial_flush f;
  int opt;

  flush_init(&f, "maildirqmtp", "usage: maildirqmtp [-p port] "
             "[-l lifetime] [-T seconds] [-C seconds] dir prefix host", 209);
  while ((opt = getopt(argc, argv, "+p:l:T:C:")) != -1)
    if (!flush_option(&f, opt, optarg))
      flush_usage(&f);
  argc -= optind;
  argv += optind;
  if (argc != 3)
    flush_usage(&f);

  flush_dial(&f, argv[0], argv[1], argv[2], "serialqmtp");
  flush_arg_value(&f, "-T", f.io_seconds);
  flush_arg(&f, "--");
  flush_arg(&f, argv[1]);
  flush_exec(&f);
}
