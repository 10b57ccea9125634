/* dns.c -- the lookups of the stub resolver; see dns.h.
 *
 * Everything here works on wire names (dns_packet.h); text names from
 * callers are converted once at the edge, and names in results are
 * converted back with escapes, so no byte of an answer reaches a caller
 * unchecked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"

static void
ptr_label(char **p, const char *digits, size_t n)
{
  *(*p)++ = (char)n;
  memcpy(*p, digits, n);
  *p += n;
}

void
dns_ptr_name(char *name, const struct dns_ip *ip)
{
  static const char hex[] = "0123456789abcdef";
  char digits[4], *p = name;
  unsigned int b;
  size_t n;
  int i;

  if (ip->family == AF_INET) {
    for (i = 3; i >= 0; --i) {
      b = ip->ip[i];
      n = 0;
      if (b >= 100)
        digits[n++] = (char)('0' + b / 100);
      if (b >= 10)
        digits[n++] = (char)('0' + b / 10 % 10);
      digits[n++] = (char)('0' + b % 10);
      ptr_label(&p, digits, n);
    }
    ptr_label(&p, "in-addr", 7);
  } else {
    for (i = 15; i >= 0; --i) {
      ptr_label(&p, &hex[ip->ip[i] & 0x0f], 1);
      ptr_label(&p, &hex[ip->ip[i] >> 4], 1);
    }
    ptr_label(&p, "ip6", 3);
  }
  ptr_label(&p, "arpa", 4);
  *p = 0;
}

int
dns_ip_scan(struct dns_ip *ip, const char *text)
{
  memset(ip->ip, 0, sizeof ip->ip);
  if (inet_pton(AF_INET, text, ip->ip) == 1) {
    ip->family = AF_INET;
    return 1;
  }
  if (inet_pton(AF_INET6, text, ip->ip) == 1) {
    ip->family = AF_INET6;
    return 1;
  }
  errno = EINVAL;
  return 0;
}

size_t
dns_ip_fmt(char *out, const struct dns_ip *ip)
{
  if ((ip->family != AF_INET && ip->family != AF_INET6)
      || !inet_ntop(ip->family, ip->ip, out, DNS_IP_FMT)) {
    out[0] = '?';
    out[1] = 0;
  }
  return strlen(out);
}

const char *
dns_strerror(int err)
{
  switch (err) {
  case ENOENT:
    return "no such domain (NXDOMAIN)";
  case DNS_ENODATA:
    return "no record of that type (NODATA)";
  case EINVAL:
    return "not a valid domain name";
  case EPERM:
    return "the domain accepts no mail (null MX, RFC 7505)";
  case ETIMEDOUT:
    return "no answer from the DNS servers (timeout)";
  case EAGAIN:
    return "DNS server failure (SERVFAIL)";
  case EACCES:
    return "the DNS server refused the query (REFUSED)";
  case EPROTO:
    return "malformed or unexpected answer from the DNS server";
  case ELOOP:
    return "CNAME chain too long or looping";
  default:
    return strerror(err);
  }
}

int
dns_resolve(const struct dns_conf *conf, struct dns_answer *answer,
            const char *name, unsigned int qtype)
{
  stralloc query = STRALLOC_ZERO, reply = STRALLOC_ZERO;
  char current[DNS_NAME_MAX];
  unsigned char id[2];
  unsigned int hops = 0;
  int r, saved;

  memcpy(current, name, dns_name_length(name));
  for (;;) {
    r = -1;
    if (!dns_random(id, sizeof id)
        || !dns_query_build(&query, (unsigned int)id[0] << 8 | id[1],
                            current, qtype)
        || dns_exchange(conf, query.s, query.len, &reply) == -1
        || !dns_answer_parse(answer, reply.s, reply.len, current, qtype,
                             DNS_CNAME_MAX - hops))
      break;
    hops += answer->hops;
    r = 0;
    if (dns_reply_rcode(reply.s) == DNS_RCODE_NXDOMAIN) {
      answer->count = 0;
      answer->records.len = 0;
      errno = ENOENT;
      break;
    }
    if (answer->count) {
      r = 1;
      break;
    }
    if (!answer->hops) {
      errno = DNS_ENODATA;
      break;
    }
    /* the server gave the chain but not the records at its end */
    memcpy(current, answer->name, dns_name_length(answer->name));
  }
  saved = errno;
  stralloc_free(&query);
  stralloc_free(&reply);
  errno = saved;
  return r;
}

/* A lookup by text name: the name checked and converted first. */
static int
resolve_text(const struct dns_conf *conf, struct dns_answer *answer,
             const char *text, unsigned int qtype)
{
  char name[DNS_NAME_MAX];

  if (!dns_name_fromtext(name, text, strlen(text)))
    return 0;
  return dns_resolve(conf, answer, name, qtype);
}

static int
finish(struct dns_answer *answer, int r)
{
  int saved = errno;

  dns_answer_free(answer);
  errno = saved;
  return r;
}

