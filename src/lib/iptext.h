/* iptext.h -- IPv4 and IPv6 addresses as text, and back.
 *
 * The listener puts addresses into TCPREMOTEIP and friends, and the
 * rules database (rulescdb.h) matches rules against those strings, so
 * both must agree on one text form for every address.  That form is:
 *
 *   IPv4  dotted decimal, no leading zeros: "192.0.2.1".
 *   IPv6  RFC 5952: lowercase hexadecimal without leading zeros, the
 *         longest run of two or more zero groups written "::" (the
 *         first one when two runs are equally long), a single zero
 *         group written "0"; IPv4-mapped addresses (::ffff:0:0/96) in
 *         the mixed form "::ffff:192.0.2.1".  "::1", "2001:db8::1",
 *         "2001:db8:0:1:1:1:1:1", "fe80::1:0:0:1".
 *
 * This is what inet_ntop(3) gives on most systems, but the C libraries
 * differ in corner cases, so the project formats addresses here.
 *
 * iptext_fmt4(s, ip), iptext_fmt6(s, ip)
 *     Write the text form of the 4- or 16-byte address ip to s (no NUL)
 *     and return its length; with a null s only return the length.
 *     IPTEXT_FMT bytes are always enough, including a NUL the caller
 *     adds.
 * iptext_scan4(s, len, ip)
 *     1 when s[0..len) is exactly an IPv4 address in dotted decimal
 *     (four numbers 0..255, no leading zeros, nothing else), stored in
 *     ip; otherwise 0 with errno EINVAL and ip unchanged.
 * iptext_scan6(s, len, ip)
 *     1 when s[0..len) is exactly an IPv6 address in any RFC 4291 text
 *     form (upper or lower case, leading zeros in a group allowed, at
 *     most one "::", an optional dotted-decimal IPv4 address as the last
 *     32 bits); no zone ("%eth0"), no brackets, no prefix length.
 *     Otherwise 0 with errno EINVAL and ip unchanged.
 * iptext_ismapped(ip)
 *     1 when the 16-byte ip is an IPv4-mapped IPv6 address
 *     (::ffff:a.b.c.d), whose IPv4 address is ip + 12.
 */
#ifndef IPTEXT_H
#define IPTEXT_H

#include <stddef.h>

#define IPTEXT_FMT 48

size_t iptext_fmt4(char *s, const unsigned char ip[4]);
size_t iptext_fmt6(char *s, const unsigned char ip[16]);
int iptext_scan4(const char *s, size_t len, unsigned char ip[4]);
int iptext_scan6(const char *s, size_t len, unsigned char ip[16]);
int iptext_ismapped(const unsigned char ip[16]);

#endif
