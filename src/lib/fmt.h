/* fmt.h -- formatting numbers and strings into caller-provided space.
 *
 * Each fmt_ function writes its result (no NUL) to s and returns the
 * number of bytes written.  If s is null it writes nothing and returns
 * the length the result would have, so callers can size buffers: call
 * once with a null s, make room, call again with the same arguments.
 *
 * fmt_ulong(s, n)
 *     n in decimal, without sign or leading zeros ("0" for zero).
 * fmt_uint(s, n)
 *     The same for an unsigned int.
 * fmt_ulong0(s, n, width)
 *     n in decimal, padded on the left with '0' to at least width
 *     digits.  A number wider than width is written in full, never
 *     cut; a width of 0 behaves like fmt_ulong.  The result is
 *     max(width, digits of n) bytes, so s must have room for width
 *     bytes even when n is small.
 * fmt_xlong(s, n)
 *     n in lowercase hexadecimal, no "0x" prefix, no leading zeros.
 * fmt_8long(s, n)
 *     n in octal, no leading "0" (zero itself is "0").
 * fmt_str(s, src)
 *     The bytes of the NUL-terminated src, without its NUL.
 */
#ifndef FMT_H
#define FMT_H

#include <stddef.h>

/* Enough room for any unsigned long in decimal, hexadecimal or octal
 * (22 octal digits for 64 bits), plus one. */
#define FMT_ULONG 40

size_t fmt_ulong(char *s, unsigned long n);
size_t fmt_uint(char *s, unsigned int n);
size_t fmt_ulong0(char *s, unsigned long n, size_t width);
size_t fmt_xlong(char *s, unsigned long n);
size_t fmt_8long(char *s, unsigned long n);
size_t fmt_str(char *s, const char *src);

#endif
