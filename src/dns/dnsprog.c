/* dnsprog.c -- what the DNS debugging programs share; see dnsprog.h. */
#include <errno.h>

#include "buffer.h"
#include "dnsprog.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "stralloc.h"

struct dns_conf dnsprog_conf = DNS_CONF_ZERO;
static int exitcode;
static int writefailed;

void
dnsprog_start(const char *prog, int argc, int min, const char *usage)
{
  stralloc path = STRALLOC_ZERO;

  errmsg_init(prog);
  if (argc - 1 < min)
    die(100, "usage: ", errmsg_prog, " ", usage);
  if (!stralloc_copys(&path, instance_home())
      || !stralloc_cats(&path, "/control/dnsservers")
      || !stralloc_0(&path))
    die_nomem();
  if (!dns_conf_load(&dnsprog_conf, path.s))
    die_sys(111, "unable to read the resolver configuration (",
            "/etc/resolv.conf, ", path.s, ", $DNSSERVER)");
  stralloc_free(&path);
}

void
dnsprog_fail(const char *name, int r)
{
  int code = r == 0 ? 100 : 111;

  errmsg_put(errmsg_prog, code == 100 ? ": permanent failure: "
                                      : ": temporary failure: ",
             name, ": ", dns_strerror(errno), "\n", (char *)0);
  if (code > exitcode)
    exitcode = code;
}

void
dnsprog_put(const char *s, size_t len)
{
  if (!buffer_put(buffer_1, s, len))
    writefailed = 1;
}

void
dnsprog_puts(const char *s)
{
  if (!buffer_puts(buffer_1, s))
    writefailed = 1;
}

void
dnsprog_putsafe(const char *s, size_t len)
{
  char escape[4];
  unsigned char c;
  size_t i;

  for (i = 0; i < len; ++i) {
    c = (unsigned char)s[i];
    if (c >= 32 && c < 127 && c != '\\') {
      dnsprog_put(s + i, 1);
      continue;
    }
    escape[0] = '\\';
    escape[1] = (char)('0' + c / 100);
    escape[2] = (char)('0' + c / 10 % 10);
    escape[3] = (char)('0' + c % 10);
    dnsprog_put(escape, 4);
  }
}

void
dnsprog_putip(const struct dns_ip *ip)
{
  char text[DNS_IP_FMT];

  dnsprog_put(text, dns_ip_fmt(text, ip));
}

void
dnsprog_putulong(unsigned long n)
{
  char text[FMT_ULONG];

  dnsprog_put(text, fmt_ulong(text, n));
}

void
dnsprog_eol(void)
{
  dnsprog_put("\n", 1);
}

int
dnsprog_done(void)
{
  if (!buffer_flush(buffer_1) || writefailed) {
    warn_sys("unable to write the output");
    return 111;
  }
  return exitcode;
}
