/* remote_route.c -- where a message for a domain goes: control/smtproutes,
 * else the domain's MX records, else its own addresses; never to this
 * machine itself. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "caseless.h"
#include "control.h"
#include "dns.h"
#include "env.h"
#include "instance.h"
#include "ipme.h"
#include "iptext.h"
#include "remote.h"
#include "scan.h"
#include "stralloc.h"

/* "[192.0.2.1]" or "[IPv6:2001:db8::1]" / "[2001:db8::1]" as an address. */
static int
literal_scan(struct dns_ip *ip, const char *s, size_t len)
{
  if (len < 3 || s[0] != '[' || s[len - 1] != ']')
    return 0;
  ++s;
  len -= 2;
  if (len > 5 && case_equalb(s, "IPv6:", 5)) {
    s += 5;
    len -= 5;
  }
  memset(ip, 0, sizeof *ip);
  if (iptext_scan4(s, len, ip->ip)) {
    ip->family = AF_INET;
    return 1;
  }
  if (iptext_scan6(s, len, ip->ip)) {
    ip->family = AF_INET6;
    return 1;
  }
  return 0;
}

/* Split a route's value "relay", "relay:port", "[ip]:port" or ":port". */
static int
route_value(struct remote *r, const char *v)
{
  size_t len = strlen(v), end = len;
  const char *colon;

  if (v[0] == '[') {
    const char *close = strchr(v, ']');

    end = close ? (size_t)(close - v) + 1 : len;
    colon = v[end] == ':' ? v + end : 0;
  } else {
    colon = strchr(v, ':');
    if (colon)
      end = (size_t)(colon - v);
  }
  if (colon) {
    unsigned int port;
    size_t n = scan_uint(colon + 1, &port);

    if (!n || colon[1 + n] || !port || port > 65535)
      return remote_fail(r, 0, "control/smtproutes names a bad port for ",
                         r->host, ": ", v, ". (#4.3.5)", (char *)0);
    r->port = port;
  }
  if (!stralloc_copyb(&r->relay, v, end) || !stralloc_0(&r->relay))
    return remote_fail(r, 0, "Out of memory. (#4.3.0)", (char *)0);
  --r->relay.len;
  case_lowerb(r->relay.s, r->relay.len);
  r->routed = r->relay.len > 0;
  return 1;
}

/* The smtproutes entry for the host: the exact domain, then ".suffix"
 * entries from the longest suffix down, then the empty key. */
static int
find_route(struct remote *r)
{
  stralloc routes = STRALLOC_ZERO;
  const char *h = r->host;
  int rc = control_readlist(&routes, "control/smtproutes");
  size_t hlen = strlen(h);

  if (rc == -1)
    return remote_fail(r, 0, "Unable to read control/smtproutes. (#4.3.0)",
                       (char *)0);
  for (;;) {
    size_t klen = strlen(h), i = 0;

    while (rc == 1 && i < routes.len) {
      const char *entry = routes.s + i;
      size_t elen = strlen(entry);
      const char *colon = strchr(entry, ':');

      if (colon && (size_t)(colon - entry) == klen
          && case_equalb(entry, h, klen)) {
        int ok = route_value(r, colon + 1);

        stralloc_free(&routes);
        return ok;
      }
      i += elen + 1;
    }
    if (!*h)
      break;
    /* the next suffix: ".rest" after the next dot, then "" */
    if (h == r->host) {
      const char *dot = strchr(h, '.');

      h = dot ? dot : r->host + hlen;
    } else {
      const char *dot = strchr(h + 1, '.');

      h = dot ? dot : r->host + hlen;
    }
  }
  stralloc_free(&routes);
  return 1;
}

static int
add_target(struct remote *r, const struct dns_ip *ip, unsigned int pref,
           const char *name)
{
  struct remote_target *t;
  size_t n = strlen(name);

  t = realloc(r->target, (r->targets + 1) * sizeof *t);
  if (!t)
    return remote_fail(r, 0, "Out of memory. (#4.3.0)", (char *)0);
  r->target = t;
  t += r->targets++;
  t->ip = *ip;
  t->pref = pref;
  if (n >= sizeof t->name)
    n = sizeof t->name - 1;
  memcpy(t->name, name, n);
  t->name[n] = 0;
  return 1;
}

