/* Unit tests for the DNS stub resolver's wire format, result lists and
 * configuration parsing: hand-made packets with compression loops,
 * pointers out of bounds, truncated records, wrong lengths and huge
 * counts, plus random and mutated packets, and the fuzzer's regression
 * inputs (tests/fuzz/regress/dns/). */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "dns.h"
#include "dns_packet.h"
#include "readfile.h"
#include "stralloc.h"
#include "unit.h"

/* --- a packet builder ------------------------------------------------------ */

static unsigned char pkt[4096];
static size_t pktlen;

static void
put8(unsigned int v)
{
  pkt[pktlen++] = (unsigned char)v;
}

static void
put16(unsigned int v)
{
  put8(v >> 8 & 0xff);
  put8(v & 0xff);
}

static void
put32(unsigned long v)
{
  put16((unsigned int)(v >> 16));
  put16((unsigned int)(v & 0xffff));
}

static void
putbytes(const char *s, size_t n)
{
  memcpy(pkt + pktlen, s, n);
  pktlen += n;
}

/* A name in dotted form, uncompressed; "" is the root. */
static void
putname(const char *dotted)
{
  const char *dot;
  size_t n;

  while (*dotted) {
    dot = strchr(dotted, '.');
    n = dot ? (size_t)(dot - dotted) : strlen(dotted);
    put8((unsigned int)n);
    putbytes(dotted, n);
    dotted += n;
    if (*dotted)
      ++dotted;
  }
  put8(0);
}

static void
putptr(unsigned int offset)
{
  put16(0xc000 | offset);
}

static void
header(unsigned int id, unsigned int flags, unsigned int qd, unsigned int an)
{
  pktlen = 0;
  put16(id);
  put16(flags);
  put16(qd);
  put16(an);
  put16(0);
  put16(0);
}

/* A reply header and the question name/type; the name is at offset 12. */
static void
reply_start(const char *name, unsigned int qtype, unsigned int an)
{
  header(0x1234, 0x8180, 1, an);
  putname(name);
  put16(qtype);
  put16(DNS_C_IN);
}

/* A record owned by the name at offset 12 (a pointer to the question). */
static void
rr_start(unsigned int type, unsigned int rdlen)
{
  putptr(12);
  put16(type);
  put16(DNS_C_IN);
  put32(3600);
  put16(rdlen);
}

static void
rr_a(const char *ip4)
{
  rr_start(DNS_T_A, 4);
  putbytes(ip4, 4);
}

static const char *
text_of(const char *wire)
{
  static char text[DNS_NAME_TEXTMAX];

  dns_name_totext(text, wire);
  return text;
}

static char qname[DNS_NAME_MAX];

static const char *
wire_of(const char *text)
{
  if (!dns_name_fromtext(qname, text, strlen(text)))
    strcpy(qname, "");
  return qname;
}

static int
parse(struct dns_answer *answer, const char *name, unsigned int qtype)
{
  return dns_answer_parse(answer, (const char *)pkt, pktlen, wire_of(name),
                          qtype, DNS_CNAME_MAX);
}

/* --- names -------------------------------------------------------------------- */

