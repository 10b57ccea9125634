/* fuzz_dns -- libFuzzer target for the DNS packet parser (dns_packet.h)
 * and the result lists built from it (dns.h).
 *
 * The input is taken as a reply: its question name (when it has one) is
 * used as the name asked, so that the seeds in tests/fuzz/corpus/dns/,
 * real answers captured from dnsmasq, reach the answer walk; every
 * qtype the resolver asks is tried.  Two properties are checked beyond
 * "no crash, no leak": every name the parser hands out survives the
 * text round trip unchanged, and the input read as a text name does too
 * when it is one.  Built and run by tests/integration/fuzz.sh.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "dns_packet.h"
#include "stralloc.h"

static void
check_round_trip(const char *wire)
{
  char text[DNS_NAME_TEXTMAX], again[DNS_NAME_MAX];
  size_t len = dns_name_length(wire), n;

  n = dns_name_totext(text, wire);
  if (n >= DNS_NAME_TEXTMAX || strlen(text) != n)
    abort();
  if (dns_name_fromtext(again, text, n) != len || memcmp(again, wire, len))
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const unsigned int types[] = {
    DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_CNAME, DNS_T_PTR, DNS_T_TXT, DNS_T_NS
  };
  const char *p = (const char *)data;
  struct dns_answer answer = DNS_ANSWER_ZERO;
  struct dns_iplist ips = DNS_IPLIST_ZERO;
  struct dns_mxlist mxs = DNS_MXLIST_ZERO;
  struct dns_strlist strs = DNS_STRLIST_ZERO;
  stralloc query = STRALLOC_ZERO;
  char name[DNS_NAME_MAX], textname[DNS_NAME_MAX];
  size_t i, pos;
  const char *chain;

  if (dns_packet_name(p, size, DNS_HEADER_LEN, name))
    check_round_trip(name);
  else
    memcpy(name, "\4mail\4test", 11);
  if (dns_name_fromtext(textname, p, size))
    check_round_trip(textname);
  for (i = 0; i < sizeof types / sizeof types[0]; ++i) {
    if (dns_query_build(&query, size >= 2 ? (unsigned int)data[0] << 8 | data[1]
                                          : 0, name, types[i]))
      (void)dns_reply_matches(p, size, query.s, query.len);
    if (!dns_answer_parse(&answer, p, size, name, types[i], DNS_CNAME_MAX))
      continue;
    check_round_trip(answer.name);
    for (pos = 0; pos < answer.chain.len; pos += dns_name_length(chain)) {
      chain = answer.chain.s + pos;
      check_round_trip(chain);
    }
    switch (types[i]) {
    case DNS_T_A:
      (void)dns_answer_ips(&ips, &answer, AF_INET);
      break;
    case DNS_T_AAAA:
      (void)dns_answer_ips(&ips, &answer, AF_INET6);
      break;
    case DNS_T_MX:
      mxs.len = 0;
      mxs.names.len = 0;
      if (dns_answer_mxs(&mxs, &answer))
        for (pos = 1; pos < mxs.len; ++pos)
          if (mxs.mx[pos - 1].pref > mxs.mx[pos].pref)
            abort();
      break;
    case DNS_T_TXT:
      (void)dns_answer_texts(&strs, &answer);
      break;
    default:
      (void)dns_answer_names(&strs, &answer);
      break;
    }
  }
  dns_answer_free(&answer);
  dns_iplist_free(&ips);
  dns_mxlist_free(&mxs);
  dns_strlist_free(&strs);
  stralloc_free(&query);
  return 0;
}
