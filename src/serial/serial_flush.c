/* serial_flush.c -- what maildirsmtp and maildirqmtp share: their
 * common options, the look into the spool before dialling, the
 * connection, the maildirserial command line; see serial_flush.h. */
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
#include "serial_flush.h"
#include "stralloc.h"
#include "tcpconnect.h"

static char *
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
static int
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

static void
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


void
flush_usage(const struct serial_flush *f)
{
  die(100, f->usage);
}

unsigned int
flush_number(const struct serial_flush *f, const char *s)
{
  unsigned int n;
  size_t len = scan_uint(s, &n);

  if (!len || s[len] || !n)
    flush_usage(f);
  return n;
}

void
flush_init(struct serial_flush *f, const char *program, const char *usage,
           unsigned int port)
{
  const char *env_port;

  errmsg_init(program);
  f->usage = usage;
  f->port = port;
  f->connect_seconds = FLUSH_CONNECT_SECONDS;
  f->lifetime = FLUSH_LIFETIME;
  f->io_seconds = 0;
  f->n = 0;
  env_port = env_get("PORT");
  if (env_port && *env_port)
    f->port = flush_number(f, env_port);
}

int
flush_option(struct serial_flush *f, int opt, const char *arg)
{
  switch (opt) {
  case 'p': f->port = flush_number(f, arg); return 1;
  case 'l': flush_number(f, arg); f->lifetime = arg; return 1;
  case 'T': flush_number(f, arg); f->io_seconds = arg; return 1;
  case 'C': f->connect_seconds = flush_number(f, arg); return 1;
  }
  return 0;
}

void
flush_arg(struct serial_flush *f, const char *arg)
{
  /* room for the null pointer that ends the list */
  if (f->n >= FLUSH_ARGS_MAX - 1)
    die(111, "too many arguments for maildirserial (#4.3.0)");
  f->args[f->n++] = (char *)arg;
}

void
flush_arg_value(struct serial_flush *f, const char *flag, const char *value)
{
  if (value) {
    flush_arg(f, flag);
    flush_arg(f, value);
  }
}

void
flush_dial(struct serial_flush *f, const char *dir, const char *prefix,
           const char *host, const char *client)
{
  if (f->port > 65535)
    flush_usage(f);
  if (!flush_anything(dir))
    exit(0);
  flush_connect(dir, host, f->port, f->connect_seconds);

  flush_arg(f, flush_program("maildirserial"));
  flush_arg(f, "-b");
  flush_arg(f, "-t");
  flush_arg(f, f->lifetime);
  flush_arg(f, "--");
  flush_arg(f, dir);
  flush_arg(f, prefix);
  flush_arg(f, flush_program(client));
}

void
flush_exec(struct serial_flush *f)
{
  f->args[f->n] = 0;
  execv(f->args[0], f->args);
  die_sys(111, "unable to run ", f->args[0]);
}
