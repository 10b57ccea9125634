/* dns_packet.c -- the DNS wire format; see dns_packet.h.
 *
 * Every read from a packet is preceded by a bounds check against the
 * packet's length; positions are size_t and are never added to a value
 * that could wrap (a label is at most 63 bytes, a record at most 65535,
 * and both are compared with what remains, not with a sum).
 */
#include <errno.h>
#include <string.h>

#include "caseless.h"
#include "dns_packet.h"

/* More jumps than a 255-byte name can need (its labels are at least two
 * bytes each); a defence in depth, since backward-only pointers already
 * guarantee the end of the walk. */
#define DNS_JUMPS_MAX 128

static unsigned int
get16(const unsigned char *p)
{
  return (unsigned int)p[0] << 8 | p[1];
}

static unsigned long
get32(const unsigned char *p)
{
  return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16
         | (unsigned long)p[2] << 8 | p[3];
}

static int
malformed(void)
{
  errno = EPROTO;
  return 0;
}

static int
plain_byte(unsigned char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
         || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '*';
}

size_t
dns_name_fromtext(char *out, const char *text, size_t len)
{
  size_t i = 0, o = 0, label;
  unsigned int value;
  unsigned char c;

  if (len == 1 && text[0] == '.') {
    out[0] = 0;
    return 1;
  }
  if (!len)
    goto bad;
  for (;;) {
    /* each byte written must leave room for the final zero */
    if (o >= DNS_NAME_MAX - 1)
      goto bad;
    label = o++;
    while (i < len && text[i] != '.') {
      c = (unsigned char)text[i++];
      if (c == '\\') {
        if (i >= len)
          goto bad;
        if (text[i] >= '0' && text[i] <= '9') {
          if (len - i < 3)
            goto bad;
          if (text[i + 1] < '0' || text[i + 1] > '9'
              || text[i + 2] < '0' || text[i + 2] > '9')
            goto bad;
          value = (unsigned int)(text[i] - '0') * 100
                  + (unsigned int)(text[i + 1] - '0') * 10
                  + (unsigned int)(text[i + 2] - '0');
          if (value > 255)
            goto bad;
          c = (unsigned char)value;
          i += 3;
        } else
          c = (unsigned char)text[i++];
      }
      if (o - label > 63 || o >= DNS_NAME_MAX - 1)
        goto bad;
      out[o++] = (char)c;
    }
    if (o - label == 1)
      goto bad;               /* empty label */
    out[label] = (char)(o - label - 1);
    if (i == len)
      break;
    ++i;                      /* the dot */
    if (i == len)
      break;                  /* a final dot */
  }
  out[o++] = 0;
  return o;
bad:
  errno = EINVAL;
  return 0;
}

size_t
dns_name_totext(char *out, const char *name)
{
  const unsigned char *p = (const unsigned char *)name;
  size_t o = 0;
  unsigned int n;
  unsigned char c;

  if (!*p) {
    out[0] = '.';
    out[1] = 0;
    return 1;
  }
  while ((n = *p++)) {
    if (o)
      out[o++] = '.';
    while (n--) {
      c = *p++;
      if (plain_byte(c))
        out[o++] = (char)c;
      else {
        out[o++] = '\\';
        out[o++] = (char)('0' + c / 100);
        out[o++] = (char)('0' + c / 10 % 10);
        out[o++] = (char)('0' + c % 10);
      }
    }
  }
  out[o] = 0;
  return o;
}

size_t
dns_name_length(const char *name)
{
  const unsigned char *p = (const unsigned char *)name;
  size_t len = 0;

  while (p[len])
    len += 1 + p[len];
  return len + 1;
}

int
dns_name_equal(const char *a, const char *b)
{
  size_t la = dns_name_length(a);

  return la == dns_name_length(b) && case_equalb(a, b, la);
}

int
dns_query_build(stralloc *out, unsigned int id, const char *name,
                unsigned int qtype)
{
  char header[DNS_HEADER_LEN] = { 0 };
  char tail[4];

  header[0] = (char)(id >> 8 & 0xff);
  header[1] = (char)(id & 0xff);
  header[2] = 0x01;           /* RD: recursion desired */
  header[5] = 1;              /* QDCOUNT */
  tail[0] = (char)(qtype >> 8 & 0xff);
  tail[1] = (char)(qtype & 0xff);
  tail[2] = 0;
  tail[3] = DNS_C_IN;
  return stralloc_copyb(out, header, sizeof header)
         && stralloc_catb(out, name, dns_name_length(name))
         && stralloc_catb(out, tail, sizeof tail);
}

