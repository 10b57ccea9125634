/* dnsprog.h -- what the DNS debugging programs (dnsip, dnsmx, dnsmxip,
 * dnsptr, dnscname, dnstxt, dnsfq) share.
 *
 * They print one result per line on standard output and explain each
 * failure on standard error as
 *     PROG: temporary failure: NAME: reason
 *     PROG: permanent failure: NAME: reason
 * Their exit code is the worst outcome of all names asked: 0 when every
 * lookup found something, 100 when one failed permanently (NXDOMAIN,
 * NODATA, a malformed name, a usage error), 111 when one failed
 * temporarily (timeout, SERVFAIL, REFUSED, a network error, a bad
 * configuration, out of memory).  See qmail-dns(7).
 *
 * dnsprog_start(prog, argc, min, usage)
 *     Set the program name for messages, exit 100 with "usage: PROG
 *     USAGE" when argc - 1 < min, and load the resolver configuration
 *     into dnsprog_conf, with HOME/control/dnsservers as the control
 *     file (HOME being the qmail home or $QMAILHOME).  Exits 111 when the
 *     configuration cannot be read.
 * dnsprog_fail(name, r)
 *     Report the failed lookup of name (r 0 permanent, -1 temporary, the
 *     reason in errno) and remember the exit code.
 * dnsprog_put(s, len), dnsprog_puts(s)
 *     Append to the current output line, unchanged.
 * dnsprog_putsafe(s, len)
 *     Append with every byte outside printable ASCII, and the backslash,
 *     written as a backslash and three decimal digits (TXT data).
 * dnsprog_putip(ip), dnsprog_putulong(n)
 * dnsprog_eol()
 *     End the line.
 * dnsprog_done()
 *     Flush standard output and return the exit code (111 when the
 *     output could not be written).
 */
#ifndef DNSPROG_H
#define DNSPROG_H

#include <stddef.h>

#include "dns.h"

extern struct dns_conf dnsprog_conf;

void dnsprog_start(const char *prog, int argc, int min, const char *usage);
void dnsprog_fail(const char *name, int r);
void dnsprog_put(const char *s, size_t len);
void dnsprog_puts(const char *s);
void dnsprog_putsafe(const char *s, size_t len);
void dnsprog_putip(const struct dns_ip *ip);
void dnsprog_putulong(unsigned long n);
void dnsprog_eol(void);
int dnsprog_done(void);

#endif
