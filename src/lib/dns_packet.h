/* dns_packet.h -- the DNS wire format: domain names, queries, replies.
 *
 * This is the part of the stub resolver that touches untrusted bytes,
 * kept apart from the sockets so that it can be tested with hand-made
 * packets and fuzzed.  Nothing here does I/O.  dns.h builds the lookups
 * on top of it.
 *
 * Names.  A domain name in wire form is a sequence of labels, each a
 * length byte (1..63) followed by that many bytes, ending with a zero
 * byte; the whole is at most DNS_NAME_MAX (255) bytes.  The text form
 * is the labels joined by dots, without a final dot ("." for the root).
 * In text, a byte that is not a letter, digit, '-', '_' or '*' is
 * written as a backslash and three decimal digits ("\046" for a dot
 * inside a label), the master-file convention of RFC 1035, so that any
 * wire name survives a round trip and no control byte ever reaches a
 * log line.  A text form is at most DNS_NAME_TEXTMAX bytes with its NUL.
 *
 *   dns_name_fromtext(out, text, len)
 *     The wire form of text[0..len) in out (DNS_NAME_MAX bytes of room).
 *     One final dot is allowed; "\DDD" (decimal, at most 255) and "\X"
 *     escapes are read.  Returns the wire length (> 0), or 0 with errno
 *     EINVAL for an empty name, an empty label (".." or a leading dot),
 *     a label over 63 bytes, a name over 255 bytes or a bad escape.
 *   dns_name_totext(out, name)
 *     The text form of the wire name (which must be well formed, as
 *     every name this module hands out is) in out, NUL-terminated, room
 *     DNS_NAME_TEXTMAX.  Returns its length without the NUL.
 *   dns_name_length(name)
 *     The length of a well-formed wire name, final zero byte included.
 *   dns_name_equal(a, b)
 *     1 if the wire names are equal, ignoring ASCII case, else 0.
 *
 * Queries.
 *
 *   dns_query_build(out, id, name, qtype)
 *     Replace out with a standard query (opcode QUERY, recursion
 *     desired) with message id id and one question: name (wire form),
 *     type qtype, class IN.  Returns 1, or 0 with errno ENOMEM.
 *
 * Replies.  A reply is at most 65535 bytes; every length and count in
 * it is checked against the bytes actually present, and compression
 * pointers must point strictly backwards (to an earlier byte than the
 * pointer itself), so no packet can make the parser loop or read
 * outside the packet.
 *
 *   dns_packet_name(pkt, len, pos, name)
 *     Read the possibly compressed name at pkt[pos] into name (wire
 *     form, DNS_NAME_MAX bytes of room).  Returns the position just
 *     after the name where it started (not where a pointer led), or 0
 *     with errno EPROTO when the name runs outside the packet, uses a
 *     reserved label type, a pointer that does not point backwards, or
 *     grows past 255 bytes.
 *   dns_packet_rr(pkt, len, pos, rr)
 *     Read the resource record at pkt[pos]: owner name, type, class,
 *     TTL, and the position and length of its data, which must lie
 *     inside the packet.  Returns the position after the record, or 0
 *     with errno EPROTO.
 *   dns_reply_matches(reply, len, query, querylen)
 *     1 if reply answers query: at least a full header, the same id,
 *     the response bit set, opcode QUERY, exactly one question, and
 *     that question equal to the query's (name ignoring case, type,
 *     class).  0 otherwise: the caller ignores such a packet (it may be
 *     a forgery or a late answer to an earlier query) and keeps waiting.
 *   dns_reply_rcode(reply), dns_reply_truncated(reply)
 *     The response code and the TC bit of a reply that matched.
 *
 * Answers.  dns_answer_parse() walks the answer section of a reply that
 * matched, from the question name along CNAME records (for any qtype
 * but CNAME itself) to the records of type qtype, class IN, owned by
 * the last name of the chain.  Records owned by other names and of
 * other classes are skipped.  The decoded data of each record found is
 * appended to answer->records as a two-byte big-endian length followed
 * by the data:
 *     A      4 bytes of address           AAAA   16 bytes of address
 *     CNAME  the target, wire form        PTR    the name, wire form
 *     MX     2 bytes preference (big-endian), then the exchange name
 *     TXT    the record's character-strings concatenated
 *     other  the raw record data
 * Names inside record data are uncompressed, and must end exactly at
 * the end of the record data; an A record must have 4 bytes, an AAAA
 * record 16, a TXT record whole strings: any other length makes the
 * reply malformed.
 *
 *   dns_answer_parse(answer, reply, len, qname, qtype, maxhops)
 *     Returns 1 (answer->count may be 0: the caller looks at the rcode
 *     and at answer->name), or 0 with errno EPROTO (malformed reply),
 *     ELOOP (more than maxhops CNAMEs: a loop or an over-long chain) or
 *     ENOMEM.  answer->name is the last name of the chain (qname when
 *     no CNAME was followed), answer->hops the number of CNAMEs
 *     followed, answer->chain their targets (wire names back to back).
 *   dns_answer_next(answer, &pos, &data, &len)
 *     Iterate the records: start with pos 0; returns 1 with data and
 *     len set, 0 after the last.
 *   dns_answer_free(answer)
 */
#ifndef DNS_PACKET_H
#define DNS_PACKET_H

#include <stddef.h>

#include "stralloc.h"

#define DNS_NAME_MAX 255
#define DNS_NAME_TEXTMAX 1024
#define DNS_HEADER_LEN 12
#define DNS_PACKET_MAX 65535

#define DNS_T_A 1
#define DNS_T_NS 2
#define DNS_T_CNAME 5
#define DNS_T_SOA 6
#define DNS_T_PTR 12
#define DNS_T_MX 15
#define DNS_T_TXT 16
#define DNS_T_AAAA 28
#define DNS_C_IN 1

#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

size_t dns_name_fromtext(char *out, const char *text, size_t len);
size_t dns_name_totext(char *out, const char *name);
size_t dns_name_length(const char *name);
int dns_name_equal(const char *a, const char *b);

int dns_query_build(stralloc *out, unsigned int id, const char *name,
                    unsigned int qtype);

struct dns_rr {
  char owner[DNS_NAME_MAX];
  unsigned int type;
  unsigned int class;
  unsigned long ttl;
  size_t rdata;           /* offset of the record data in the packet */
  size_t rdlen;
};

size_t dns_packet_name(const char *pkt, size_t len, size_t pos, char *name);
size_t dns_packet_rr(const char *pkt, size_t len, size_t pos,
                     struct dns_rr *rr);

int dns_reply_matches(const char *reply, size_t len, const char *query,
                      size_t querylen);
unsigned int dns_reply_rcode(const char *reply);
int dns_reply_truncated(const char *reply);

struct dns_answer {
  stralloc records;         /* 2-byte length + decoded data, repeated */
  unsigned int count;       /* number of records */
  char name[DNS_NAME_MAX];  /* last name of the CNAME chain */
  unsigned int hops;        /* CNAMEs followed */
  stralloc chain;           /* their targets, wire names back to back */
};

#define DNS_ANSWER_ZERO { STRALLOC_ZERO, 0, { 0 }, 0, STRALLOC_ZERO }

int dns_answer_parse(struct dns_answer *answer, const char *reply,
                     size_t len, const char *qname, unsigned int qtype,
                     unsigned int maxhops);
int dns_answer_next(const struct dns_answer *answer, size_t *pos,
                    const char **data, size_t *len);
void dns_answer_free(struct dns_answer *answer);

#endif