size_t
dns_packet_name(const char *pkt, size_t len, size_t pos, char *name)
{
  const unsigned char *p = (const unsigned char *)pkt;
  size_t o = 0, after = 0, target;
  unsigned int jumps = 0, c;

  for (;;) {
    if (pos >= len)
      return malformed();
    c = p[pos];
    if ((c & 0xc0) == 0xc0) {
      if (len - pos < 2)
        return malformed();
      target = (size_t)(c & 0x3f) << 8 | p[pos + 1];
      if (target >= pos || target < DNS_HEADER_LEN || ++jumps > DNS_JUMPS_MAX)
        return malformed();
      if (!after)
        after = pos + 2;
      pos = target;
      continue;
    }
    if (c & 0xc0)
      return malformed();     /* 0x40 and 0x80: extended and reserved */
    if (!c) {
      name[o] = 0;
      return after ? after : pos + 1;
    }
    if (len - pos - 1 < c || o + 1 + c >= DNS_NAME_MAX)
      return malformed();
    memcpy(name + o, pkt + pos, 1 + c);
    o += 1 + c;
    pos += 1 + c;
  }
}

size_t
dns_packet_rr(const char *pkt, size_t len, size_t pos, struct dns_rr *rr)
{
  const unsigned char *p = (const unsigned char *)pkt;

  pos = dns_packet_name(pkt, len, pos, rr->owner);
  if (!pos)
    return 0;
  if (len - pos < 10)
    return malformed();
  rr->type = get16(p + pos);
  rr->class = get16(p + pos + 2);
  rr->ttl = get32(p + pos + 4);
  rr->rdlen = get16(p + pos + 8);
  pos += 10;
  if (len - pos < rr->rdlen)
    return malformed();
  rr->rdata = pos;
  return pos + rr->rdlen;
}

/* The question at pkt[12]: its name, type and class; the position
 * after it, or 0. */
static size_t
question(const char *pkt, size_t len, char *name, unsigned int *type,
         unsigned int *class)
{
  const unsigned char *p = (const unsigned char *)pkt;
  size_t pos;

  if (len < DNS_HEADER_LEN)
    return malformed();
  pos = dns_packet_name(pkt, len, DNS_HEADER_LEN, name);
  if (!pos)
    return 0;
  if (len - pos < 4)
    return malformed();
  *type = get16(p + pos);
  *class = get16(p + pos + 2);
  return pos + 4;
}

int
dns_reply_matches(const char *reply, size_t len, const char *query,
                  size_t querylen)
{
  const unsigned char *r = (const unsigned char *)reply;
  char rname[DNS_NAME_MAX], qname[DNS_NAME_MAX];
  unsigned int rtype, rclass, qtype, qclass;

  if (len < DNS_HEADER_LEN || querylen < DNS_HEADER_LEN)
    return 0;
  if (r[0] != (unsigned char)query[0] || r[1] != (unsigned char)query[1])
    return 0;
  if (!(r[2] & 0x80) || (r[2] >> 3 & 0x0f) != 0)
    return 0;
  if (get16(r + 4) != 1)
    return 0;
  if (!question(reply, len, rname, &rtype, &rclass)
      || !question(query, querylen, qname, &qtype, &qclass))
    return 0;
  return rtype == qtype && rclass == qclass && dns_name_equal(rname, qname);
}

unsigned int
dns_reply_rcode(const char *reply)
{
  return (unsigned char)reply[3] & 0x0f;
}

int
dns_reply_truncated(const char *reply)
{
  return ((unsigned char)reply[2] & 0x02) != 0;
}

/* The name that fills the record data from offset skip to its end
 * exactly; 1, or 0 with errno EPROTO. */
static int
rdata_name(const char *pkt, size_t len, const struct dns_rr *rr, size_t skip,
           char *name)
{
  size_t end;

  if (rr->rdlen <= skip)
    return malformed();
  end = dns_packet_name(pkt, len, rr->rdata + skip, name);
  if (!end)
    return 0;
  if (end != rr->rdata + rr->rdlen)
    return malformed();
  return 1;
}

static int
append_entry(struct dns_answer *answer, const char *a, size_t alen,
             const char *b, size_t blen)
{
  char size[2];

  if (alen + blen > 0xffff)
    return malformed();
  size[0] = (char)((alen + blen) >> 8);
  size[1] = (char)((alen + blen) & 0xff);
  if (!stralloc_catb(&answer->records, size, 2)
      || !stralloc_catb(&answer->records, a, alen)
      || !stralloc_catb(&answer->records, b, blen))
    return 0;
  ++answer->count;
  return 1;
}

