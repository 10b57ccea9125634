/* maildirsmtp -- flush a spool maildir to a smarthost by SMTP.
 *
 *   maildirsmtp [-s] [-p port] [-t none|may|require|verify] [-c cafile]
 *               [-a authfile] [-P] [-l lifetime] [-T seconds]
 *               [-C seconds] dir prefix host helohost
 *
 * Connects to host (an address, or a name looked up in the DNS) on port
 * 25 (or -p, or $PORT), trying its addresses in turn, and then runs
 *     maildirserial -b -t lifetime dir prefix serialsmtp ... prefix helohost
 * with the connection on fds 6 and 7, so the whole batch goes over one
 * connection.  -l is the lifetime (default 1209600, two weeks); -s, -t,
 * -c, -a, -T are serialsmtp's, -P is its -p (AUTH without TLS); -C
 * limits each connection attempt (default 60 seconds).  Port
 * 465 implies -s: TLS from the first byte.
 *
 * When no address of host can be reached, nothing is sent and nothing
 * is removed (that is not a temporary refusal, so the lifetime does not
 * apply), and one line on fd 2 says so.
 *
 * Runs as the owner of the spool, typically from cron or a link-up hook
 * under setlock.  Exit codes: 0 every message got a result; 111 not
 * (no connection, a broken session); 100 usage.
 */
#include <unistd.h>

#include "env.h"
#include "errmsg.h"
#include "scan.h"
#include "serial_flush.h"

static void
usage(void)
{
  die(100, "usage: maildirsmtp [-s] [-p port] [-t none|may|require|verify] "
      "[-c cafile] [-a authfile] [-P] [-l lifetime] [-T seconds] "
      "[-C seconds] dir prefix host helohost");
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
  static char *args[32];
  const char *dir, *prefix, *host, *helohost, *env_port;
  const char *lifetime = FLUSH_LIFETIME, *policy = 0, *cafile = 0, *authfile = 0;
  const char *io_seconds = 0;
  unsigned int port = 25, connect_seconds = FLUSH_CONNECT_SECONDS;
  int implicit_tls = 0, plaintext = 0, opt, n = 0;

  errmsg_init("maildirsmtp");
  env_port = env_get("PORT");
  if (env_port && *env_port)
    port = number(env_port);
  while ((opt = getopt(argc, argv, "+sp:t:c:a:Pl:T:C:")) != -1)
    switch (opt) {
    case 's': implicit_tls = 1; break;
    case 'p': port = number(optarg); break;
    case 't': policy = optarg; break;
    case 'c': cafile = optarg; break;
    case 'a': authfile = optarg; break;
    case 'P': plaintext = 1; break;
    case 'l': number(optarg); lifetime = optarg; break;
    case 'T': number(optarg); io_seconds = optarg; break;
    case 'C': connect_seconds = number(optarg); break;
    default: usage();
    }
  argc -= optind;
  argv += optind;
  if (argc != 4 || port > 65535)
    usage();
  dir = argv[0];
  prefix = argv[1];
  host = argv[2];
  helohost = argv[3];
  if (port == 465)
    implicit_tls = 1;

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
  args[n++] = flush_program("serialsmtp");
  if (implicit_tls)
    args[n++] = "-s";
  if (plaintext)
    args[n++] = "-p";
  if (policy)
    args[n++] = "-t", args[n++] = (char *)policy;
  if (cafile)
    args[n++] = "-c", args[n++] = (char *)cafile;
  if (authfile)
    args[n++] = "-a", args[n++] = (char *)authfile;
  if (io_seconds)
    args[n++] = "-T", args[n++] = (char *)io_seconds;
  args[n++] = "-n";
  args[n++] = (char *)host;
  args[n++] = "--";
  args[n++] = (char *)prefix;
  args[n++] = (char *)helohost;
  args[n] = 0;
  execv(args[0], args);
  die_sys(111, "unable to run ", args[0]);
}
