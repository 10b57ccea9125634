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

#include "env.h"
#include "errmsg.h"
#include "scan.h"
#include "serial_flush.h"

static void
usage(void)
{
  die(100, "usage: maildirqmtp [-p port] [-l lifetime] [-T seconds] "
      "[-C seconds] dir prefix host");
}

static unsigned int
number(const char *s)
{
  unsigned int n;
  size_t len = scan_uint(s, &n);

  if (!len || s[len] || !n)
    usage();
  return n;
}

int
main(int argc, char **argv)
{
  static char *args[16];
  const char *dir, *prefix, *host, *env_port;
  const char *lifetime = FLUSH_LIFETIME, *io_seconds = 0;
  unsigned int port = 209, connect_seconds = FLUSH_CONNECT_SECONDS;
  int opt, n = 0;

  errmsg_init("maildirqmtp");
  env_port = env_get("PORT");
  if (env_port && *env_port)
    port = number(env_port);
  while ((opt = getopt(argc, argv, "+p:l:T:C:")) != -1)
    switch (opt) {
    case 'p': port = number(optarg); break;
    case 'l': number(optarg); lifetime = optarg; break;
    case 'T': number(optarg); io_seconds = optarg; break;
    case 'C': connect_seconds = number(optarg); break;
    default: usage();
    }
  argc -= optind;
  argv += optind;
  if (argc != 3 || port > 65535)
    usage();
  dir = argv[0];
  prefix = argv[1];
  host = argv[2];

  if (!flush_anything(dir))
    return 0;
  flush_connect(dir, host, port, connect_seconds);

  args[n++] = flush_program("maildirserial");
  args[n++] = "-b";
  args[n++] = "-t";
  args[n++] = (char *)lifetime;
  args[n++] = "--";
  args[n++] = (char *)dir;
  args[n++] = (char *)prefix;
  args[n++] = flush_program("serialqmtp");
  if (io_seconds)
    args[n++] = "-T", args[n++] = (char *)io_seconds;
  args[n++] = "--";
  args[n++] = (char *)prefix;
  args[n] = 0;
  execv(args[0], args);
  die_sys(111, "unable to run ", args[0]);
}
