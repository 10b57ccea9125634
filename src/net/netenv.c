/* netenv.c -- the TCP environment of a connection; see netenv.h. */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "dns.h"
#include "netenv.h"

/* The text form of one address and port; *ipv6 says what it was after
 * an IPv4-mapped address is taken as IPv4.  raw gets the binary form. */
static int
address_text(const struct sockaddr *sa, char *ip, char *port, int *ipv6,
             unsigned char raw[16])
{
  unsigned int portnum;

  memset(raw, 0, 16);
  if (sa->sa_family == AF_INET) {
    const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

    memcpy(raw, &sin->sin_addr, 4);
    portnum = ntohs(sin->sin_port);
    *ipv6 = 0;
  } else if (sa->sa_family == AF_INET6) {
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
    const unsigned char *a = (const unsigned char *)&sin6->sin6_addr;

    portnum = ntohs(sin6->sin6_port);
    if (iptext_ismapped(a)) {
      memcpy(raw, a + 12, 4);
      *ipv6 = 0;
    } else {
      memcpy(raw, a, 16);
      *ipv6 = 1;
    }
  } else {
    errno = EAFNOSUPPORT;
    return 0;
  }
  ip[*ipv6 ? iptext_fmt6(ip, raw) : iptext_fmt4(ip, raw)] = 0;
  port[fmt_uint(port, portnum)] = 0;
  return 1;
}

int
netenv_addresses(struct netenv *ne, const struct sockaddr *local,
                 const struct sockaddr *remote)
{
  unsigned char localraw[16];
  int localv6;

  if (!address_text(local, ne->localip, ne->localport, &localv6, localraw))
    return 0;
  return address_text(remote, ne->remoteip, ne->remoteport, &ne->ipv6,
                      ne->remote);
}

static int
name_ok(const char *name)
{
  if (!*name)
    return 0;
  for (; *name; ++name) {
    char c = *name;

    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      return 0;
  }
  return 1;
}

/* 1 when one of name's addresses is the client's. */
static int
name_has_address(const struct dns_conf *conf, const char *name,
                 const struct netenv *ne)
{
  struct dns_iplist ips = DNS_IPLIST_ZERO;
  size_t i;
  int found = 0;

  if ((ne->ipv6 ? dns_ip6(conf, &ips, name) : dns_ip4(conf, &ips, name)) == 1)
    for (i = 0; i < ips.len && !found; ++i)
      found = memcmp(ips.ip[i].ip, ne->remote, ne->ipv6 ? 16 : 4) == 0;
  dns_iplist_free(&ips);
  return found;
}

int
netenv_remotehost(const struct netenv *ne, int paranoid, stralloc *host)
{
  struct dns_conf conf = DNS_CONF_ZERO;
  struct dns_strlist names = DNS_STRLIST_ZERO;
  struct dns_ip ip;
  const char *name;
  int ok = 0;
  size_t i;

  ip.family = ne->ipv6 ? AF_INET6 : AF_INET;
  memcpy(ip.ip, ne->remote, 16);
  if (!dns_conf_load(&conf, 0))
    return 0;
  if (dns_ptr(&conf, &names, &ip) != 1 || names.len == 0)
    goto done;
  name = names.str[0].s;
  if (!name_ok(name) || strlen(name) != names.str[0].len)
    goto done;
  if (paranoid && !name_has_address(&conf, name, ne))
    goto done;
  if (!stralloc_copys(host, ""))
    goto done;
  for (i = 0; name[i]; ++i) {
    char c = name[i];

    if (!stralloc_append(host, c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a')
                         : c))
      goto done;
  }
  ok = stralloc_0(host);

done:
  dns_strlist_free(&names);
  dns_conf_free(&conf);
  return ok;
}

static int
set_or_unset(envbuild *eb, const char *name, const char *value)
{
  return value ? env_set(eb, name, value) : env_unset(eb, name);
}

int
netenv_put(envbuild *eb, const struct netenv *ne, const char *localhost,
           const char *remotehost)
{
  static const char *const six[] = {
    "TCP6LOCALIP", "TCP6LOCALPORT", "TCP6LOCALHOST", "TCP6REMOTEIP",
    "TCP6REMOTEPORT", "TCP6REMOTEHOST", "TCP6REMOTEINFO", "TCP6INTERFACE", 0
  };
  size_t i;

  if (!env_set(eb, "PROTO", ne->ipv6 ? "TCP6" : "TCP")
      || !env_set(eb, "TCPLOCALIP", ne->localip)
      || !env_set(eb, "TCPLOCALPORT", ne->localport)
      || !set_or_unset(eb, "TCPLOCALHOST", localhost)
      || !env_set(eb, "TCPREMOTEIP", ne->remoteip)
      || !env_set(eb, "TCPREMOTEPORT", ne->remoteport)
      || !set_or_unset(eb, "TCPREMOTEHOST", remotehost)
      || !env_unset(eb, "TCPREMOTEINFO"))
    return 0;
  if (!ne->ipv6) {
    for (i = 0; six[i]; ++i)
      if (!env_unset(eb, six[i]))
        return 0;
    return 1;
  }
  return env_set(eb, "TCP6LOCALIP", ne->localip)
    && env_set(eb, "TCP6LOCALPORT", ne->localport)
    && set_or_unset(eb, "TCP6LOCALHOST", localhost)
    && env_set(eb, "TCP6REMOTEIP", ne->remoteip)
    && env_set(eb, "TCP6REMOTEPORT", ne->remoteport)
    && set_or_unset(eb, "TCP6REMOTEHOST", remotehost)
    && env_unset(eb, "TCP6REMOTEINFO")
    && env_unset(eb, "TCP6INTERFACE");
}
