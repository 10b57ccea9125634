/* dns.h -- the stub resolver: A, AAAA, MX, PTR, CNAME and TXT lookups.
 *
 * qmail-remote and the dns* debugging programs ask a recursive server
 * (a resolver on the machine or the provider's) and never musl's
 * resolver, which has no TCP fallback for large answers.  The wire
 * format lives in dns_packet.h; this module adds the configuration, the
 * transport and the result lists.  No global state: the caller loads a
 * struct dns_conf once and passes it to every lookup.
 *
 * Configuration (dns_conf_load).  Later sources override earlier ones:
 *   1. /etc/resolv.conf: "nameserver ADDRESS" lines (at most
 *      DNS_SERVERS_MAX are kept), "options timeout:N attempts:N" (other
 *      options are ignored; ndots and rotate mean nothing here), and
 *      "domain" / "search" (kept in conf->search for dnsfq only: mail
 *      routing never appends a search domain).  A missing file is
 *      allowed.
 *   2. $RES_OPTIONS, the same options as resolv.conf's options line
 *      (the variable glibc and musl also read).
 *   3. the control file passed to dns_conf_load (qmail-remote passes
 *      "control/dnsservers"): one server "ADDRESS[:PORT]" per line,
 *      '#' starts a comment line; when it names any server, only its
 *      servers are asked.  A missing file is allowed.
 *   4. $DNSSERVER, servers separated by spaces or commas: when set and
 *      not empty, only these are asked (for tests and debugging).
 * With no server from any source, 127.0.0.1 and ::1 (port 53) are
 * asked, as resolv.conf(5) says.  A server is "1.2.3.4", "1.2.3.4:53",
 * "::1", "[::1]:5353" or "fe80::1%eth0" (a scope by interface name or
 * number).  The defaults are timeout 5 seconds and 2 attempts; timeout
 * is capped at 30 and attempts at 5, as glibc does.
 *
 *   dns_conf_load(conf, controlfile)
 *     Fill conf from the sources above (controlfile may be null).
 *     Returns 1, or 0 with errno set when a file exists but cannot be
 *     read (EACCES, EIO, ...), a server address is malformed (EINVAL),
 *     or memory runs out.  Only ENOENT means a file is absent.
 *   dns_conf_resolv(conf, text, len)     parse resolv.conf text
 *   dns_conf_servers(conf, text, len)    replace the servers by a list
 *                                        (space, comma or line
 *                                        separated; "#..." lines skipped)
 *   dns_conf_options(conf, text, len)    apply "timeout:N attempts:N"
 *   dns_server_scan(server, text, len)   one server; 1 or 0 (EINVAL)
 *     These return 1, or 0 with errno EINVAL or ENOMEM.
 *   dns_conf_free(conf)
 *
 * Transport.  Every query gets a fresh random id (getrandom(2), or
 * /dev/urandom where that is missing; never a predictable fallback) and
 * a fresh socket, so the kernel picks a random source port.  Questions
 * go over UDP to each server in turn, waiting up to timeout seconds for
 * each, the whole round repeated attempts times; so the longest wait is
 * servers * attempts * timeout.  A datagram from another address or
 * port, with another id, or with a question other than the one asked is
 * ignored and the wait goes on.  An answer with the TC bit set is asked
 * again of the same server over TCP (same time limit).  NOERROR and
 * NXDOMAIN end the search; SERVFAIL, REFUSED, any other response code,
 * a malformed answer or a network error moves on to the next server.
 * No EDNS: answers over UDP are at most 512 bytes, larger ones come over
 * TCP.
 *
 * Lookups.  Each returns
 *    1   found: out holds at least one entry;
 *    0   permanent: the answer is final, errno says which:
 *          ENOENT       NXDOMAIN: the name does not exist
 *          DNS_ENODATA  NODATA: the name exists, without records of
 *                       that type (ENODATA where the system has it)
 *          EINVAL       the name is not a valid domain name
 *          EPERM        (dns_mx_or_address) a null MX, RFC 7505: the
 *                       domain accepts no mail
 *   -1   temporary: try again later, errno says why:
 *          ETIMEDOUT    no server answered in time
 *          EAGAIN       SERVFAIL
 *          EACCES       REFUSED
 *          EPROTO       a malformed or unexpected answer (another rcode)
 *          ELOOP        more than DNS_CNAME_MAX CNAMEs (a loop)
 *          ECONNREFUSED, ENETUNREACH, ...  the network's own errors
 *          ENOMEM
 * qmail-remote bounces on 0 and defers on -1.  The out list is replaced
 * (emptied on 0 and -1).  A CNAME chain is followed for every type but
 * CNAME, through answers and, when a server gives only part of the
 * chain, through new queries, at most DNS_CNAME_MAX CNAMEs in all; the
 * rcode of an answer that ends a chain applies to the last name (RFC
 * 6604), so a CNAME to a missing name is NXDOMAIN.
 *
 *   dns_ip4(conf, out, name)   A records
 *   dns_ip6(conf, out, name)   AAAA records
 *   dns_ip(conf, out, name)    both: the A addresses, then the AAAA ones.
 *                              1 when either has an address, even if the
 *                              other query failed; otherwise -1 when
 *                              either failed temporarily, else 0.  When
 *                              the A query says NXDOMAIN, which holds for
 *                              every type, AAAA is not asked.
 *   dns_mx(conf, out, name)    MX records sorted by preference, in random
 *                              order among equal preferences (RFC 5321
 *                              5.1); ip is unset (family 0).  A null MX is
 *                              returned as it is: one entry named ".".
 *   dns_ptr(conf, out, ip)     PTR names of an address (in-addr.arpa or
 *                              ip6.arpa)
 *   dns_cname(conf, out, name) the chain of CNAME targets, one query per
 *                              hop: out[0] is name's target, out[1] that
 *                              one's, ... 0 with ENODATA when name is no
 *                              alias; the chain may end in a missing name.
 *   dns_txt(conf, out, name)   TXT records, each one's strings joined
 *   dns_mx_or_address(conf, out, domain)
 *                              what qmail-remote connects to: one entry
 *                              per address of each MX host, hosts in the
 *                              order of dns_mx (at most DNS_MX_HOSTS
 *                              hosts are looked up), each host's A then
 *                              AAAA addresses; with no MX record
 *                              (NODATA) the domain's own addresses with
 *                              preference 0 (RFC 5321 implicit MX).
 *                              Hosts without addresses, and null MX
 *                              entries next to real ones, are skipped; 1
 *                              when any address was found, else -1 if a
 *                              host lookup failed temporarily, else 0
 *                              (errno of the last host; EPERM when the
 *                              only MX is the null MX).
 * Names in results are in the text form of dns_packet.h, NUL-terminated.
 *
 * Helpers.
 *   dns_ip_scan(ip, text)       an IPv4 or IPv6 address; 1, or 0 (EINVAL)
 *   dns_ip_fmt(out, ip)         its text form, NUL-terminated, room
 *                               DNS_IP_FMT; returns the length
 *   dns_ptr_name(name, ip)      the wire name to ask for a PTR record
 *   dns_random(buf, len)        len random bytes; 1, or 0 with errno
 *   dns_strerror(err)           a message for an errno a lookup set
 *   dns_exchange(conf, query, len, reply)
 *                               send one query as described under
 *                               Transport; 1 with a matching NOERROR or
 *                               NXDOMAIN reply, -1 with errno as above
 *   dns_resolve(conf, answer, name, qtype)
 *                               one lookup of a wire name with CNAME
 *                               chasing; 1, 0, -1 as the lookups
 *
 * Results from a parsed answer (dns_packet.h), appended to out; 1, or 0
 * with errno ENOMEM (or EPROTO for an entry of the wrong size):
 *   dns_answer_ips(out, answer, family)   A or AAAA entries
 *   dns_answer_mxs(out, answer)           MX entries, then sorted
 *   dns_answer_names(out, answer)         CNAME, PTR (text form)
 *   dns_answer_texts(out, answer)         TXT
 *   dns_mxlist_sort(list)                 by preference, shuffled ties
 *   dns_*_free(list)            release a list's memory
 */
