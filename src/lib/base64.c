/* base64.c -- RFC 4648 base64, strict decoding; see base64.h. */
#include <errno.h>
#include <stdint.h>

#include "base64.h"

static const char alphabet[64] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of an alphabet character, or -1. */
static int
sextet(unsigned char c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

size_t
base64_encoded_len(size_t len)
{
  size_t groups = len / 3 + (len % 3 != 0);

  if (groups > SIZE_MAX / 4) {
    errno = EOVERFLOW;
    return 0;
  }
  return groups * 4;
}

int
base64_encode(stralloc *out, const char *in, size_t len)
{
  const unsigned char *u = (const unsigned char *)in;
  size_t need = base64_encoded_len(len);
  char *w;
  unsigned long bits;
  size_t i;

  if (!need)
    return len == 0;
  if (!stralloc_readyplus(out, need))
    return 0;
  w = out->s + out->len;
  for (i = 0; i + 3 <= len; i += 3) {
    bits = (unsigned long)u[i] << 16 | (unsigned long)u[i + 1] << 8 | u[i + 2];
    *w++ = alphabet[bits >> 18];
    *w++ = alphabet[bits >> 12 & 63];
    *w++ = alphabet[bits >> 6 & 63];
    *w++ = alphabet[bits & 63];
  }
  if (len - i == 1) {
    bits = (unsigned long)u[i] << 16;
    *w++ = alphabet[bits >> 18];
    *w++ = alphabet[bits >> 12 & 63];
    *w++ = '=';
    *w++ = '=';
  } else if (len - i == 2) {
    bits = (unsigned long)u[i] << 16 | (unsigned long)u[i + 1] << 8;
    *w++ = alphabet[bits >> 18];
    *w++ = alphabet[bits >> 12 & 63];
    *w++ = alphabet[bits >> 6 & 63];
    *w++ = '=';
  }
  out->len += need;
  return 1;
}

/* Check in[0..len) against every rule of base64.h; when it passes,
 * store the number of bytes it decodes to in *n and return 1, else 0.
 * Nothing is decoded yet, so a refused text leaves no partial secret
 * behind in the caller's memory. */
static int
decoded_len(const unsigned char *in, size_t len, size_t *n)
{
  size_t pad = 0, i;
  int last;

  *n = 0;
  if (len % 4)
    return 0;
  if (len == 0)
    return 1;
  if (in[len - 1] == '=')
    pad = in[len - 2] == '=' ? 2 : 1;
  for (i = 0; i < len - pad; ++i)
    if (sextet(in[i]) < 0)
      return 0;
  /* the bits the padding stands for must be zero */
  if (pad) {
    last = sextet(in[len - pad - 1]);
    if (last & (pad == 2 ? 15 : 3))
      return 0;
  }
  *n = len / 4 * 3 - pad;
  return 1;
}

int
base64_decode(stralloc *out, const char *in, size_t len)
{
  const unsigned char *u = (const unsigned char *)in;
  unsigned long bits;
  size_t i, n, pad;
  char *w;

  if (!decoded_len(u, len, &n)) {
    errno = EINVAL;
    return 0;
  }
  if (n == 0)
    return 1;
  if (!stralloc_readyplus(out, n))
    return 0;
  w = out->s + out->len;
  pad = len / 4 * 3 - n;
  for (i = 0; i < len; i += 4) {
    int last_group = i + 4 == len;

    bits = (unsigned long)sextet(u[i]) << 18
         | (unsigned long)sextet(u[i + 1]) << 12;
    if (!(last_group && pad == 2))
      bits |= (unsigned long)sextet(u[i + 2]) << 6;
    if (!(last_group && pad))
      bits |= (unsigned long)sextet(u[i + 3]);
    *w++ = (char)(bits >> 16);
    if (!(last_group && pad == 2))
      *w++ = (char)(bits >> 8 & 255);
    if (!(last_group && pad))
      *w++ = (char)(bits & 255);
  }
  out->len += n;
  return 1;
}

int
base64_decode_sasl(stralloc *out, const char *in, size_t len)
{
  if (len == 1 && in[0] == '=')
    return 1;
  return base64_decode(out, in, len);
}
