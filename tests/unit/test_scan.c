/* Unit tests for scan: prefixes, bounds, overflow refusal, and
 * agreement with strtoul over random input. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

#include "fmt.h"
#include "scan.h"
#include "unit.h"

static void
test_decimal_prefix(void)
{
  const char *zeros = "000000000000000000000000000000000000000042x";
  const char *line = "123abc";
  unsigned long u = 99;
  size_t n;

  n = scan_ulong(line, &u);
  CHECK(n == 3 && u == 123);
  CHECK_STR(line + n, "abc");
  CHECK(scan_ulong("0", &u) == 1 && u == 0);
  CHECK(scan_ulong("007 ", &u) == 3 && u == 7);
  /* nothing to scan: 0 and the old value kept */
  u = 99;
  CHECK(scan_ulong("", &u) == 0 && u == 99);
  CHECK(scan_ulong("abc", &u) == 0 && u == 99);
  CHECK(scan_ulong("-1", &u) == 0 && u == 99);
  CHECK(scan_ulong("+1", &u) == 0 && u == 99);
  CHECK(scan_ulong(" 1", &u) == 0 && u == 99);
  /* long runs of leading zeros are not an overflow */
  n = scan_ulong(zeros, &u);
  CHECK(u == 42);
  CHECK_STR(zeros + n, "x");
}

static void
test_decimal_overflow(void)
{
  char text[64];
  unsigned long u = 5;
  unsigned int ui = 5;
  size_t len;

  len = fmt_ulong(text, ULONG_MAX);
  text[len] = 0;
  CHECK(scan_ulong(text, &u) == len && u == ULONG_MAX);
  /* one more than ULONG_MAX: the last digit goes up by one */
  u = 5;
  text[len - 1]++;
  CHECK(scan_ulong(text, &u) == 0 && u == 5);
  if (sizeof(unsigned long) == 8) {
    CHECK(scan_ulong("18446744073709551616", &u) == 0 && u == 5);
    CHECK(scan_ulong("18446744073709551615", &u) == 20);
    CHECK(u == 18446744073709551615UL);
    CHECK(scan_ulong("99999999999999999999", &u) == 0);
    CHECK(scan_ulong("100000000000000000000", &u) == 0);
  }
  u = 5;
  CHECK(scan_ulong("1234567890123456789012345678901234567890", &u) == 0);
  CHECK(u == 5);

  CHECK(scan_uint("4294967295", &ui) == 10 && ui == 4294967295U);
  ui = 5;
  CHECK(scan_uint("4294967296", &ui) == 0 && ui == 5);
  CHECK(scan_uint("42949672950", &ui) == 0 && ui == 5);
  CHECK(scan_uint("65536:", &ui) == 5 && ui == 65536);
}

static void
test_hex_and_octal(void)
{
  unsigned long u = 1;
  char text[64];
  size_t len;

  CHECK(scan_xlong("ff", &u) == 2 && u == 255);
  CHECK(scan_xlong("DeadBeefg", &u) == 8 && u == 0xdeadbeefUL);
  CHECK(scan_xlong("0x10", &u) == 1 && u == 0);
  u = 1;
  CHECK(scan_xlong("g", &u) == 0 && u == 1);
  len = fmt_xlong(text, ULONG_MAX);
  text[len] = 0;
  CHECK(scan_xlong(text, &u) == len && u == ULONG_MAX);
  text[len] = '0';
  text[len + 1] = 0;
  u = 1;
  CHECK(scan_xlong(text, &u) == 0 && u == 1);
  if (sizeof(unsigned long) == 8)
    CHECK(scan_xlong("10000000000000000", &u) == 0 && u == 1);

  CHECK(scan_8long("0644", &u) == 4 && u == 0644);
  CHECK(scan_8long("7778", &u) == 3 && u == 0777);
  u = 1;
  CHECK(scan_8long("8", &u) == 0 && u == 1);
  len = fmt_8long(text, ULONG_MAX);
  text[len] = 0;
  CHECK(scan_8long(text, &u) == len && u == ULONG_MAX);
  if (sizeof(unsigned long) == 8) {
    u = 1;
    CHECK(scan_8long("2000000000000000000000", &u) == 0 && u == 1);
    CHECK(scan_8long("1777777777777777777777", &u) == 22);
    CHECK(u == ULONG_MAX);
  }
}

/* The bounded forms read no byte past len: the digits sit at the very
 * end of a heap block, so the sanitizer build catches any overread. */
