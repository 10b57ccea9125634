/* iptext.c -- IPv4 and IPv6 addresses as text; see iptext.h. */
#include <errno.h>
#include <string.h>

#include "fmt.h"
#include "iptext.h"

static size_t
put(char *s, size_t at, const char *what, size_t len)
{
  if (s)
    memcpy(s + at, what, len);
  return len;
}

size_t
iptext_fmt4(char *s, const unsigned char ip[4])
{
  size_t len = 0;
  int i;

  for (i = 0; i < 4; ++i) {
    if (i)
      len += put(s, len, ".", 1);
    len += fmt_uint(s ? s + len : 0, ip[i]);
  }
  return len;
}

int
iptext_ismapped(const unsigned char ip[16])
{
  static const unsigned char prefix[12] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
  };

  return memcmp(ip, prefix, sizeof prefix) == 0;
}

size_t
iptext_fmt6(char *s, const unsigned char ip[16])
{
  unsigned int group[8];
  int i, best = -1, bestlen = 1, colon = 0;
  size_t len = 0;

  if (iptext_ismapped(ip)) {
    len = put(s, 0, "::ffff:", 7);
    return len + iptext_fmt4(s ? s + len : 0, ip + 12);
  }
  for (i = 0; i < 8; ++i)
    group[i] = (unsigned int)ip[2 * i] << 8 | ip[2 * i + 1];
  /* the longest run of two or more zero groups, the first on a tie */
  for (i = 0; i < 8;) {
    int run = 0;

    while (i + run < 8 && group[i + run] == 0)
      ++run;
    if (run > bestlen) {
      best = i;
      bestlen = run;
    }
    i += run ? run : 1;
  }
  for (i = 0; i < 8;) {
    if (i == best) {
      len += put(s, len, "::", 2);
      i += bestlen;
      colon = 0;
      continue;
    }
    if (colon)
      len += put(s, len, ":", 1);
    len += fmt_xlong(s ? s + len : 0, group[i]);
    colon = 1;
    ++i;
  }
  return len;
}

static int
isdigit_ascii(char c)
{
  return c >= '0' && c <= '9';
}

static int
hexvalue(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int
iptext_scan4(const char *s, size_t len, unsigned char ip[4])
{
  unsigned char out[4];
  size_t pos = 0;
  int part;

  for (part = 0; part < 4; ++part) {
    size_t start, digits;
    unsigned int value = 0;

    if (part) {
      if (pos >= len || s[pos] != '.')
        goto bad;
      ++pos;
    }
    start = pos;
    while (pos < len && isdigit_ascii(s[pos]) && pos - start < 4)
      value = value * 10 + (unsigned int)(s[pos++] - '0');
    digits = pos - start;
    if (digits == 0 || digits > 3 || value > 255)
      goto bad;
    if (digits > 1 && s[start] == '0')
      goto bad;
    out[part] = (unsigned char)value;
  }
  if (pos != len)
    goto bad;
  memcpy(ip, out, 4);
  return 1;

bad:
  errno = EINVAL;
  return 0;
}

int
iptext_scan6(const char *s, size_t len, unsigned char ip[16])
{
  unsigned int head[8], tail[8];
  int nhead = 0, ntail = 0, compressed = 0, i;
  size_t pos = 0;

  if (len >= 2 && s[0] == ':' && s[1] == ':') {
    compressed = 1;
    pos = 2;
  } else if (len == 0 || s[0] == ':') {
    goto bad;
  }
  while (pos < len) {
    size_t start = pos;
    unsigned int value = 0;
    int h;

    while (pos < len && (h = hexvalue(s[pos])) >= 0 && pos - start < 5) {
      value = value << 4 | (unsigned int)h;
      ++pos;
    }
    if (pos < len && s[pos] == '.') {
      /* the last 32 bits as an IPv4 address */
      unsigned char v4[4];

      if (nhead + ntail > 6 || !iptext_scan4(s + start, len - start, v4))
        goto bad;
      if (compressed) {
        tail[ntail++] = (unsigned int)v4[0] << 8 | v4[1];
        tail[ntail++] = (unsigned int)v4[2] << 8 | v4[3];
      } else {
        head[nhead++] = (unsigned int)v4[0] << 8 | v4[1];
        head[nhead++] = (unsigned int)v4[2] << 8 | v4[3];
      }
      pos = len;
      break;
    }
    if (pos == start || pos - start > 4 || nhead + ntail >= 8)
      goto bad;
    if (compressed)
      tail[ntail++] = value;
    else
      head[nhead++] = value;
    if (pos == len)
      break;
    if (s[pos] != ':')
      goto bad;
    ++pos;
    if (pos < len && s[pos] == ':') {
      if (compressed)
        goto bad;
      compressed = 1;
      ++pos;
    } else if (pos == len) {
      goto bad;
    }
  }
  if (compressed ? nhead + ntail > 7 : nhead != 8)
    goto bad;
  memset(ip, 0, 16);
  for (i = 0; i < nhead; ++i) {
    ip[2 * i] = (unsigned char)(head[i] >> 8);
    ip[2 * i + 1] = (unsigned char)head[i];
  }
  for (i = 0; i < ntail; ++i) {
    int at = 8 - ntail + i;

    ip[2 * at] = (unsigned char)(tail[i] >> 8);
    ip[2 * at + 1] = (unsigned char)tail[i];
  }
  return 1;

bad:
  errno = EINVAL;
  return 0;
}