static void
test_name_text(void)
{
  char wire[DNS_NAME_MAX], text[DNS_NAME_TEXTMAX];
  char long_name[300];
  size_t n;

  n = dns_name_fromtext(wire, "Mail.Example.ORG", 16);
  CHECK_MEM(wire, n, "\4Mail\7Example\3ORG", 18);
  CHECK(dns_name_fromtext(wire, "example.org.", 12) == 13);
  CHECK(dns_name_fromtext(wire, ".", 1) == 1 && wire[0] == 0);
  CHECK_STR(text_of(wire), ".");
  errno = 0;
  CHECK(dns_name_fromtext(wire, "", 0) == 0 && errno == EINVAL);
  CHECK(dns_name_fromtext(wire, "a..b", 4) == 0);
  CHECK(dns_name_fromtext(wire, ".a", 2) == 0);
  CHECK(dns_name_fromtext(wire, "a.b..", 5) == 0);
  /* 63-byte labels are fine, 64 are not */
  memset(long_name, 'x', 64);
  CHECK(dns_name_fromtext(wire, long_name, 63) == 65);
  CHECK(dns_name_fromtext(wire, long_name, 64) == 0);
  /* 255 bytes of wire form at most, so 253 of text */
  memset(long_name, 'y', sizeof long_name);
  long_name[63] = long_name[127] = long_name[191] = '.';
  CHECK(dns_name_fromtext(wire, long_name, 252) == 254);
  CHECK(dns_name_fromtext(wire, long_name, 253) == 255);
  CHECK(dns_name_fromtext(wire, long_name, 254) == 0);
  long_name[253] = '.';
  CHECK(dns_name_fromtext(wire, long_name, 254) == 255);
  /* escapes */
  n = dns_name_fromtext(wire, "a\\046b.c\\\\d", 11);
  CHECK_MEM(wire, n, "\3a.b\3c\\d", 9);
  dns_name_totext(text, wire);
  CHECK_STR(text, "a\\046b.c\\092d");
  CHECK(dns_name_fromtext(wire, text, strlen(text)) == 9);
  CHECK_MEM(wire, 9, "\3a.b\3c\\d", 9);
  CHECK(dns_name_fromtext(wire, "a\\256", 5) == 0);
  CHECK(dns_name_fromtext(wire, "a\\25", 4) == 0);
  CHECK(dns_name_fromtext(wire, "a\\2x5", 5) == 0);
  CHECK(dns_name_fromtext(wire, "a\\", 2) == 0);
  /* control bytes never come out raw */
  CHECK_STR(text_of("\3a\n\0\0"), "a\\010\\000");
}

static void
test_name_equal(void)
{
  CHECK(dns_name_equal("\4MAIL\4test", "\4mail\4TEST"));
  CHECK(!dns_name_equal("\4mail\4test", "\4mail\5tests"));
  CHECK(!dns_name_equal("\4mail\4test", "\4mail"));
  CHECK(dns_name_length("\4mail\4test") == 11);
  CHECK(dns_name_length("") == 1);
}

static void
test_query_build(void)
{
  stralloc q = STRALLOC_ZERO;

  CHECK(dns_query_build(&q, 0xbeef, wire_of("mx.test"), DNS_T_MX));
  CHECK_MEM(q.s, q.len, "\xbe\xef\1\0\0\1\0\0\0\0\0\0\2mx\4test\0\0\x0f\0\1", 25);
  stralloc_free(&q);
}

/* --- reading names from packets -------------------------------------------------- */

static void
test_packet_name(void)
{
  char name[DNS_NAME_MAX];
  size_t end;

  reply_start("a.test", DNS_T_A, 0);
  /* offset 24: "www" then a pointer to offset 12 */
  put8(3);
  putbytes("www", 3);
  putptr(12);
  end = dns_packet_name((char *)pkt, pktlen, 24, name);
  CHECK(end == 30);
  CHECK_STR(text_of(name), "www.a.test");
  /* a pointer to a pointer */
  putptr(24);
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 32);
  CHECK_STR(text_of(name), "www.a.test");

  /* a pointer to itself */
  pktlen = 30;
  putptr(30);
  errno = 0;
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0 && errno == EPROTO);
  /* forward pointers are refused, even to a good name */
  pktlen = 30;
  putptr(34);
  putname("x");
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0);
  /* a pointer past the end, into the header, or cut in half */
  pktlen = 30;
  putptr(0x3fff);
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0);
  pktlen = 30;
  putptr(4);
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0);
  pktlen = 30;
  put8(0xc0);
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0);
  /* reserved label types */
  pktlen = 30;
  put8(0x41);
  put8('a');
  put8(0);
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0);
  pktlen = 30;
  put8(0x81);
  put8('a');
  put8(0);
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0);
  /* a label running past the end, no final zero */
  pktlen = 30;
  put8(10);
  putbytes("abc", 3);
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0);
  pktlen = 30;
  put8(3);
  putbytes("abc", 3);
  CHECK(dns_packet_name((char *)pkt, pktlen, 30, name) == 0);
  CHECK(dns_packet_name((char *)pkt, pktlen, pktlen, name) == 0);
}

/* Backward pointers whose labels swallow the pointer that led there:
 * every round adds a label, so the walk ends at 255 bytes. */