static void
test_bounded(void)
{
  unsigned long u = 3;
  unsigned int ui = 3;
  char *exact = malloc(5);

  CHECK(exact != 0);
  if (!exact)
    return;
  memcpy(exact, "12345", 5);
  CHECK(scan_ulongn(exact, 5, &u) == 5 && u == 12345);
  CHECK(scan_ulongn(exact, 3, &u) == 3 && u == 123);
  u = 3;
  CHECK(scan_ulongn(exact, 0, &u) == 0 && u == 3);
  CHECK(scan_uintn(exact, 5, &ui) == 5 && ui == 12345);
  CHECK(scan_xlongn(exact, 5, &u) == 5 && u == 0x12345);
  CHECK(scan_8longn(exact, 5, &u) == 5 && u == 012345);
  CHECK(scan_8longn(exact, 2, &u) == 2 && u == 012);
  free(exact);
  /* a bounded scan stops early at a non-digit just the same */
  CHECK(scan_ulongn("12 34", 5, &u) == 2 && u == 12);
  CHECK(scan_uintn("99999999999", 9, &ui) == 9 && ui == 999999999);
  ui = 3;
  CHECK(scan_uintn("99999999999", 10, &ui) == 0 && ui == 3);
}

/* Random digit strings with junk after them, compared with strtoul,
 * which reports overflow as ERANGE. */
static void
test_random_against_strtoul(void)
{
  char text[48];
  int i, mismatches = 0;

  for (i = 0; i < 20000; ++i) {
    size_t digits = unit_rand() % 26;
    unsigned long got = 7, want;
    char *end;
    size_t n;

    unit_rand_fill(text, digits, "0123456789");
    unit_rand_fill(text + digits, 1, "x .:\n");
    text[digits + 1] = 0;
    errno = 0;
    want = strtoul(text, &end, 10);
    n = scan_ulong(text, &got);
    if (digits == 0) {
      if (n != 0 || got != 7)
        ++mismatches;
    } else if (errno == ERANGE) {
      if (n != 0 || got != 7)
        ++mismatches;
    } else if (n != digits || got != want || end != text + digits) {
      ++mismatches;
    }
    if (scan_ulongn(text, digits + 1, &got) != n)
      ++mismatches;

    unit_rand_fill(text, digits, "0123456789abcdefABCDEF");
    text[digits] = 0;
    got = 7;
    errno = 0;
    want = strtoul(text, &end, 16);
    n = scan_xlong(text, &got);
    if (digits && errno != ERANGE) {
      if (n != digits || got != want)
        ++mismatches;
    } else if (n != 0 || got != 7) {
      ++mismatches;
    }
  }
  CHECK(mismatches == 0);
}

/* fmt and scan are inverses for every value. */
static void
test_round_trip(void)
{
  char text[FMT_ULONG];
  int i, mismatches = 0;

  for (i = 0; i < 20000; ++i) {
    unsigned long n, back = 0;
    size_t len;

    unit_rand_fill((char *)&n, sizeof n, 0);
    n >>= unit_rand() % (sizeof n * CHAR_BIT);
    len = fmt_ulong(text, n);
    if (scan_ulongn(text, len, &back) != len || back != n)
      ++mismatches;
    len = fmt_xlong(text, n);
    if (scan_xlongn(text, len, &back) != len || back != n)
      ++mismatches;
    len = fmt_8long(text, n);
    if (scan_8longn(text, len, &back) != len || back != n)
      ++mismatches;
  }
  CHECK(mismatches == 0);
}

/* Arbitrary bytes: no crash, and never a count past the first
 * non-digit or past the bound. */
static void
test_hostile_bytes(void)
{
  char text[64];
  int i, bad = 0;

  for (i = 0; i < 20000; ++i) {
    size_t len = unit_rand() % sizeof text;
    unsigned long u;
    unsigned int ui;
    size_t n, bound = len ? unit_rand() % len : 0;

    unit_rand_fill(text, len, (unit_rand() & 1) ? 0 : "0123456789abcdefx");
    if (len)
      text[len - 1] = 0;
    n = scan_ulong(text, &u);
    if (n > 20 || (len && n >= len))
      ++bad;
    n = scan_uintn(text, bound, &ui);
    if (n > bound)
      ++bad;
    if (scan_xlongn(text, bound, &u) > bound)
      ++bad;
    if (scan_8longn(text, bound, &u) > bound)
      ++bad;
    if (len) {
      scan_xlong(text, &u);
      scan_8long(text, &u);
      scan_uint(text, &ui);
    }
  }
  CHECK(bad == 0);
}

int
main(void)
{
  RUN(test_decimal_prefix);
  RUN(test_decimal_overflow);
  RUN(test_hex_and_octal);
  RUN(test_bounded);
  RUN(test_random_against_strtoul);
  RUN(test_round_trip);
  RUN(test_hostile_bytes);
  return unit_done();
}
