/* Unit tests for base64: the RFC 4648 section 10 vectors, round trips
 * of every length 0..300, strict refusal of every kind of malformed
 * text (with out left untouched), the padding-bit rule, the SASL "="
 * form and the size overflow. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "base64.h"
#include "stralloc.h"
#include "unit.h"

static const char alphabet[] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 1 when in[0..len) is refused with EINVAL and out is untouched: same
 * len, and the spare space (filled with '#' first) not written. */
static int
refused(const char *in, size_t len)
{
  stralloc out = STRALLOC_ZERO;
  size_t i;
  int ok;

  if (!stralloc_copys(&out, "keep") || !stralloc_ready(&out, 4 + len + 16))
    return 0;
  memset(out.s + 4, '#', out.a - 4);
  errno = 0;
  ok = !base64_decode(&out, in, len) && errno == EINVAL && out.len == 4
       && memcmp(out.s, "keep", 4) == 0;
  for (i = 4; i < out.a; ++i)
    if (out.s[i] != '#')
      ok = 0;
  stralloc_free(&out);
  return ok;
}

static int
refused_s(const char *in)
{
  return refused(in, strlen(in));
}

static void
test_rfc4648_vectors(void)
{
  static const char *const plain[] =
    { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
  static const char *const coded[] =
    { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
  stralloc sa = STRALLOC_ZERO;
  size_t i;

  for (i = 0; i < sizeof plain / sizeof plain[0]; ++i) {
    sa.len = 0;
    CHECK(base64_encode(&sa, plain[i], strlen(plain[i])));
    CHECK_MEM(sa.s, sa.len, coded[i], strlen(coded[i]));
    CHECK(base64_encoded_len(strlen(plain[i])) == strlen(coded[i]));
    sa.len = 0;
    CHECK(base64_decode(&sa, coded[i], strlen(coded[i])));
    CHECK_MEM(sa.s, sa.len, plain[i], strlen(plain[i]));
  }
  stralloc_free(&sa);
}

static void
test_appends(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "AUTH PLAIN "));
  CHECK(base64_encode(&sa, "\0joe\0secret", 11));
  CHECK_SA(sa, "AUTH PLAIN AGpvZQBzZWNyZXQ=");
  CHECK(stralloc_copys(&sa, ">"));
  CHECK(base64_decode(&sa, "AGpvZQBzZWNyZXQ=", 16));
  CHECK_MEM(sa.s, sa.len, ">\0joe\0secret", 12);
  stralloc_free(&sa);
}

/* Random bytes of every length, NULs and high bytes included: the text
 * has the predicted length, only alphabet and trailing '=', and decodes
 * back to the same bytes. */
static void
test_round_trips(void)
{
  char in[301];
  stralloc code = STRALLOC_ZERO, back = STRALLOC_ZERO;
  size_t len, i, pad;
  int good = 1;

  for (len = 0; len <= 300; ++len) {
    unit_rand_fill(in, len, 0);
    if (len)
      in[unit_rand() % len] = 0;
    code.len = back.len = 0;
    if (!base64_encode(&code, in, len) || code.len != base64_encoded_len(len)
        || code.len % 4 || !base64_decode(&back, code.s, code.len)
        || back.len != len || (len && memcmp(back.s, in, len))) {
      printf("# round trip of %zu bytes fails\n", len);
      good = 0;
      continue;
    }
    pad = (3 - len % 3) % 3;
    for (i = 0; i < code.len; ++i)
      if (i < code.len - pad ? !memchr(alphabet, code.s[i], 64)
                             : code.s[i] != '=')
        good = 0;
  }
  CHECK(good);
  stralloc_free(&code);
  stralloc_free(&back);
}

static void
test_bad_lengths(void)
{
  CHECK(refused_s("="));
  CHECK(refused_s("=="));
  CHECK(refused_s("==="));
  CHECK(refused_s("Z"));
  CHECK(refused_s("Zg"));
  CHECK(refused_s("Zg="));
  CHECK(refused_s("Zm9"));
  CHECK(refused_s("Zm9vY"));
  CHECK(refused_s("Zm9vYg"));
  CHECK(refused_s("Zm9vYg="));
  CHECK(refused_s("Zm9vYmFy="));
}

/* Every byte outside the alphabet, at every position of a group, is
 * refused; so are white space, line ends and the base64url letters. */
static void
test_bad_bytes(void)
{
  char text[9];
  int c, pos, good = 1;

  for (c = 0; c < 256; ++c) {
    if (c && memchr(alphabet, c, 64))
      continue;
    for (pos = 0; pos < 8; ++pos) {
      memcpy(text, "Zm9vYmFy", 8);
      text[pos] = (char)c;
      if (!refused(text, 8)) {
        printf("# byte %d at %d accepted\n", c, pos);
        good = 0;
      }
    }
  }
  CHECK(good);
  CHECK(refused_s("Zm9v\r\n"));
  CHECK(refused_s("Zm9v\n"));
  CHECK(refused_s(" Zm9v"));
  CHECK(refused_s("Zm9v    "));
  CHECK(refused_s("Zm 9vYmFy"));
  CHECK(refused_s("Zm9v\tYmF"));
  CHECK(refused_s("Zm9-"));
  CHECK(refused_s("Zm9_"));
  CHECK(refused("Zm9v\0\0\0\0", 8));
}

