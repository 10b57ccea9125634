/* scan.h -- parsing unsigned numbers from the front of a string.
 *
 * Each scan_ function reads the longest run of digits at the start of
 * s and returns how many bytes it consumed; the caller looks at what
 * follows (a NUL, a space, a dot) to decide whether the whole field was
 * a number.  There is no sign, no leading white space, no "0x" or "0"
 * prefix: the base is the function's, and '+', '-' or ' ' simply end
 * the run (so they give 0 when they come first).
 *
 * On success the value is stored in *out and the count (> 0) returned.
 * The functions return 0 and leave *out untouched when s starts with no
 * digit, or when the run of digits does not fit in the result type:
 * "18446744073709551616" is refused, never wrapped to 0, so a huge
 * message size or uid can never turn into a small one.  errno is left
 * alone; a caller that needs to tell the two apart checks whether the
 * first byte is a digit.
 *
 * Two forms of each:
 *     scan_ulong(s, &out)         s is NUL-terminated; the NUL ends the
 *                                 run like any other non-digit.
 *     scan_ulongn(s, len, &out)   at most len bytes of s are read, and
 *                                 s need not be NUL-terminated (for
 *                                 stralloc contents and buffer data).
 *
 * scan_ulong, scan_ulongn     decimal, unsigned long
 * scan_uint, scan_uintn       decimal, unsigned int
 * scan_xlong, scan_xlongn     hexadecimal, digits 0-9, a-f and A-F
 * scan_8long, scan_8longn     octal, digits 0-7 (file modes)
 */
#ifndef SCAN_H
#define SCAN_H

#include <stddef.h>

size_t scan_ulong(const char *s, unsigned long *out);
size_t scan_ulongn(const char *s, size_t len, unsigned long *out);
size_t scan_uint(const char *s, unsigned int *out);
size_t scan_uintn(const char *s, size_t len, unsigned int *out);
size_t scan_xlong(const char *s, unsigned long *out);
size_t scan_xlongn(const char *s, size_t len, unsigned long *out);
size_t scan_8long(const char *s, unsigned long *out);
size_t scan_8longn(const char *s, size_t len, unsigned long *out);

#endif
