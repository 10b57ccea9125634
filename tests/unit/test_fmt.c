/* Unit tests for fmt: exact bytes, the null-pointer sizing convention,
 * and agreement with printf over random values. */
#include <limits.h>
#include <stdio.h>

#include "fmt.h"
#include "unit.h"

/* Format with fn into a guarded buffer; check that the sizing call
 * agrees with the writing call and that nothing past the result is
 * touched. */
#define FORMAT(out, len, call_with_s, call_null) do { \
    memset((out), '#', sizeof (out)); \
    (len) = (call_with_s); \
    CHECK((len) == (call_null)); \
    CHECK((len) < sizeof (out) && (out)[(len)] == '#'); \
  } while (0)

static void
test_ulong(void)
{
  char buf[FMT_ULONG + 8], want[64];
  size_t len;

  FORMAT(buf, len, fmt_ulong(buf, 0), fmt_ulong(0, 0));
  CHECK_MEM(buf, len, "0", 1);
  FORMAT(buf, len, fmt_ulong(buf, 9), fmt_ulong(0, 9));
  CHECK_MEM(buf, len, "9", 1);
  FORMAT(buf, len, fmt_ulong(buf, 10), fmt_ulong(0, 10));
  CHECK_MEM(buf, len, "10", 2);
  FORMAT(buf, len, fmt_ulong(buf, 1234567890UL), fmt_ulong(0, 1234567890UL));
  CHECK_MEM(buf, len, "1234567890", 10);
  snprintf(want, sizeof want, "%lu", ULONG_MAX);
  FORMAT(buf, len, fmt_ulong(buf, ULONG_MAX), fmt_ulong(0, ULONG_MAX));
  CHECK_MEM(buf, len, want, strlen(want));
}

static void
test_uint(void)
{
  char buf[FMT_ULONG + 8];
  size_t len;

  FORMAT(buf, len, fmt_uint(buf, 0), fmt_uint(0, 0));
  CHECK_MEM(buf, len, "0", 1);
  FORMAT(buf, len, fmt_uint(buf, 4294967295U), fmt_uint(0, 4294967295U));
  CHECK_MEM(buf, len, "4294967295", 10);
  FORMAT(buf, len, fmt_uint(buf, 100), fmt_uint(0, 100));
  CHECK_MEM(buf, len, "100", 3);
}

static void
test_ulong0(void)
{
  char buf[FMT_ULONG + 40];
  size_t len;

  FORMAT(buf, len, fmt_ulong0(buf, 42, 5), fmt_ulong0(0, 42, 5));
  CHECK_MEM(buf, len, "00042", 5);
  FORMAT(buf, len, fmt_ulong0(buf, 0, 3), fmt_ulong0(0, 0, 3));
  CHECK_MEM(buf, len, "000", 3);
  /* a width of 0 or 1 still writes one digit for zero */
  FORMAT(buf, len, fmt_ulong0(buf, 0, 0), fmt_ulong0(0, 0, 0));
  CHECK_MEM(buf, len, "0", 1);
  FORMAT(buf, len, fmt_ulong0(buf, 7, 1), fmt_ulong0(0, 7, 1));
  CHECK_MEM(buf, len, "7", 1);
  /* wider numbers are never cut */
  FORMAT(buf, len, fmt_ulong0(buf, 123456, 3), fmt_ulong0(0, 123456, 3));
  CHECK_MEM(buf, len, "123456", 6);
  FORMAT(buf, len, fmt_ulong0(buf, 123456, 6), fmt_ulong0(0, 123456, 6));
  CHECK_MEM(buf, len, "123456", 6);
  FORMAT(buf, len, fmt_ulong0(buf, 5, 30), fmt_ulong0(0, 5, 30));
  CHECK_MEM(buf, len, "000000000000000000000000000005", 30);
}