#ifndef DNS_H
#define DNS_H

#include <errno.h>
#include <stddef.h>

#include "dns_packet.h"
#include "stralloc.h"

#ifdef ENODATA
#define DNS_ENODATA ENODATA
#else
#define DNS_ENODATA ENOMSG
#endif

#define DNS_SERVERS_MAX 16
#define DNS_CNAME_MAX 8
#define DNS_MX_HOSTS 32
#define DNS_IP_FMT 64

struct dns_ip {
  int family;                 /* AF_INET or AF_INET6; 0 for none */
  unsigned char ip[16];       /* AF_INET: the first 4 bytes */
};

struct dns_server {
  struct dns_ip addr;
  unsigned int port;
  unsigned int scope;         /* IPv6 scope (interface index) or 0 */
};

struct dns_conf {
  struct dns_server server[DNS_SERVERS_MAX];
  unsigned int servers;
  unsigned int timeout;       /* seconds per server and attempt */
  unsigned int attempts;
  stralloc search;            /* domains, each followed by NUL */
};

#define DNS_CONF_ZERO { { { { 0, { 0 } }, 0, 0 } }, 0, 5, 2, STRALLOC_ZERO }

struct dns_iplist {
  struct dns_ip *ip;
  size_t len;
  size_t a;
};

struct dns_mx {
  unsigned int pref;
  const char *name;           /* points into the list's names */
  struct dns_ip ip;           /* dns_mx_or_address only */
  size_t nameat;              /* where name starts in names (internal) */
};