static void
test_packet_name_label_loop(void)
{
  char name[DNS_NAME_MAX];

  header(1, 0x8180, 0, 0);
  /* 12: label of 3 bytes covering 13..15, then at 16 a pointer to 12 */
  put8(3);
  putbytes("abc", 3);
  putptr(12);
  errno = 0;
  CHECK(dns_packet_name((char *)pkt, pktlen, 16, name) == 0 && errno == EPROTO);
  CHECK(dns_packet_name((char *)pkt, pktlen, 12, name) == 0);
  /* a name of exactly 255 bytes through pointers is fine, 257 is not */
  header(1, 0x8180, 0, 0);
  put8(63);
  memset(pkt + pktlen, 'q', 63);
  pktlen += 63;
  put8(0);                    /* 12: one label, 65 bytes */
  put8(63);
  memset(pkt + pktlen, 'r', 63);
  pktlen += 63;
  putptr(12);                 /* 77: two labels, 129 */
  put8(63);
  memset(pkt + pktlen, 's', 63);
  pktlen += 63;
  putptr(77);                 /* 143: three, 193 */
  put8(61);
  memset(pkt + pktlen, 't', 61);
  pktlen += 61;
  putptr(143);                /* 209: four, 255 */
  put8(62);
  memset(pkt + pktlen, 'u', 62);
  pktlen += 62;
  putptr(143);                /* 273: four, 256: too long */
  CHECK(dns_packet_name((char *)pkt, pktlen, 209, name) == 273);
  CHECK(dns_name_length(name) == 255);
  CHECK(dns_packet_name((char *)pkt, pktlen, 273, name) == 0);
}

/* --- matching replies to queries ---------------------------------------------------- */