static void
test_bad_padding(void)
{
  CHECK(refused_s("===="));
  CHECK(refused_s("Z==="));
  CHECK(refused_s("=Zm9"));
  CHECK(refused_s("Z=m9"));
  CHECK(refused_s("Zm=9"));
  CHECK(refused_s("Zg==Zm9v"));   /* padding in the middle */
  CHECK(refused_s("Zm8=Zm9v"));
  CHECK(refused_s("Zm9vYg==="));
  CHECK(refused_s("Zm9vYg=A"));
  CHECK(refused_s("Zm9vY=g="));
  CHECK(refused_s("Zm9v===="));
  CHECK(refused_s("Zh=="));       /* non-zero bits under the padding */
  CHECK(refused_s("Zm9="));
  CHECK(refused_s("Zm9vYmF="));
}

/* The last character before "==" may only be one whose low 4 bits are
 * zero, before "=" one whose low 2 bits are: then every accepted text
 * is the canonical encoding of what it decodes to. */
static void
test_padding_bits(void)
{
  stralloc out = STRALLOC_ZERO, again = STRALLOC_ZERO;
  char two[4] = { 'Q', 0, '=', '=' }, one[4] = { 'Q', 'U', 0, '=' };
  int i, good = 1;

  for (i = 0; i < 64; ++i) {
    two[1] = one[2] = alphabet[i];
    if ((i & 15) == 0) {
      out.len = again.len = 0;
      if (!base64_decode(&out, two, 4) || out.len != 1
          || !base64_encode(&again, out.s, out.len)
          || memcmp(again.s, two, 4) != 0)
        good = 0;
    } else if (!refused(two, 4))
      good = 0;
    if ((i & 3) == 0) {
      out.len = again.len = 0;
      if (!base64_decode(&out, one, 4) || out.len != 2
          || !base64_encode(&again, out.s, out.len)
          || memcmp(again.s, one, 4) != 0)
        good = 0;
    } else if (!refused(one, 4))
      good = 0;
  }
  CHECK(good);
  stralloc_free(&out);
  stralloc_free(&again);
}

/* Random texts over the alphabet, '=' and a few strays: whatever is
 * accepted re-encodes to exactly the same text. */
static void
test_accepted_is_canonical(void)
{
  char text[16];
  stralloc out = STRALLOC_ZERO, again = STRALLOC_ZERO;
  size_t len;
  int i, accepted = 0, good = 1;

  for (i = 0; i < 200000; ++i) {
    len = unit_rand() % sizeof text;
    unit_rand_fill(text, len, "QUFBZm9v+/==AB09 -\n");
    out.len = again.len = 0;
    if (!base64_decode(&out, text, len))
      continue;
    accepted += len > 0;
    if (!base64_encode(&again, out.s, out.len)
        || again.len != len || (len && memcmp(again.s, text, len)))
      good = 0;
  }
  CHECK(good);
  CHECK(accepted > 1000);
  stralloc_free(&out);
  stralloc_free(&again);
}

static void
test_sasl(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "x"));
  CHECK(base64_decode_sasl(&sa, "=", 1));
  CHECK_SA(sa, "x");
  CHECK(base64_decode_sasl(&sa, "", 0));
  CHECK_SA(sa, "x");
  CHECK(base64_decode_sasl(&sa, "Zm9v", 4));
  CHECK_SA(sa, "xfoo");
  errno = 0;
  CHECK(!base64_decode_sasl(&sa, "*", 1) && errno == EINVAL);
  CHECK(!base64_decode_sasl(&sa, "==", 2) && errno == EINVAL);
  CHECK(!base64_decode_sasl(&sa, "=Zm9v", 5) && errno == EINVAL);
  CHECK_SA(sa, "xfoo");
  /* the plain decoder does not take "=" */
  CHECK(refused_s("="));
  stralloc_free(&sa);
}

static void
test_overflow(void)
{
  stralloc sa = STRALLOC_ZERO;
  size_t biggest = SIZE_MAX / 4 * 3;

  errno = 0;
  CHECK(base64_encoded_len(SIZE_MAX) == 0 && errno == EOVERFLOW);
  CHECK(base64_encoded_len(biggest) == SIZE_MAX / 4 * 4);
  errno = 0;
  CHECK(base64_encoded_len(biggest + 1) == 0 && errno == EOVERFLOW);
  errno = 0;
  /* refused before a byte of the (absent) input is read */
  CHECK(!base64_encode(&sa, "", SIZE_MAX) && errno == EOVERFLOW);
  CHECK(sa.len == 0);
  CHECK(base64_encoded_len(0) == 0);
  stralloc_free(&sa);
}

int
main(void)
{
  RUN(test_rfc4648_vectors);
  RUN(test_appends);
  RUN(test_round_trips);
  RUN(test_bad_lengths);
  RUN(test_bad_bytes);
  RUN(test_bad_padding);
  RUN(test_padding_bits);
  RUN(test_accepted_is_canonical);
  RUN(test_sasl);
  RUN(test_overflow);
  return unit_done();
}
