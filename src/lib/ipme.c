/* ipme.c -- the IP addresses of this machine; see ipme.h. */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ipme.h"

static int
same(const struct dns_ip *a, const struct dns_ip *b)
{
  return a->family == b->family
         && !memcmp(a->ip, b->ip, a->family == AF_INET ? 4 : 16);
}

static int
add(struct dns_iplist *list, const struct dns_ip *ip)
{
  struct dns_ip *bigger;
  size_t i, want;

  for (i = 0; i < list->len; ++i)
    if (same(&list->ip[i], ip))
      return 1;
  if (list->len == list->a) {
    want = list->a * 2 + 8;
    if (want > (size_t)-1 / sizeof *bigger) {
      errno = ENOMEM;
      return 0;
    }
    bigger = realloc(list->ip, want * sizeof *bigger);
    if (!bigger) {
      errno = ENOMEM;
      return 0;
    }
    list->ip = bigger;
    list->a = want;
  }
  list->ip[list->len++] = *ip;
  return 1;
}

/* The addresses of one family from the interface list. */
static int
add_family(struct dns_iplist *out, struct ifaddrs *all, int family)
{
  struct ifaddrs *ifa;
  struct dns_ip ip;

  memset(&ip, 0, sizeof ip);
  ip.family = family;
  if (!add(out, &ip))           /* 0.0.0.0 or :: */
    return 0;
  for (ifa = all; ifa; ifa = ifa->ifa_next) {
    if (!ifa->ifa_addr || ifa->ifa_addr->sa_family != family)
      continue;
    if (family == AF_INET)
      memcpy(ip.ip, &((struct sockaddr_in *)(void *)ifa->ifa_addr)->sin_addr, 4);
    else
      memcpy(ip.ip, &((struct sockaddr_in6 *)(void *)ifa->ifa_addr)->sin6_addr, 16);
    if (!add(out, &ip))
      return 0;
  }
  return 1;
}

int
ipme_list(struct dns_iplist *out)
{
  struct ifaddrs *all;
  int ok, saved;

  out->len = 0;
  if (getifaddrs(&all) == -1)
    return 0;
  ok = add_family(out, all, AF_INET) && add_family(out, all, AF_INET6);
  saved = errno;
  freeifaddrs(all);
  errno = saved;
  return ok;
}

int
ipme_contains(const struct dns_iplist *list, const struct dns_ip *ip)
{
  static const unsigned char mapped[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
  };
  struct dns_ip v4;
  size_t i;

  /* ::ffff:a.b.c.d reaches a.b.c.d */
  if (ip->family == AF_INET6 && !memcmp(ip->ip, mapped, 12)) {
    memset(&v4, 0, sizeof v4);
    v4.family = AF_INET;
    memcpy(v4.ip, ip->ip + 12, 4);
    ip = &v4;
  }
  if (ip->family == AF_INET && ip->ip[0] == 127)
    return 1;
  for (i = 0; i < list->len; ++i)
    if (same(&list->ip[i], ip))
      return 1;
  return 0;
}