static void
test_reply_matches(void)
{
  stralloc q = STRALLOC_ZERO;

  CHECK(dns_query_build(&q, 0x1234, wire_of("a.test"), DNS_T_A));
  reply_start("a.test", DNS_T_A, 0);
  CHECK(dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("A.TEST", DNS_T_A, 0);
  CHECK(dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("b.test", DNS_T_A, 0);
  CHECK(!dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("a.test", DNS_T_AAAA, 0);
  CHECK(!dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("a.test", DNS_T_A, 0);
  pkt[pktlen - 1] = 3;        /* class CH */
  CHECK(!dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("a.test", DNS_T_A, 0);
  pkt[1] = 0x35;              /* id */
  CHECK(!dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("a.test", DNS_T_A, 0);
  pkt[2] = 0x01;              /* a query, not a response */
  CHECK(!dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("a.test", DNS_T_A, 0);
  pkt[2] = 0x80 | 2 << 3;     /* opcode STATUS */
  CHECK(!dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("a.test", DNS_T_A, 0);
  pkt[5] = 2;                 /* two questions */
  CHECK(!dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  pkt[5] = 0;
  CHECK(!dns_reply_matches((char *)pkt, pktlen, q.s, q.len));
  reply_start("a.test", DNS_T_A, 0);
  CHECK(!dns_reply_matches((char *)pkt, pktlen - 1, q.s, q.len));
  CHECK(!dns_reply_matches((char *)pkt, 11, q.s, q.len));
  CHECK(!dns_reply_matches((char *)pkt, 0, q.s, q.len));
  /* truncation and rcode */
  reply_start("a.test", DNS_T_A, 0);
  pkt[2] |= 0x02;
  pkt[3] = (pkt[3] & 0xf0) | DNS_RCODE_NXDOMAIN;
  CHECK(dns_reply_truncated((char *)pkt));
  CHECK(dns_reply_rcode((char *)pkt) == DNS_RCODE_NXDOMAIN);
  stralloc_free(&q);
}

/* --- answers ------------------------------------------------------------------------- */

static void
test_answer_a(void)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  struct dns_iplist ips = DNS_IPLIST_ZERO;

  reply_start("a.test", DNS_T_A, 3);
  rr_a("\300\0\2\1");
  /* another owner, another class: skipped */
  putname("b.test");
  put16(DNS_T_A);
  put16(DNS_C_IN);
  put32(60);
  put16(4);
  putbytes("\300\0\2\2", 4);
  putptr(12);
  put16(DNS_T_A);
  put16(3);
  put32(60);
  put16(4);
  putbytes("\300\0\2\3", 4);
  CHECK(parse(&answer, "a.test", DNS_T_A) == 1);
  CHECK(answer.count == 1 && answer.hops == 0);
  CHECK(dns_answer_ips(&ips, &answer, AF_INET));
  CHECK(ips.len == 1 && !memcmp(ips.ip[0].ip, "\300\0\2\1", 4));
  /* NODATA: nothing of that type */
  CHECK(parse(&answer, "a.test", DNS_T_AAAA) == 1 && answer.count == 0);
  dns_answer_free(&answer);
  dns_iplist_free(&ips);
}

static void
test_answer_cname_chain(void)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;

  /* a.test -> b.test -> c.test, A of c.test listed first */
  reply_start("a.test", DNS_T_A, 3);
  putname("c.test");          /* 24 */
  put16(DNS_T_A);
  put16(DNS_C_IN);
  put32(60);
  put16(4);
  putbytes("\300\0\2\7", 4);
  putname("b.test");          /* 46 */
  put16(DNS_T_CNAME);
  put16(DNS_C_IN);
  put32(60);
  put16(2);
  putptr(24);
  rr_start(DNS_T_CNAME, 2);
  putptr(46);
  CHECK(parse(&answer, "a.test", DNS_T_A) == 1);
  CHECK(answer.count == 1 && answer.hops == 2);
  CHECK_STR(text_of(answer.name), "c.test");
  CHECK_MEM(answer.chain.s, answer.chain.len, "\1b\4test\0\1c\4test\0", 16);
  /* asked for the CNAME itself: no chasing */
  CHECK(parse(&answer, "a.test", DNS_T_CNAME) == 1);
  CHECK(answer.count == 1 && answer.hops == 0);
  /* a limit of one hop is too short */
  CHECK(dns_answer_parse(&answer, (char *)pkt, pktlen, wire_of("a.test"),
                         DNS_T_A, 1) == 0 && errno == ELOOP);
  dns_answer_free(&answer);
}

static void
test_answer_cname_loop(void)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;

  /* a.test -> b.test -> a.test */
  reply_start("a.test", DNS_T_A, 2);
  rr_start(DNS_T_CNAME, 8);   /* the record's data at 36 */
  putname("b.test");
  putptr(36);
  put16(DNS_T_CNAME);
  put16(DNS_C_IN);
  put32(60);
  put16(2);
  putptr(12);
  errno = 0;
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0 && errno == ELOOP);
  CHECK(answer.count == 0);
  dns_answer_free(&answer);
}

static void
test_answer_malformed(void)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;

  /* A with 3 and 5 bytes */
  reply_start("a.test", DNS_T_A, 1);
  rr_start(DNS_T_A, 3);
  putbytes("\1\2\3", 3);
  errno = 0;
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0 && errno == EPROTO);
  reply_start("a.test", DNS_T_A, 1);
  rr_start(DNS_T_A, 5);
  putbytes("\1\2\3\4\5", 5);
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0);
  /* AAAA with 4 */
  reply_start("a.test", DNS_T_AAAA, 1);
  rr_start(DNS_T_AAAA, 4);
  putbytes("\1\2\3\4", 4);
  CHECK(parse(&answer, "a.test", DNS_T_AAAA) == 0);
  /* rdlength past the end of the packet */
  reply_start("a.test", DNS_T_A, 1);
  rr_start(DNS_T_A, 200);
  putbytes("\1\2\3\4", 4);
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0 && errno == EPROTO);
  /* a record header cut short */
  reply_start("a.test", DNS_T_A, 1);
  putptr(12);
  put16(DNS_T_A);
  put16(DNS_C_IN);
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0);
  /* more records announced than present, even after good ones */
  reply_start("a.test", DNS_T_A, 0xffff);
  rr_a("\1\2\3\4");
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0 && answer.count == 0);
  /* 65535 questions */
  reply_start("a.test", DNS_T_A, 1);
  pkt[4] = pkt[5] = 0xff;
  rr_a("\1\2\3\4");
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0);
  /* a packet shorter than a header */
  CHECK(dns_answer_parse(&answer, (char *)pkt, 5, wire_of("a.test"), DNS_T_A,
                         8) == 0);
  /* a CNAME whose name does not fill its data, or overruns it */
  reply_start("a.test", DNS_T_A, 1);
  rr_start(DNS_T_CNAME, 4);
  putptr(12);
  put16(0);
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0);
  reply_start("a.test", DNS_T_A, 2);
  rr_start(DNS_T_CNAME, 1);
  putname("b");
  rr_a("\1\2\3\4");
  CHECK(parse(&answer, "a.test", DNS_T_A) == 0);
  /* MX with no room for a name */
  reply_start("a.test", DNS_T_MX, 1);
  rr_start(DNS_T_MX, 2);
  put16(10);
  CHECK(parse(&answer, "a.test", DNS_T_MX) == 0);
  /* TXT whose string runs past the record */
  reply_start("a.test", DNS_T_TXT, 1);
  rr_start(DNS_T_TXT, 4);
  put8(5);
  putbytes("abc", 3);
  put16(0);
  CHECK(parse(&answer, "a.test", DNS_T_TXT) == 0);
  dns_answer_free(&answer);
}

