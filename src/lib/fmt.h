/* fmt.h -- formatting numbers into caller-provided space.
 *
 * Each fmt_ function writes its result (no NUL) to s and returns the
 * number of bytes written.  If s is null it writes nothing and returns
 * the length the result would have, so callers can size buffers.
 */
#ifndef FMT_H
#define FMT_H

#include <stddef.h>

/* Enough room for any unsigned long in decimal, plus one. */
#define FMT_ULONG 40

size_t fmt_ulong(char *s, unsigned long n);
#endif
