/* tcprulescheck -- say what tcpserver would do with a client.
 *
 * Usage: tcprulescheck rules.cdb [ip [host]]
 *
 * Run by anyone who may read the database, to try out rules.  The
 * client is the address ip and the host name host, or, without them,
 * $TCPREMOTEIP and $TCPREMOTEHOST as in ucspi-tcp's tcprulescheck
 * ($TCPREMOTEINFO too, though our tcpserver never sets it).  An address
 * is first put into the form tcpserver gives it (2001:DB8::1 becomes
 * 2001:db8::1, ::ffff:1.2.3.4 becomes 1.2.3.4).  The lookup is the very
 * one tcpserver does (rulescdb.h), and the output is ucspi-tcp's:
 *
 *     rule 1.2.3.:
 *     set environment variable RELAYCLIENT=
 *     allow connection
 *
 * or "default:" and "allow connection" when no rule applies.
 *
 * Exit codes: 0 after the answer; 100 for a usage error; 111 when the
 * database cannot be read (missing, unreadable, corrupt).
 */
#include <errno.h>
#include <string.h>

#include "buffer.h"
#include "constdb.h"
#include "env.h"
#include "errmsg.h"
#include "iptext.h"
#include "rulescdb.h"
#include "stralloc.h"

static void
out(const char *s)
{
  if (!buffer_puts(buffer_1, s))
    die_sys(111, "unable to write output");
}

/* ip in tcpserver's text form when it is an address, else as given. */
static const char *
normal_ip(const char *ip)
{
  static char text[IPTEXT_FMT];
  unsigned char raw[16];
  size_t len = strlen(ip);

  if (iptext_scan4(ip, len, raw)) {
    text[iptext_fmt4(text, raw)] = 0;
    return text;
  }
  if (iptext_scan6(ip, len, raw)) {
    if (iptext_ismapped(raw))
      text[iptext_fmt4(text, raw + 12)] = 0;
    else
      text[iptext_fmt6(text, raw)] = 0;
    return text;
  }
  return ip;
}

int
main(int argc, char **argv)
{
  struct constdb db;
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO, vars = STRALLOC_ZERO;
  const char *ip, *host;
  int r, deny;
  size_t i;

  errmsg_init("tcprulescheck");
  if (argc < 2 || argc > 4)
    die(100, "usage: tcprulescheck rules.cdb [ip [host]]");
  ip = argc > 2 ? argv[2] : env_get("TCPREMOTEIP");
  host = argc > 3 ? argv[3] : env_get("TCPREMOTEHOST");
  ip = normal_ip(ip ? ip : "");

  if (!constdb_open(&db, argv[1]))
    die_sys(111, "unable to read ", argv[1]);
  r = rulescdb_lookup(&db, ip, host, env_get("TCPREMOTEINFO"), &key, &data);
  if (r == -1)
    die_sys(111, "unable to read ", argv[1]);
  if (r == 0) {
    out("default:\nallow connection\n");
  } else {
    if (!rulescdb_decode(data.s, data.len, &deny, &vars))
      die_sys(111, "unable to read ", argv[1]);
    if (!stralloc_0(&key))
      die_nomem();
    out("rule ");
    out(key.s);
    out(":\n");
    if (deny) {
      out("deny connection\n");
    } else {
      for (i = 0; i < vars.len; i += strlen(vars.s + i) + 1) {
        out("set environment variable ");
        out(vars.s + i);
        out("\n");
      }
      out("allow connection\n");
    }
  }
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write output");
  return 0;
}