static void
test_answer_mx(void)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  struct dns_mxlist mxs = DNS_MXLIST_ZERO;
  int i, first_b = 0, first_c = 0;

  reply_start("m.test", DNS_T_MX, 4);
  rr_start(DNS_T_MX, 2 + 4);  /* 20 b.m.test, name at 38 */
  put16(20);
  put8(1);
  put8('b');
  putptr(12);
  rr_start(DNS_T_MX, 2 + 3);
  put16(5);
  put8(1);
  put8('a');
  put8(0);
  rr_start(DNS_T_MX, 2 + 4);
  put16(20);
  put8(1);
  put8('c');
  putptr(12);
  rr_start(DNS_T_MX, 2 + 2);
  put16(30);
  putptr(38);
  CHECK(parse(&answer, "m.test", DNS_T_MX) == 1 && answer.count == 4);
  for (i = 0; i < 64; ++i) {
    mxs.len = 0;
    mxs.names.len = 0;
    CHECK(dns_answer_mxs(&mxs, &answer));
    CHECK(mxs.len == 4);
    if (mxs.len != 4)
      break;
    CHECK(mxs.mx[0].pref == 5 && !strcmp(mxs.mx[0].name, "a"));
    CHECK(mxs.mx[1].pref == 20 && mxs.mx[2].pref == 20);
    CHECK(mxs.mx[3].pref == 30 && !strcmp(mxs.mx[3].name, "b.m.test"));
    first_b += !strcmp(mxs.mx[1].name, "b.m.test");
    first_c += !strcmp(mxs.mx[1].name, "c.m.test");
  }
  /* equal preferences in both orders (a chance of 2^-63 to fail) */
  CHECK(first_b > 0 && first_c > 0 && first_b + first_c == 64);
  dns_answer_free(&answer);
  dns_mxlist_free(&mxs);
}

static void
test_answer_txt_ptr(void)
{
  struct dns_answer answer = DNS_ANSWER_ZERO;
  struct dns_strlist list = DNS_STRLIST_ZERO;

  reply_start("t.test", DNS_T_TXT, 2);
  rr_start(DNS_T_TXT, 9);
  put8(3);
  putbytes("abc", 3);
  put8(0);
  put8(3);
  putbytes("d\0f", 3);
  rr_start(DNS_T_TXT, 0);
  CHECK(parse(&answer, "t.test", DNS_T_TXT) == 1 && answer.count == 2);
  CHECK(dns_answer_texts(&list, &answer));
  CHECK(list.len == 2);
  CHECK_MEM(list.str[0].s, list.str[0].len, "abcd\0f", 6);
  CHECK(list.str[0].s[6] == 0);
  CHECK(list.str[1].len == 0);

  reply_start("1.2.0.192.in-addr.arpa", DNS_T_PTR, 1);
  rr_start(DNS_T_PTR, 8);
  putname("h.test");
  CHECK(parse(&answer, "1.2.0.192.in-addr.arpa", DNS_T_PTR) == 1);
  list.len = 0;
  CHECK(dns_answer_names(&list, &answer));
  CHECK(list.len == 1 && !strcmp(list.str[0].s, "h.test"));
  dns_answer_free(&answer);
  dns_strlist_free(&list);
}