static int
ips_of(const struct dns_conf *conf, struct dns_iplist *out,
       const char *name, unsigned int qtype, int family)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  int r;

  out->len = 0;
  r = resolve_text(conf, &answer, name, qtype);
  if (r == 1 && !dns_answer_ips(out, &answer, family))
    r = -1;
  if (r != 1)
    out->len = 0;
  return finish(&answer, r);
}

int
dns_ip4(const struct dns_conf *conf, struct dns_iplist *out, const char *name)
{
  return ips_of(conf, out, name, DNS_T_A, AF_INET);
}

int
dns_ip6(const struct dns_conf *conf, struct dns_iplist *out, const char *name)
{
  return ips_of(conf, out, name, DNS_T_AAAA, AF_INET6);
}

/* A then AAAA of a wire name, appended to out. */
static int
addresses(const struct dns_conf *conf, struct dns_iplist *out,
          const char *name)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  size_t before = out->len;
  int r4, r6, e4, e6;

  r4 = dns_resolve(conf, &answer, name, DNS_T_A);
  e4 = errno;
  if (r4 == 1 && !dns_answer_ips(out, &answer, AF_INET))
    return finish(&answer, -1);
  if (r4 == 0 && e4 == ENOENT) {
    /* NXDOMAIN holds for every type: no need to ask for AAAA */
    errno = ENOENT;
    return finish(&answer, 0);
  }
  r6 = dns_resolve(conf, &answer, name, DNS_T_AAAA);
  e6 = errno;
  if (r6 == 1 && !dns_answer_ips(out, &answer, AF_INET6))
    return finish(&answer, -1);
  if (out->len > before)
    return finish(&answer, 1);
  if (r4 == -1 || r6 == -1) {
    errno = r4 == -1 ? e4 : e6;
    return finish(&answer, -1);
  }
  errno = e6 == ENOENT ? ENOENT : DNS_ENODATA;
  return finish(&answer, 0);
}

int
dns_ip(const struct dns_conf *conf, struct dns_iplist *out, const char *name)
{
  char wire[DNS_NAME_MAX];
  int r;

  out->len = 0;
  if (!dns_name_fromtext(wire, name, strlen(name)))
    return 0;
  r = addresses(conf, out, wire);
  if (r != 1)
    out->len = 0;
  return r;
}

int
dns_mx(const struct dns_conf *conf, struct dns_mxlist *out, const char *name)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  int r;

  out->len = 0;
  out->names.len = 0;
  r = resolve_text(conf, &answer, name, DNS_T_MX);
  if (r == 1 && !dns_answer_mxs(out, &answer))
    r = -1;
  if (r != 1) {
    out->len = 0;
    out->names.len = 0;
  }
  return finish(&answer, r);
}

int
dns_ptr(const struct dns_conf *conf, struct dns_strlist *out,
        const struct dns_ip *ip)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  char name[DNS_NAME_MAX];
  int r;

  out->len = 0;
  if (ip->family != AF_INET && ip->family != AF_INET6) {
    errno = EINVAL;
    return 0;
  }
  dns_ptr_name(name, ip);
  r = dns_resolve(conf, &answer, name, DNS_T_PTR);
  if (r == 1 && !dns_answer_names(out, &answer))
    r = -1;
  if (r != 1)
    out->len = 0;
  return finish(&answer, r);
}

int
dns_txt(const struct dns_conf *conf, struct dns_strlist *out,
        const char *name)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  int r;

  out->len = 0;
  r = resolve_text(conf, &answer, name, DNS_T_TXT);
  if (r == 1 && !dns_answer_texts(out, &answer))
    r = -1;
  if (r != 1)
    out->len = 0;
  return finish(&answer, r);
}

int
dns_cname(const struct dns_conf *conf, struct dns_strlist *out,
          const char *name)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  char current[DNS_NAME_MAX];
  const char *data;
  size_t pos, len;
  unsigned int hops = 0;
  int r;

  out->len = 0;
  if (!dns_name_fromtext(current, name, strlen(name)))
    return 0;
  for (;;) {
    r = dns_resolve(conf, &answer, current, DNS_T_CNAME);
    if (r == -1)
      break;
    if (r == 0) {
      /* a name that is no alias ends the chain; the first one is the
       * answer "not an alias" */
      r = hops ? 1 : 0;
      break;
    }
    if (++hops > DNS_CNAME_MAX) {
      errno = ELOOP;
      r = -1;
      break;
    }
    pos = 0;
    if (!dns_answer_next(&answer, &pos, &data, &len)
        || len != dns_name_length(data)) {
      errno = EPROTO;
      r = -1;
      break;
    }
    memcpy(current, data, len);
    answer.count = 1;
    answer.records.len = pos;   /* only the first CNAME counts */
    if (!dns_answer_names(out, &answer)) {
      r = -1;
      break;
    }
  }
  if (r == -1)
    out->len = 0;
  return finish(&answer, r);
}
