/* fmt.c -- number formatting; see fmt.h. */
#include "fmt.h"

size_t
fmt_ulong(char *s, unsigned long n)
{
  size_t len = 1;
  unsigned long q = n;

  while (q > 9) {
    ++len;
    q /= 10;
  }
  if (s) {
    char *end = s + len;

    do {
      *--end = (char)('0' + n % 10);
      n /= 10;
    } while (n);
  }
  return len;
}