static void
test_xlong_and_8long(void)
{
  char buf[FMT_ULONG + 8], want[64];
  size_t len;

  FORMAT(buf, len, fmt_xlong(buf, 0), fmt_xlong(0, 0));
  CHECK_MEM(buf, len, "0", 1);
  FORMAT(buf, len, fmt_xlong(buf, 255), fmt_xlong(0, 255));
  CHECK_MEM(buf, len, "ff", 2);
  FORMAT(buf, len, fmt_xlong(buf, 0xdeadbeefUL), fmt_xlong(0, 0xdeadbeefUL));
  CHECK_MEM(buf, len, "deadbeef", 8);
  FORMAT(buf, len, fmt_xlong(buf, 16), fmt_xlong(0, 16));
  CHECK_MEM(buf, len, "10", 2);
  snprintf(want, sizeof want, "%lx", ULONG_MAX);
  FORMAT(buf, len, fmt_xlong(buf, ULONG_MAX), fmt_xlong(0, ULONG_MAX));
  CHECK_MEM(buf, len, want, strlen(want));

  FORMAT(buf, len, fmt_8long(buf, 0), fmt_8long(0, 0));
  CHECK_MEM(buf, len, "0", 1);
  FORMAT(buf, len, fmt_8long(buf, 0644), fmt_8long(0, 0644));
  CHECK_MEM(buf, len, "644", 3);
  FORMAT(buf, len, fmt_8long(buf, 8), fmt_8long(0, 8));
  CHECK_MEM(buf, len, "10", 2);
  snprintf(want, sizeof want, "%lo", ULONG_MAX);
  FORMAT(buf, len, fmt_8long(buf, ULONG_MAX), fmt_8long(0, ULONG_MAX));
  CHECK_MEM(buf, len, want, strlen(want));
}

static void
test_str(void)
{
  char buf[32];
  size_t len;

  FORMAT(buf, len, fmt_str(buf, "hello"), fmt_str(0, "hello"));
  CHECK_MEM(buf, len, "hello", 5);
  FORMAT(buf, len, fmt_str(buf, ""), fmt_str(0, ""));
  CHECK(len == 0);
  /* pieces chain by adding the returned lengths */
  len = fmt_str(buf, "uid=");
  len += fmt_ulong(buf + len, 1001);
  len += fmt_str(buf + len, " mode=");
  len += fmt_8long(buf + len, 0700);
  CHECK_MEM(buf, len, "uid=1001 mode=700", 17);
}

/* Random values of every magnitude, compared with printf. */
static void
test_random_against_printf(void)
{
  char buf[FMT_ULONG + 40], want[128];
  int i, mismatches = 0;

  for (i = 0; i < 20000; ++i) {
    unsigned long n;
    unsigned char width;
    size_t len;

    unit_rand_fill((char *)&n, sizeof n, 0);
    unit_rand_fill((char *)&width, 1, 0);
    /* spread over all digit counts, not just the largest */
    n >>= unit_rand() % (sizeof n * CHAR_BIT);
    width %= 30;

    len = fmt_ulong(buf, n);
    snprintf(want, sizeof want, "%lu", n);
    if (len != strlen(want) || memcmp(buf, want, len) || len != fmt_ulong(0, n))
      ++mismatches;
    len = fmt_uint(buf, (unsigned int)n);
    snprintf(want, sizeof want, "%u", (unsigned int)n);
    if (len != strlen(want) || memcmp(buf, want, len))
      ++mismatches;
    len = fmt_xlong(buf, n);
    snprintf(want, sizeof want, "%lx", n);
    if (len != strlen(want) || memcmp(buf, want, len) || len != fmt_xlong(0, n))
      ++mismatches;
    len = fmt_8long(buf, n);
    snprintf(want, sizeof want, "%lo", n);
    if (len != strlen(want) || memcmp(buf, want, len) || len != fmt_8long(0, n))
      ++mismatches;
    len = fmt_ulong0(buf, n, width);
    snprintf(want, sizeof want, "%0*lu", (int)width, n);
    if (len != strlen(want) || memcmp(buf, want, len) ||
        len != fmt_ulong0(0, n, width))
      ++mismatches;
  }
  CHECK(mismatches == 0);
}

int
main(void)
{
  RUN(test_ulong);
  RUN(test_uint);
  RUN(test_ulong0);
  RUN(test_xlong_and_8long);
  RUN(test_str);
  RUN(test_random_against_printf);
  return unit_done();
}
