/* fmt.c -- number and string formatting; see fmt.h. */
#include <string.h>

#include "fmt.h"

static const char digit_chars[] = "0123456789abcdef";

/* Write n in the given base (2..16) right to left, the common core of
 * the decimal, hexadecimal and octal forms. */
static size_t
fmt_base(char *s, unsigned long n, unsigned int base)
{
  size_t len = 1;
  unsigned long q = n;

  while (q >= base) {
    ++len;
    q /= base;
  }
  if (s) {
    char *end = s + len;

    do {
      *--end = digit_chars[n % base];
      n /= base;
    } while (n);
  }
  return len;
}

size_t
fmt_ulong(char *s, unsigned long n)
{
  return fmt_base(s, n, 10);
}

size_t
fmt_uint(char *s, unsigned int n)
{
  return fmt_base(s, n, 10);
}

size_t
fmt_ulong0(char *s, unsigned long n, size_t width)
{
  size_t digits = fmt_base(0, n, 10);
  size_t pad;

  if (digits >= width)
    return fmt_base(s, n, 10);
  pad = width - digits;
  if (s) {
    memset(s, '0', pad);
    fmt_base(s + pad, n, 10);
  }
  return width;
}

size_t
fmt_xlong(char *s, unsigned long n)
{
  return fmt_base(s, n, 16);
}

size_t
fmt_8long(char *s, unsigned long n)
{
  return fmt_base(s, n, 8);
}

size_t
fmt_str(char *s, const char *src)
{
  size_t len = strlen(src);

  if (s)
    memcpy(s, src, len);
  return len;
}