static int
dns_failure(struct remote *r, int rc, const char *what, const char *name)
{
  const char *why = dns_strerror(errno);

  if (rc == -1)
    return remote_fail(r, 0, "Temporary failure looking up ", what, " ",
                       name, ": ", why, ". (#4.4.3)", (char *)0);
  if (errno == EPERM)
    return remote_fail(r, 1, name, " does not accept mail: it publishes a "
                       "null MX record (RFC 7505). (#5.1.10)", (char *)0);
  return remote_fail(r, 1, "There is no mail server for ", name, ": ",
                     why, ". (#5.1.2)", (char *)0);
}

/* Addresses that do not count as this machine's, for tests that run
 * servers on 127.0.0.2 and the like: only for an instance
 * ($QMAILHOME), never for the installed system. */
static int
excluded(const struct dns_ip *ip)
{
  const char *list = instance_overridden() ? env_get("QMAILREMOTE_NOTME") : 0;

  while (list && *list) {
    struct dns_ip other;
    char word[DNS_IP_FMT];
    size_t n = strcspn(list, " ,");

    if (n && n < sizeof word) {
      memcpy(word, list, n);
      word[n] = 0;
      if (dns_ip_scan(&other, word) && other.family == ip->family
          && !memcmp(other.ip, ip->ip, sizeof other.ip))
        return 1;
    }
    list += n;
    list += strspn(list, " ,");
  }
  return 0;
}

/* qmail's rule against loops: when one of the MX hosts is this machine,
 * only hosts of a strictly better preference may be used; with none
 * left the message would come back here. */
static int
drop_loops(struct remote *r)
{
  struct dns_iplist me = DNS_IPLIST_ZERO;
  unsigned int i, kept = 0, prefme = 0;
  int found = 0;

  if (!ipme_list(&me))
    return remote_fail(r, 0, "Unable to list this machine's addresses. "
                       "(#4.3.0)", (char *)0);
  for (i = 0; i < r->targets; ++i)
    if (ipme_contains(&me, &r->target[i].ip) && !excluded(&r->target[i].ip)
        && (!found || r->target[i].pref < prefme)) {
      prefme = r->target[i].pref;
      found = 1;
    }
  dns_iplist_free(&me);
  if (!found)
    return 1;
  for (i = 0; i < r->targets; ++i)
    if (r->target[i].pref < prefme)
      r->target[kept++] = r->target[i];
  r->targets = kept;
  if (!kept)
    return remote_fail(r, 1, "This machine is itself a best mail server for ",
                       r->host, " (by MX or address), but ", r->host,
                       " is not in control/locals or control/virtualdomains,"
                       " so the message would come back here. (#5.4.6)",
                       (char *)0);
  return 1;
}

int
remote_route(struct remote *r)
{
  struct dns_ip ip;
  unsigned int i;
  int rc;

  r->port = 25;
  if (!find_route(r))
    return 0;
  if (r->routed) {
    struct dns_iplist ips = DNS_IPLIST_ZERO;

    if (literal_scan(&ip, r->relay.s, r->relay.len))
      return add_target(r, &ip, 0, r->relay.s);
    rc = dns_ip(&r->dns, &ips, r->relay.s);
    if (rc != 1)
      return dns_failure(r, rc, "the smarthost", r->relay.s);
    for (i = 0; i < ips.len; ++i)
      if (!add_target(r, &ips.ip[i], 0, r->relay.s)) {
        dns_iplist_free(&ips);
        return 0;
      }
    dns_iplist_free(&ips);
    return 1;
  }
  if (literal_scan(&ip, r->host, strlen(r->host))) {
    if (!add_target(r, &ip, 0, r->host))
      return 0;
  } else {
    struct dns_mxlist mxs = DNS_MXLIST_ZERO;

    rc = dns_mx_or_address(&r->dns, &mxs, r->host);
    if (rc != 1)
      return dns_failure(r, rc, "the mail servers of", r->host);
    for (i = 0; i < mxs.len; ++i)
      if (!add_target(r, &mxs.mx[i].ip, mxs.mx[i].pref, mxs.mx[i].name)) {
        dns_mxlist_free(&mxs);
        return 0;
      }
    dns_mxlist_free(&mxs);
  }
  return drop_loops(r);
}
