/* serial_flush.c -- what maildirsmtp and maildirqmtp share: the look
 * into the spool before dialling, the connection, the programs' paths;
 * see serial_flush.h. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "errmsg.h"
#include "fd.h"
#include "fmt.h"
#include "instance.h"
#include "serial_flush.h"
#include "stralloc.h"
#include "tcpconnect.h"

char *
flush_program(const char *name)
{
  stralloc path = STRALLOC_ZERO;

  if (!stralloc_copys(&path, instance_home()) || !stralloc_cats(&path, "/bin/")
      || !stralloc_cats(&path, name) || !stralloc_0(&path))
    die_nomem();
  return path.s;
}

/* A flush that would send nothing does not connect, so an empty spool
 * dials nothing up.  Only a look: maildirserial decides what to send. */
int
flush_anything(const char *dir)
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
    errmsg_put(errmsg_prog, ": ", dir, ": flush: nothing to send\n",
               (char *)0);
  return found;
}

void
flush_connect(const char *dir, const char *host, unsigned int port,
              unsigned int connect_seconds)
{
  struct dns_iplist ips = DNS_IPLIST_ZERO;
  struct dns_ip literal;
  char portstr[FMT_ULONG], ipstr[DNS_IP_FMT];
  int fd = -1, err = 0;
  size_t i;

  portstr[fmt_uint(portstr, port)] = 0;
  ipstr[0] = 0;
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
  if (!fd_copy(6, fd) || !fd_copy(7, fd) || !fd_coe_off(6)
      || !fd_coe_off(7))
    die_sys(111, "unable to set up fds 6 and 7");
  if (fd != 6 && fd != 7)
    close(fd);
  if (setenv("TCPREMOTEIP", ipstr, 1) == -1
      || setenv("TCPREMOTEPORT", portstr, 1) == -1)
    die_nomem();
}

