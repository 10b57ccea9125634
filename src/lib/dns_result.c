/* dns_result.c -- turning answers into the result lists of dns.h, the
 * MX order of RFC 5321, and qmail-remote's "MX or address" lookup. */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"

/* Room for need elements of size bytes in *array (a of them now). */
static int
grow(void *array, size_t *a, size_t need, size_t size)
{
  void **p = array;
  size_t want;
  void *bigger;

  if (need <= *a)
    return 1;
  want = need + need / 2 + 4;
  if (want < need || want > (size_t)-1 / size) {
    errno = EOVERFLOW;
    return 0;
  }
  bigger = realloc(*p, want * size);
  if (!bigger) {
    errno = ENOMEM;
    return 0;
  }
  memset((char *)bigger + *a * size, 0, (want - *a) * size);
  *p = bigger;
  *a = want;
  return 1;
}

static int
iplist_add(struct dns_iplist *list, int family, const char *data)
{
  struct dns_ip *ip;

  if (!grow(&list->ip, &list->a, list->len + 1, sizeof *list->ip))
    return 0;
  ip = &list->ip[list->len++];
  memset(ip, 0, sizeof *ip);
  ip->family = family;
  memcpy(ip->ip, data, family == AF_INET ? 4 : 16);
  return 1;
}

static int
strlist_add(struct dns_strlist *list, const char *data, size_t len)
{
  stralloc *s;

  if (!grow(&list->str, &list->a, list->len + 1, sizeof *list->str))
    return 0;
  s = &list->str[list->len];
  if (!stralloc_copyb(s, data, len) || !stralloc_0(s))
    return 0;
  --s->len;
  ++list->len;
  return 1;
}

/* Point every entry's name at its place in names (after names moved). */
static void
mxlist_fix(struct dns_mxlist *list)
{
  size_t i;

  for (i = 0; i < list->len; ++i)
    list->mx[i].name = list->names.s + list->mx[i].nameat;
}

static int
mxlist_add(struct dns_mxlist *list, unsigned int pref, const char *text,
           const struct dns_ip *ip)
{
  struct dns_mx *mx;
  size_t at = list->names.len;
  const char *before = list->names.s;

  if (!grow(&list->mx, &list->a, list->len + 1, sizeof *list->mx)
      || !stralloc_cats(&list->names, text) || !stralloc_0(&list->names))
    return 0;
  mx = &list->mx[list->len++];
  memset(mx, 0, sizeof *mx);
  mx->pref = pref;
  mx->nameat = at;
  if (ip)
    mx->ip = *ip;
  if (list->names.s != before)
    mxlist_fix(list);
  else
    mx->name = list->names.s + at;
  return 1;
}

static int
wrong_size(void)
{
  errno = EPROTO;
  return 0;
}

int
dns_answer_ips(struct dns_iplist *out, const struct dns_answer *answer,
               int family)
{
  const char *data;
  size_t pos = 0, len;

  while (dns_answer_next(answer, &pos, &data, &len)) {
    if (len != (family == AF_INET ? 4u : 16u))
      return wrong_size();
    if (!iplist_add(out, family, data))
      return 0;
  }
  return 1;
}

int
dns_answer_names(struct dns_strlist *out, const struct dns_answer *answer)
{
  char text[DNS_NAME_TEXTMAX];
  const char *data;
  size_t pos = 0, len;

  while (dns_answer_next(answer, &pos, &data, &len)) {
    if (!len || len != dns_name_length(data))
      return wrong_size();
    if (!strlist_add(out, text, dns_name_totext(text, data)))
      return 0;
  }
  return 1;
}

int
dns_answer_texts(struct dns_strlist *out, const struct dns_answer *answer)
{
  const char *data;
  size_t pos = 0, len;

  while (dns_answer_next(answer, &pos, &data, &len))
    if (!strlist_add(out, data, len))
      return 0;
  return 1;
}

int
dns_answer_mxs(struct dns_mxlist *out, const struct dns_answer *answer)
{
  char text[DNS_NAME_TEXTMAX];
  const char *data;
  size_t pos = 0, len;
  unsigned int pref;

  while (dns_answer_next(answer, &pos, &data, &len)) {
    if (len < 3 || len - 2 != dns_name_length(data + 2))
      return wrong_size();
    pref = (unsigned int)(unsigned char)data[0] << 8 | (unsigned char)data[1];
    dns_name_totext(text, data + 2);
    if (!mxlist_add(out, pref, text, 0))
      return 0;
  }
  return dns_mxlist_sort(out);
}

