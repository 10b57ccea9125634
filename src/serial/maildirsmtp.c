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

#include "serial_flush.h"

int
main(int argc, char **argv)
{
  struct serial_flush f;
  const char *policy = 0, *cafile = 0, *authfile = 0;
  int implicit_tls = 0, plaintext = 0, opt;

  flush_init(&f, "maildirsmtp", "usage: maildirsmtp [-s] [-p port] "
             "[-t none|may|require|verify] [-c cafile] [-a authfile] [-P] "
             "[-l lifetime] [-T seconds] [-C seconds] "
             "dir prefix host helohost", 25);
  while ((opt = getopt(argc, argv, "+sp:t:c:a:Pl:T:C:")) != -1)
    switch (opt) {
    case 's': implicit_tls = 1; break;
    case 't': policy = optarg; break;
    case 'c': cafile = optarg; break;
    case 'a': authfile = optarg; break;
    case 'P': plaintext = 1; break;
    default:
      if (!flush_option(&f, opt, optarg))
        flush_usage(&f);
    }
  argc -= optind;
  argv += optind;
  if (argc != 4)
    flush_usage(&f);
  if (f.port == 465)
    implicit_tls = 1;

  flush_dial(&f, argv[0], argv[1], argv[2], "serialsmtp");
  if (implicit_tls)
    flush_arg(&f, "-s");
  if (plaintext)
    flush_arg(&f, "-p");
  flush_arg_value(&f, "-t", policy);
  flush_arg_value(&f, "-c", cafile);
  flush_arg_value(&f, "-a", authfile);
  flush_arg_value(&f, "-T", f.io_seconds);
  flush_arg(&f, "-n");
  flush_arg(&f, argv[2]);
  flush_arg(&f, "--");
  flush_arg(&f, argv[1]);
  flush_arg(&f, argv[3]);
  flush_exec(&f);
}