struct dns_mxlist {
  struct dns_mx *mx;
  size_t len;
  size_t a;
  stralloc names;
};

/* Entry i is str[i].s[0..str[i].len), followed by a NUL byte not counted
 * in len (TXT data may itself contain NUL bytes). */
struct dns_strlist {
  stralloc *str;
  size_t len;
  size_t a;
};

#define DNS_IPLIST_ZERO { 0, 0, 0 }
#define DNS_MXLIST_ZERO { 0, 0, 0, STRALLOC_ZERO }
#define DNS_STRLIST_ZERO { 0, 0, 0 }

int dns_conf_load(struct dns_conf *conf, const char *controlfile);
int dns_conf_resolv(struct dns_conf *conf, const char *text, size_t len);
int dns_conf_servers(struct dns_conf *conf, const char *text, size_t len);
int dns_conf_options(struct dns_conf *conf, const char *text, size_t len);
int dns_server_scan(struct dns_server *server, const char *text, size_t len);
void dns_conf_free(struct dns_conf *conf);

int dns_ip4(const struct dns_conf *conf, struct dns_iplist *out,
            const char *name);
int dns_ip6(const struct dns_conf *conf, struct dns_iplist *out,
            const char *name);
int dns_ip(const struct dns_conf *conf, struct dns_iplist *out,
           const char *name);
int dns_mx(const struct dns_conf *conf, struct dns_mxlist *out,
           const char *name);
int dns_ptr(const struct dns_conf *conf, struct dns_strlist *out,
            const struct dns_ip *ip);
int dns_cname(const struct dns_conf *conf, struct dns_strlist *out,
              const char *name);
int dns_txt(const struct dns_conf *conf, struct dns_strlist *out,
            const char *name);
int dns_mx_or_address(const struct dns_conf *conf, struct dns_mxlist *out,
                      const char *domain);

int dns_ip_scan(struct dns_ip *ip, const char *text);
size_t dns_ip_fmt(char *out, const struct dns_ip *ip);
void dns_ptr_name(char *name, const struct dns_ip *ip);
int dns_random(void *buf, size_t len);
const char *dns_strerror(int err);

int dns_exchange(const struct dns_conf *conf, const char *query, size_t len,
                 stralloc *reply);
int dns_resolve(const struct dns_conf *conf, struct dns_answer *answer,
                const char *name, unsigned int qtype);

int dns_answer_ips(struct dns_iplist *out, const struct dns_answer *answer,
                   int family);
int dns_answer_mxs(struct dns_mxlist *out, const struct dns_answer *answer);
int dns_answer_names(struct dns_strlist *out,
                     const struct dns_answer *answer);
int dns_answer_texts(struct dns_strlist *out,
                     const struct dns_answer *answer);
int dns_mxlist_sort(struct dns_mxlist *list);

void dns_iplist_free(struct dns_iplist *list);
void dns_mxlist_free(struct dns_mxlist *list);
void dns_strlist_free(struct dns_strlist *list);

#endif
