/* stralloc.h -- growable byte strings.
 *
 * A stralloc owns s[0..len) and has room for a bytes.  The string is not
 * NUL-terminated unless stralloc_0() was called; len never counts a
 * terminator added that way unless the caller keeps it.  Every function
 * that may grow the string returns 1 on success and 0 with errno set
 * (ENOMEM, or EOVERFLOW when a size computation would overflow).  On
 * failure the old contents are left intact.
 */
#ifndef STRALLOC_H
#define STRALLOC_H

#include <stddef.h>

typedef struct stralloc {
  char *s;
  size_t len;
  size_t a;
} stralloc;

#define STRALLOC_ZERO { 0, 0, 0 }

/* Make room for n bytes in all. */
int stralloc_ready(stralloc *sa, size_t n);
/* Make room for n bytes beyond len. */
int stralloc_readyplus(stralloc *sa, size_t n);

int stralloc_copyb(stralloc *sa, const char *s, size_t n);
int stralloc_copys(stralloc *sa, const char *s);
int stralloc_copy(stralloc *to, const stralloc *from);
int stralloc_catb(stralloc *sa, const char *s, size_t n);
int stralloc_cats(stralloc *sa, const char *s);
int stralloc_cat(stralloc *to, const stralloc *from);
int stralloc_append(stralloc *sa, char c);
/* Append a NUL byte (counted in len). */
int stralloc_0(stralloc *sa);
/* Append the decimal form of n. */
int stralloc_catulong(stralloc *sa, unsigned long n);

/* 1 if sa begins with the NUL-terminated prefix s. */
int stralloc_starts(const stralloc *sa, const char *s);

/* Release the memory; sa becomes STRALLOC_ZERO. */
void stralloc_free(stralloc *sa);

#endif
