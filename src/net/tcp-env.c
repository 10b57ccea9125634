/* tcp-env -- give a program started by inetd the TCP environment.
 *
 * Usage: tcp-env [-rRhHpP] [-l localname] [-t timeout] program [arg ...]
 *
 * Run by inetd or xinetd (inetd.conf: "smtp stream tcp nowait qmaild
 * /var/qmail/bin/tcp-env tcp-env /var/qmail/bin/qmail-smtpd"), with the
 * connection on descriptor 0, as the user the service line names; it
 * needs no privileges and reads nothing from the connection.  It sets
 * PROTO, TCPLOCALIP, TCPLOCALPORT, TCPREMOTEIP, TCPREMOTEPORT (and the
 * TCP6* copies for IPv6) from getsockname/getpeername, exactly as
 * tcpserver does (netenv.h), then execs the program.  TCPREMOTEHOST is
 * looked up only with -h, TCPLOCALHOST comes only from -l, and
 * TCPREMOTEINFO is never set: -r, -R and -t are accepted for qmail's
 * command line and do nothing.  When descriptor 0 is not a TCP socket
 * (a pipe, a UNIX socket) the environment is left as it is.
 *
 * Exit codes: 100 for a usage error; 111 when the connection's
 * addresses cannot be read (the client is gone) or the program cannot
 * be run; otherwise whatever the program exits with.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "env.h"
#include "errmsg.h"
#include "netenv.h"
#include "scan.h"
#include "stralloc.h"

#define USAGE "usage: tcp-env [-rRhHpP] [-l localname] [-t timeout] " \
  "program [arg ...]"

extern char **environ;

int
main(int argc, char **argv)
{
  struct sockaddr_storage local, remote;
  socklen_t locallen = sizeof local, remotelen = sizeof remote;
  struct netenv ne;
  envbuild eb = ENVBUILD_ZERO;
  stralloc host = STRALLOC_ZERO;
  const char *localname = 0;
  int lookup_host = 0, paranoid = 0, c;
  unsigned long timeout;

  errmsg_init("tcp-env");
  opterr = 0;
  while ((c = getopt(argc, argv, "+rRhHpPl:t:")) != -1)
    switch (c) {
    case 'r': case 'R': break;          /* no ident lookups, ever */
    case 'h': lookup_host = 1; break;
    case 'H': lookup_host = 0; break;
    case 'p': paranoid = 1; break;
    case 'P': paranoid = 0; break;
    case 'l': localname = optarg; break;
    case 't':
      if (!scan_ulong(optarg, &timeout) || optarg[strspn(optarg, "0123456789")])
        die(100, "-t: the timeout is a number of seconds");
      break;
    default: die(100, USAGE);
    }
  argv += optind;
  if (!*argv)
    die(100, USAGE);

  if (getsockname(0, (struct sockaddr *)&local, &locallen) == -1) {
    if (errno != ENOTSOCK)
      die_sys(111, "unable to get the local address of descriptor 0");
  } else if (local.ss_family == AF_INET || local.ss_family == AF_INET6) {
    if (getpeername(0, (struct sockaddr *)&remote, &remotelen) == -1)
      die_sys(111, "unable to get the remote address of descriptor 0");
    if (!netenv_addresses(&ne, (struct sockaddr *)&local,
                          (struct sockaddr *)&remote))
      die_sys(111, "unable to read the addresses of descriptor 0");
    if (!env_init(&eb))
      die_nomem();
    if (!netenv_put(&eb, &ne, localname,
                    lookup_host && netenv_remotehost(&ne, paranoid, &host)
                    ? host.s : 0))
      die_nomem();
    environ = env_build(&eb);
    if (!environ)
      die_nomem();
  }
  execvp(argv[0], argv);
  die_sys(111, "unable to run ", argv[0]);
}