/* --- addresses and reverse names -------------------------------------------------------- */

static void
test_ip(void)
{
  struct dns_ip ip;
  char text[DNS_IP_FMT], name[DNS_NAME_MAX];

  CHECK(dns_ip_scan(&ip, "192.0.2.10") && ip.family == AF_INET);
  dns_ip_fmt(text, &ip);
  CHECK_STR(text, "192.0.2.10");
  dns_ptr_name(name, &ip);
  CHECK_STR(text_of(name), "10.2.0.192.in-addr.arpa");
  CHECK(dns_ip_scan(&ip, "2001:db8::1") && ip.family == AF_INET6);
  dns_ip_fmt(text, &ip);
  CHECK_STR(text, "2001:db8::1");
  dns_ptr_name(name, &ip);
  CHECK_STR(text_of(name), "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0"
            ".8.b.d.0.1.0.0.2.ip6.arpa");
  CHECK(dns_name_length(name) == 64 + 4 + 5 + 1);
  CHECK(!dns_ip_scan(&ip, "300.1.1.1") && errno == EINVAL);
  CHECK(!dns_ip_scan(&ip, "mail.test"));
  ip.family = 0;
  dns_ip_fmt(text, &ip);
  CHECK_STR(text, "?");
}

static void
test_strerror(void)
{
  CHECK(strstr(dns_strerror(ENOENT), "NXDOMAIN") != 0);
  CHECK(strstr(dns_strerror(DNS_ENODATA), "NODATA") != 0);
  CHECK(strstr(dns_strerror(EAGAIN), "SERVFAIL") != 0);
  CHECK(strstr(dns_strerror(EACCES), "REFUSED") != 0);
  CHECK(strstr(dns_strerror(ETIMEDOUT), "timeout") != 0);
  CHECK(strstr(dns_strerror(EPERM), "null MX") != 0);
}

static void
test_random(void)
{
  unsigned char a[16], b[16];

  CHECK(dns_random(a, sizeof a) && dns_random(b, sizeof b));
  CHECK(memcmp(a, b, sizeof a) != 0);
}

/* --- configuration -------------------------------------------------------------------- */

static void
test_server_scan(void)
{
  struct dns_server s;

  CHECK(dns_server_scan(&s, "192.0.2.53", strlen("192.0.2.53")));
  CHECK(s.addr.family == AF_INET && s.port == 53 && s.addr.ip[3] == 53);
  CHECK(dns_server_scan(&s, "127.0.0.1:5353", strlen("127.0.0.1:5353")) && s.port == 5353);
  CHECK(dns_server_scan(&s, "::1", strlen("::1")) && s.addr.family == AF_INET6 && s.port == 53);
  CHECK(dns_server_scan(&s, "[::1]:5353", strlen("[::1]:5353")) && s.addr.family == AF_INET6
        && s.port == 5353 && s.addr.ip[15] == 1);
  CHECK(dns_server_scan(&s, "[2001:db8::1]", strlen("[2001:db8::1]")) && s.port == 53);
  CHECK(dns_server_scan(&s, "fe80::1%7", strlen("fe80::1%7")) && s.scope == 7);
  CHECK(dns_server_scan(&s, "[fe80::1%3]:54", strlen("[fe80::1%3]:54")) && s.scope == 3 && s.port == 54);
  errno = 0;
  CHECK(!dns_server_scan(&s, "127.0.0.1:0", strlen("127.0.0.1:0")) && errno == EINVAL);
  CHECK(!dns_server_scan(&s, "127.0.0.1:65536", strlen("127.0.0.1:65536")));
  CHECK(!dns_server_scan(&s, "127.0.0.1:", strlen("127.0.0.1:")));
  CHECK(!dns_server_scan(&s, "127.0.0.1:x", strlen("127.0.0.1:x")));
  CHECK(!dns_server_scan(&s, "[::1", strlen("[::1")));
  CHECK(!dns_server_scan(&s, "[::1]x", strlen("[::1]x")));
  CHECK(!dns_server_scan(&s, "300.0.0.1", strlen("300.0.0.1")));
  CHECK(!dns_server_scan(&s, "localhost", strlen("localhost")));
  CHECK(!dns_server_scan(&s, "", strlen("")));
  CHECK(!dns_server_scan(&s, "127.0.0.1%1", strlen("127.0.0.1%1")));
  CHECK(!dns_server_scan(&s, "fe80::1%no-such-interface0", strlen("fe80::1%no-such-interface0")));
}

