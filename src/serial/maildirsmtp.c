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
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "env.h"
#include "errmsg.h"
#include "fd.h"
#include "fmt.h"
#include "instance.h"
#include "scan.h"
#include "stralloc.h"
#include "tcpconnect.h"

#define CONNECT_SECONDS 60

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

static char *
program(const char *name)
{
  stralloc path = STRALLOC_ZERO;

  if (!stralloc_copys(&path, instance_home()) || !stralloc_cats(&path, "/bin/")
      || !stralloc_cats(&path, name) || !stralloc_0(&path))
    die_nomem();
  return path.s;
}

/* A flush that would send nothing does not connect, so an empty spool
 * dials nothing up.  Only a look: maildirserial decides what to send. */
static int
anything_to_send(const char *dir)
{
  static const char *const sub[] = { "/new", "/cur" };
  stralloc path = STRALLOC_ZERO;
  unsigned int i;
  int found = 0;

  for (i = 0; i < 2 && !found; ++i) {
    DIR *d;
    struct dirent *de;

    if (!stralloc_copys(&path, dir) || !stralloc_cats(&path, sub[i])
        || !stralloc_0(&path))
      die_nomem();
    d = opendir(path.s);
    if (!d)
      die(111, dir, ": flush: ", dir, " is not a maildir (unable to read ",
          path.s, ": ", strerror(errno), "); nothing sent (#4.3.0)");
    while ((de = readdir(d)))
      if (de->d_name[0] != '.') {
        found = 1;
        break;
      }
    closedir(d);
  }
  stralloc_free(&path);
  if (!found)
    errmsg_put("maildirsmtp: ", dir, ": flush: nothing to send\n",
               (char *)0);
  return found;
}

int
main(int argc, char **argv)
{
  static char *args[32];
  struct dns_iplist ips = DNS_IPLIST_ZERO;
  struct dns_ip literal;
  const char *dir, *prefix, *host, *helohost, *env_port;
  const char *lifetime = "1209600", *policy = 0, *cafile = 0, *authfile = 0;
  const char *io_seconds = 0;
  char portstr[FMT_ULONG], ipstr[DNS_IP_FMT];
  unsigned int port = 25, connect_seconds = CONNECT_SECONDS;
  int implicit_tls = 0, plaintext = 0, opt, fd = -1, n = 0, err = 0;
  size_t i;

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
  portstr[fmt_uint(portstr, port)] = 0;

  if (!anything_to_send(dir))
    return 0;
  if (dns_ip_scan(&literal, host)) {
    ips.ip = &literal;
    ips.len = 1;
  } else {
    struct dns_conf conf = DNS_CONF_ZERO;
    int rc;

    if (!dns_conf_load(&conf, 0))
      die(111, dir, ": flush: unable to load the resolver configuration: ",
          dns_strerror(errno), "; nothing sent, the spool is kept (#4.3.0)");
    rc = dns_ip(&conf, &ips, host);
    if (rc != 1)
      die(111, dir, ": flush: unable to find the address of ", host, ": ",
          dns_strerror(errno), "; nothing sent, the spool is kept (",
          rc == 0 ? "#5.4.4)" : "#4.4.3)");
  }
  for (i = 0; i < ips.len; ++i) {
    fd = tcpconnect(&ips.ip[i], port, 0, connect_seconds);
    ipstr[dns_ip_fmt(ipstr, &ips.ip[i])] = 0;
    if (fd != -1)
      break;
    err = errno;
  }
  if (fd == -1) {
    errno = err;
    die(111, dir, ": flush: unable to connect to ", host, " [", ipstr,
        "] port ", portstr, ": ", errno == ETIMEDOUT ? "timed out"
        : strerror(errno), "; nothing sent, the spool is kept (#4.4.1)");
  }
  if (!fd_copy(6, fd) || !fd_copy(7, fd))
    die_sys(111, "unable to set up fds 6 and 7");
  if (fd != 6 && fd != 7)
    close(fd);
  if (setenv("TCPREMOTEIP", ipstr, 1) == -1
      || setenv("TCPREMOTEPORT", portstr, 1) == -1)
    die_nomem();

  args[n++] = program("maildirserial");
  args[n++] = "-b";
  args[n++] = "-t";
  args[n++] = (char *)lifetime;
  args[n++] = "--";
  args[n++] = (char *)dir;
  args[n++] = (char *)prefix;
  args[n++] = program("serialsmtp");
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
