/* stralloc.c -- growable byte strings; see stralloc.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "stralloc.h"
#include "fmt.h"

int
stralloc_ready(stralloc *sa, size_t n)
{
  size_t want;
  char *grown;

  if (n <= sa->a && sa->s)
    return 1;
  /* grow by about 1/8 plus a little, to keep repeated appends linear */
  want = n + (n >> 3) + 30;
  if (want < n) {
    errno = EOVERFLOW;
    return 0;
  }
  grown = realloc(sa->s, want);
  if (!grown) {
    errno = ENOMEM;
    return 0;
  }
  sa->s = grown;
  sa->a = want;
  return 1;
}

int
stralloc_readyplus(stralloc *sa, size_t n)
{
  if (sa->len + n < sa->len) {
    errno = EOVERFLOW;
    return 0;
  }
  return stralloc_ready(sa, sa->len + n);
}

int
stralloc_copyb(stralloc *sa, const char *s, size_t n)
{
  if (!stralloc_ready(sa, n))
    return 0;
  if (n)
    memmove(sa->s, s, n);
  sa->len = n;
  return 1;
}

int
stralloc_copys(stralloc *sa, const char *s)
{
  return stralloc_copyb(sa, s, strlen(s));
}

int
stralloc_copy(stralloc *to, const stralloc *from)
{
  return stralloc_copyb(to, from->s, from->len);
}

int
stralloc_catb(stralloc *sa, const char *s, size_t n)
{
  if (!stralloc_readyplus(sa, n))
    return 0;
  if (n)
    memmove(sa->s + sa->len, s, n);
  sa->len += n;
  return 1;
}

int
stralloc_cats(stralloc *sa, const char *s)
{
  return stralloc_catb(sa, s, strlen(s));
}

int
stralloc_cat(stralloc *to, const stralloc *from)
{
  return stralloc_catb(to, from->s, from->len);
}

int
stralloc_append(stralloc *sa, char c)
{
  return stralloc_catb(sa, &c, 1);
}

int
stralloc_0(stralloc *sa)
{
  return stralloc_append(sa, 0);
}

int
stralloc_catulong(stralloc *sa, unsigned long n)
{
  char digits[FMT_ULONG];

  return stralloc_catb(sa, digits, fmt_ulong(digits, n));
}

int
stralloc_starts(const stralloc *sa, const char *s)
{
  size_t n = strlen(s);

  return sa->len >= n && memcmp(sa->s, s, n) == 0;
}

void
stralloc_free(stralloc *sa)
{
  free(sa->s);
  sa->s = 0;
  sa->len = 0;
  sa->a = 0;
}
