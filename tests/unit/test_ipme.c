/* Unit tests for ipme: this machine's addresses, and the membership test
 * qmail-remote uses to avoid mailing itself. */
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dns.h"
#include "ipme.h"
#include "unit.h"

static struct dns_ip
ip_of(const char *text)
{
  struct dns_ip ip;

  if (!dns_ip_scan(&ip, text))
    ip.family = 0;
  return ip;
}

static void
test_list(void)
{
  struct dns_iplist me = DNS_IPLIST_ZERO;
  struct dns_ip any4 = ip_of("0.0.0.0"), any6 = ip_of("::");
  struct dns_ip lo = ip_of("127.0.0.1");
  size_t i, j, v4 = 0;
  int dup = 0, order = 1;

  CHECK(ipme_list(&me));
  CHECK(me.len >= 3);
  CHECK(ipme_contains(&me, &any4));
  CHECK(ipme_contains(&me, &any6));
  CHECK(ipme_contains(&me, &lo));
  for (i = 0; i < me.len; ++i) {
    if (me.ip[i].family == AF_INET) {
      if (v4 != i)
        order = 0;
      ++v4;
    }
    for (j = 0; j < i; ++j)
      if (me.ip[i].family == me.ip[j].family
          && !memcmp(me.ip[i].ip, me.ip[j].ip, 16))
        dup = 1;
  }
  CHECK(!dup);
  CHECK(order);
  /* called again, the list is replaced, not appended to */
  i = me.len;
  CHECK(ipme_list(&me) && me.len == i);
  dns_iplist_free(&me);
}

static void
test_contains(void)
{
  struct dns_iplist list = DNS_IPLIST_ZERO;
  struct dns_ip a = ip_of("192.0.2.7"), b = ip_of("192.0.2.8");
  struct dns_ip loop = ip_of("127.45.0.9"), six = ip_of("2001:db8::7");
  struct dns_ip mapped = ip_of("::ffff:192.0.2.7");

  CHECK(!ipme_contains(&list, &a));
  CHECK(ipme_contains(&list, &loop));
  list.ip = &a;
  list.len = 1;
  CHECK(ipme_contains(&list, &a));
  CHECK(!ipme_contains(&list, &b));
  CHECK(!ipme_contains(&list, &six));
  CHECK(ipme_contains(&list, &mapped));
  mapped = ip_of("::ffff:127.0.0.2");
  CHECK(ipme_contains(&list, &mapped));
  mapped = ip_of("::ffff:192.0.2.8");
  CHECK(!ipme_contains(&list, &mapped));
}

int
main(void)
{
  RUN(test_list);
  RUN(test_contains);
  return unit_done();
}