struct sort_key {
  unsigned int pref;
  unsigned int random;
  size_t index;
};

static int
sort_key_cmp(const void *a, const void *b)
{
  const struct sort_key *x = a, *y = b;

  if (x->pref != y->pref)
    return x->pref < y->pref ? -1 : 1;
  if (x->random != y->random)
    return x->random < y->random ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* Ascending preference; among equal preferences a random order, so that
 * load spreads over equal exchangers (RFC 5321 5.1). */
int
dns_mxlist_sort(struct dns_mxlist *list)
{
  struct sort_key *keys;
  struct dns_mx *sorted;
  size_t i;

  if (list->len < 2)
    return 1;
  if (list->len > (size_t)-1 / sizeof *keys) {
    errno = EOVERFLOW;
    return 0;
  }
  keys = malloc(list->len * sizeof *keys);
  sorted = malloc(list->len * sizeof *sorted);
  if (!keys || !sorted) {
    free(keys);
    free(sorted);
    errno = ENOMEM;
    return 0;
  }
  for (i = 0; i < list->len; ++i) {
    keys[i].pref = list->mx[i].pref;
    keys[i].index = i;
    if (!dns_random(&keys[i].random, sizeof keys[i].random)) {
      free(keys);
      free(sorted);
      return 0;
    }
  }
  qsort(keys, list->len, sizeof *keys, sort_key_cmp);
  for (i = 0; i < list->len; ++i)
    sorted[i] = list->mx[keys[i].index];
  memcpy(list->mx, sorted, list->len * sizeof *sorted);
  free(keys);
  free(sorted);
  return 1;
}

/* Append one entry per address of host (text name) to out. */
static int
host_addresses(const struct dns_conf *conf, struct dns_mxlist *out,
               unsigned int pref, const char *host, struct dns_iplist *ips)
{
  size_t i;
  int r;

  r = dns_ip(conf, ips, host);
  if (r != 1)
    return r;
  for (i = 0; i < ips->len; ++i)
    if (!mxlist_add(out, pref, host, &ips->ip[i]))
      return -1;
  return 1;
}

int
dns_mx_or_address(const struct dns_conf *conf, struct dns_mxlist *out,
                  const char *domain)
{
  struct dns_mxlist hosts = DNS_MXLIST_ZERO;
  struct dns_iplist ips = DNS_IPLIST_ZERO;
  size_t i, asked = 0, nullmx = 0;
  int r, temporary = 0, err = DNS_ENODATA, saved;

  out->len = 0;
  out->names.len = 0;
  r = dns_mx(conf, &hosts, domain);
  if (r == 0 && errno == DNS_ENODATA) {
    r = host_addresses(conf, out, 0, domain, &ips);
    goto done;
  }
  if (r != 1)
    goto done;
  for (i = 0; i < hosts.len && asked < DNS_MX_HOSTS; ++i) {
    if (!strcmp(hosts.mx[i].name, ".")) {
      ++nullmx;
      continue;
    }
    ++asked;
    r = host_addresses(conf, out, hosts.mx[i].pref, hosts.mx[i].name, &ips);
    if (r == -1) {
      if (errno == ENOMEM)
        goto done;
      temporary = errno;
    } else if (r == 0)
      err = errno;
  }
  if (out->len)
    r = 1;
  else if (temporary) {
    r = -1;
    errno = temporary;
  } else {
    r = 0;
    errno = nullmx && !asked ? EPERM : err;
  }
done:
  if (r != 1) {
    out->len = 0;
    out->names.len = 0;
  }
  saved = errno;
  dns_mxlist_free(&hosts);
  dns_iplist_free(&ips);
  errno = saved;
  return r;
}

void
dns_iplist_free(struct dns_iplist *list)
{
  free(list->ip);
  list->ip = 0;
  list->len = list->a = 0;
}

void
dns_mxlist_free(struct dns_mxlist *list)
{
  free(list->mx);
  list->mx = 0;
  list->len = list->a = 0;
  stralloc_free(&list->names);
}

void
dns_strlist_free(struct dns_strlist *list)
{
  size_t i;

  for (i = 0; i < list->a; ++i)
    stralloc_free(&list->str[i]);
  free(list->str);
  list->str = 0;
  list->len = list->a = 0;
}
