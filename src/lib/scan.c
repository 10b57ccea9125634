/* scan.c -- parsing unsigned numbers; see scan.h. */
#include <limits.h>
#include <stdint.h>

#include "scan.h"

/* The value of c as a digit in base, or -1 when it is not one. */
static int
digit_value(char c, unsigned int base)
{
  int v;

  if (c >= '0' && c <= '9')
    v = c - '0';
  else if (c >= 'a' && c <= 'f')
    v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'F')
    v = c - 'A' + 10;
  else
    return -1;
  return (unsigned int)v < base ? v : -1;
}

/* The common core: at most len bytes, stopping at the first non-digit
 * (a NUL included, which is how the unbounded forms stop), refusing any
 * value above limit. */
static size_t
scan_base(const char *s, size_t len, unsigned int base, unsigned long limit,
          unsigned long *out)
{
  unsigned long value = 0;
  size_t i;

  for (i = 0; i < len; ++i) {
    int d = digit_value(s[i], base);

    if (d < 0)
      break;
    if (value > (limit - (unsigned long)d) / base)
      return 0;
    value = value * base + (unsigned long)d;
  }
  if (i)
    *out = value;
  return i;
}

size_t
scan_ulong(const char *s, unsigned long *out)
{
  return scan_base(s, SIZE_MAX, 10, ULONG_MAX, out);
}

size_t
scan_ulongn(const char *s, size_t len, unsigned long *out)
{
  return scan_base(s, len, 10, ULONG_MAX, out);
}

size_t
scan_uintn(const char *s, size_t len, unsigned int *out)
{
  unsigned long value;
  size_t n = scan_base(s, len, 10, UINT_MAX, &value);

  if (n)
    *out = (unsigned int)value;
  return n;
}

size_t
scan_uint(const char *s, unsigned int *out)
{
  return scan_uintn(s, SIZE_MAX, out);
}

size_t
scan_xlong(const char *s, unsigned long *out)
{
  return scan_base(s, SIZE_MAX, 16, ULONG_MAX, out);
}

size_t
scan_xlongn(const char *s, size_t len, unsigned long *out)
{
  return scan_base(s, len, 16, ULONG_MAX, out);
}

size_t
scan_8long(const char *s, unsigned long *out)
{
  return scan_base(s, SIZE_MAX, 8, ULONG_MAX, out);
}

size_t
scan_8longn(const char *s, size_t len, unsigned long *out)
{
  return scan_base(s, len, 8, ULONG_MAX, out);
}