static void
test_conf_resolv(void)
{
  struct dns_conf conf = DNS_CONF_ZERO;
  const char *text =
    "# comment\n"
    "; another\n"
    "nameserver 192.0.2.1\n"
    "nameserver\t2001:db8::53  # trailing words are ignored\n"
    "nameserver not-an-address\n"
    "nameservers 192.0.2.9\n"
    "domain first.test\n"
    "search a.test b.test\n"
    "options ndots:2 timeout:3 attempts:4 rotate\n"
    "sortlist 1.2.3.4";

  CHECK(dns_conf_resolv(&conf, text, strlen(text)));
  CHECK(conf.servers == 2);
  CHECK(conf.server[0].addr.family == AF_INET && conf.server[0].addr.ip[3] == 1);
  CHECK(conf.server[1].addr.family == AF_INET6 && conf.server[1].port == 53);
  CHECK(conf.timeout == 3 && conf.attempts == 4);
  CHECK_MEM(conf.search.s, conf.search.len, "a.test\0b.test\0", 14);
  CHECK(dns_conf_options(&conf, "timeout:0 attempts:99", strlen("timeout:0 attempts:99")));
  CHECK(conf.timeout == 1 && conf.attempts == 5);
  CHECK(dns_conf_options(&conf, "timeout:999 attempts:x timeout:", strlen("timeout:999 attempts:x timeout:")));
  CHECK(conf.timeout == 30 && conf.attempts == 5);
  dns_conf_free(&conf);
}

static void
test_conf_servers(void)
{
  struct dns_conf conf = DNS_CONF_ZERO;
  const char *text;
  char many[40 * 20];
  size_t n = 0;
  int i;

  text = "127.0.0.1:5353, [::1]:5354\n# x y\n\n192.0.2.1";
  CHECK(dns_conf_servers(&conf, text, strlen(text)));
  CHECK(conf.servers == 3);
  CHECK(conf.server[0].port == 5353 && conf.server[1].port == 5354
        && conf.server[2].port == 53);
  /* nothing named: the servers stay */
  text = " # only a comment\n";
  CHECK(dns_conf_servers(&conf, text, strlen(text)) && conf.servers == 3);
  /* one bad entry refuses the whole list, keeping the old one */
  errno = 0;
  text = "127.0.0.2 bogus";
  CHECK(!dns_conf_servers(&conf, text, strlen(text)) && errno == EINVAL);
  CHECK(conf.servers == 3 && conf.server[0].port == 5353);
  /* at most DNS_SERVERS_MAX are kept */
  for (i = 0; i < 40; ++i)
    n += (size_t)sprintf(many + n, "127.0.0.%d ", i + 1);
  CHECK(dns_conf_servers(&conf, many, n) && conf.servers == DNS_SERVERS_MAX);
  CHECK(conf.server[DNS_SERVERS_MAX - 1].addr.ip[3] == DNS_SERVERS_MAX);
  dns_conf_free(&conf);
}

/* --- hostile input ------------------------------------------------------------------- */