static int
append_txt(struct dns_answer *answer, const char *pkt,
           const struct dns_rr *rr)
{
  const unsigned char *p = (const unsigned char *)pkt;
  size_t pos = rr->rdata, end = rr->rdata + rr->rdlen, start, n;
  char size[2];

  start = answer->records.len;
  if (!stralloc_catb(&answer->records, "\0\0", 2))
    return 0;
  while (pos < end) {
    n = p[pos++];
    if (end - pos < n) {
      answer->records.len = start;
      return malformed();
    }
    if (!stralloc_catb(&answer->records, pkt + pos, n)) {
      answer->records.len = start;
      return 0;
    }
    pos += n;
  }
  n = answer->records.len - start - 2;
  size[0] = (char)(n >> 8);
  size[1] = (char)(n & 0xff);
  memcpy(answer->records.s + start, size, 2);
  ++answer->count;
  return 1;
}

static int
append_record(struct dns_answer *answer, const char *pkt, size_t len,
              const struct dns_rr *rr)
{
  char name[DNS_NAME_MAX];

  switch (rr->type) {
  case DNS_T_A:
    if (rr->rdlen != 4)
      return malformed();
    return append_entry(answer, pkt + rr->rdata, 4, 0, 0);
  case DNS_T_AAAA:
    if (rr->rdlen != 16)
      return malformed();
    return append_entry(answer, pkt + rr->rdata, 16, 0, 0);
  case DNS_T_CNAME:
  case DNS_T_PTR:
  case DNS_T_NS:
    if (!rdata_name(pkt, len, rr, 0, name))
      return 0;
    return append_entry(answer, name, dns_name_length(name), 0, 0);
  case DNS_T_MX:
    if (!rdata_name(pkt, len, rr, 2, name))
      return 0;
    return append_entry(answer, pkt + rr->rdata, 2, name,
                        dns_name_length(name));
  case DNS_T_TXT:
    return append_txt(answer, pkt, rr);
  default:
    return append_entry(answer, pkt + rr->rdata, rr->rdlen, 0, 0);
  }
}

int
dns_answer_parse(struct dns_answer *answer, const char *reply, size_t len,
                 const char *qname, unsigned int qtype, unsigned int maxhops)
{
  const unsigned char *p = (const unsigned char *)reply;
  char target[DNS_NAME_MAX];
  struct dns_rr rr;
  unsigned int qdcount, ancount, i;
  size_t start, pos;
  int have_cname;

  answer->records.len = 0;
  answer->count = 0;
  answer->hops = 0;
  answer->chain.len = 0;
  memcpy(answer->name, qname, dns_name_length(qname));
  if (len < DNS_HEADER_LEN)
    return malformed();
  qdcount = get16(p + 4);
  ancount = get16(p + 6);
  start = DNS_HEADER_LEN;
  for (i = 0; i < qdcount; ++i) {
    start = dns_packet_name(reply, len, start, target);
    if (!start)
      return 0;
    if (len - start < 4)
      return malformed();
    start += 4;
  }
  for (;;) {
    have_cname = 0;
    pos = start;
    for (i = 0; i < ancount; ++i) {
      pos = dns_packet_rr(reply, len, pos, &rr);
      if (!pos)
        goto fail;
      if (rr.class != DNS_C_IN || !dns_name_equal(rr.owner, answer->name))
        continue;
      if (rr.type == qtype) {
        if (!append_record(answer, reply, len, &rr))
          goto fail;
      } else if (rr.type == DNS_T_CNAME && qtype != DNS_T_CNAME
                 && !have_cname) {
        if (!rdata_name(reply, len, &rr, 0, target))
          goto fail;
        have_cname = 1;
      }
    }
    if (answer->count || !have_cname)
      return 1;
    if (answer->hops >= maxhops) {
      errno = ELOOP;
      return 0;
    }
    if (!stralloc_catb(&answer->chain, target, dns_name_length(target)))
      return 0;
    ++answer->hops;
    memcpy(answer->name, target, dns_name_length(target));
  }
fail:
  answer->records.len = 0;
  answer->count = 0;
  return 0;
}

int
dns_answer_next(const struct dns_answer *answer, size_t *pos,
                const char **data, size_t *len)
{
  const unsigned char *p = (const unsigned char *)answer->records.s;
  size_t n;

  if (*pos + 2 > answer->records.len)
    return 0;
  n = get16(p + *pos);
  *data = answer->records.s + *pos + 2;
  *len = n;
  *pos += 2 + n;
  return 1;
}

void
dns_answer_free(struct dns_answer *answer)
{
  stralloc_free(&answer->records);
  stralloc_free(&answer->chain);
  answer->count = 0;
  answer->hops = 0;
}
