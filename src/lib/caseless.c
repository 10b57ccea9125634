/* caseless.c -- ASCII case folding; see caseless.h. */
#include "caseless.h"

char
case_lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

void
case_lowerb(char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i)
    s[i] = case_lower(s[i]);
}

int
case_equalb(const char *a, const char *b, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i)
    if (case_lower(a[i]) != case_lower(b[i]))
      return 0;
  return 1;
}