static void
all_parsers(const char *p, size_t len)
{
  static const unsigned int types[] = {
    DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_CNAME, DNS_T_PTR, DNS_T_TXT, 99
  };
  struct dns_answer answer = DNS_ANSWER_ZERO;
  struct dns_iplist ips = DNS_IPLIST_ZERO;
  struct dns_mxlist mxs = DNS_MXLIST_ZERO;
  struct dns_strlist strs = DNS_STRLIST_ZERO;
  stralloc query = STRALLOC_ZERO;
  char name[DNS_NAME_MAX];
  size_t i;

  if (!dns_packet_name(p, len, DNS_HEADER_LEN, name))
    memcpy(name, "\1a\4test", 8);
  for (i = 0; i < sizeof types / sizeof types[0]; ++i) {
    if (dns_query_build(&query, len >= 2 ? (unsigned char)p[0] << 8
                                           | (unsigned char)p[1] : 0,
                        name, types[i]))
      (void)dns_reply_matches(p, len, query.s, query.len);
    if (dns_answer_parse(&answer, p, len, name, types[i], DNS_CNAME_MAX)) {
      if (types[i] == DNS_T_A)
        dns_answer_ips(&ips, &answer, AF_INET);
      else if (types[i] == DNS_T_AAAA)
        dns_answer_ips(&ips, &answer, AF_INET6);
      else if (types[i] == DNS_T_MX)
        dns_answer_mxs(&mxs, &answer);
      else if (types[i] == DNS_T_TXT)
        dns_answer_texts(&strs, &answer);
      else if (types[i] != 99)
        dns_answer_names(&strs, &answer);
    }
  }
  dns_answer_free(&answer);
  dns_iplist_free(&ips);
  dns_mxlist_free(&mxs);
  dns_strlist_free(&strs);
  stralloc_free(&query);
}

static void
test_random_packets(void)
{
  char buf[600];
  size_t len;
  int i;

  for (i = 0; i < 20000; ++i) {
    len = unit_rand() % sizeof buf;
    unit_rand_fill(buf, len, 0);
    if (len > 4 && i % 2) {
      buf[4] = 0;
      buf[5] = 1;               /* one question: deeper into the parser */
    }
    all_parsers(buf, len);
  }
  CHECK(1);
}

/* Every seed of the fuzzer, then each with single bytes changed. */
static void
test_mutated_corpus(void)
{
  stralloc file = STRALLOC_ZERO;
  char path[512], *copy;
  struct dirent *d;
  DIR *dir;
  size_t i;
  int files = 0;

  dir = opendir("tests/fuzz/corpus/dns");
  CHECK(dir != 0);
  if (!dir)
    return;
  while ((d = readdir(dir))) {
    if (d->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "tests/fuzz/corpus/dns/%s", d->d_name);
    if (!readfile(path, &file))
      continue;
    ++files;
    all_parsers(file.s, file.len);
    copy = malloc(file.len ? file.len : 1);
    for (i = 0; copy && i < 2000; ++i) {
      memcpy(copy, file.s, file.len);
      if (file.len) {
        copy[unit_rand() % file.len] = (char)unit_rand();
        copy[unit_rand() % file.len] = (char)unit_rand();
      }
      all_parsers(copy, file.len);
      all_parsers(copy, file.len ? unit_rand() % file.len : 0);
    }
    free(copy);
  }
  closedir(dir);
  stralloc_free(&file);
  CHECK(files >= 5);
}

/* Inputs that once crashed the fuzz target must now parse cleanly. */
static void
test_fuzz_regressions(void)
{
  stralloc file = STRALLOC_ZERO;
  char path[512];
  struct dirent *d;
  DIR *dir;

  dir = opendir("tests/fuzz/regress/dns");
  if (!dir) {
    CHECK(errno == ENOENT);
    return;
  }
  while ((d = readdir(dir))) {
    if (d->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "tests/fuzz/regress/dns/%s", d->d_name);
    CHECK(readfile(path, &file));
    all_parsers(file.s, file.len);
  }
  closedir(dir);
  stralloc_free(&file);
}

int
main(void)
{
  RUN(test_name_text);
  RUN(test_name_equal);
  RUN(test_query_build);
  RUN(test_packet_name);
  RUN(test_packet_name_label_loop);
  RUN(test_reply_matches);
  RUN(test_answer_a);
  RUN(test_answer_cname_chain);
  RUN(test_answer_cname_loop);
  RUN(test_answer_malformed);
  RUN(test_answer_mx);
  RUN(test_answer_txt_ptr);
  RUN(test_ip);
  RUN(test_strerror);
  RUN(test_random);
  RUN(test_server_scan);
  RUN(test_conf_resolv);
  RUN(test_conf_servers);
  RUN(test_random_packets);
  RUN(test_mutated_corpus);
  RUN(test_fuzz_regressions);
  return unit_done();
}
