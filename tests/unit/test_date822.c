/* Unit tests for date822: formatting, parsing, hostile input. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "date822.h"
#include "stralloc.h"
#include "unit.h"

#define WIDE_TIME (sizeof(time_t) >= 8)

/* Format t with the given offset (or UTC) and compare. */
static void
check_fmt(long long t, long offset, const char *want, int line)
{
  stralloc sa = STRALLOC_ZERO;
  int ok = date822_fmt_offset(&sa, (time_t)t, offset);

  unit_check(ok, "date822_fmt_offset succeeds", __FILE__, line);
  if (ok)
    unit_check_mem(sa.s, sa.len, want, strlen(want), "formatted date",
                   __FILE__, line);
  stralloc_free(&sa);
}

#define FMT(t, offset, want) check_fmt((t), (offset), (want), __LINE__)

/* Parse from a heap copy of exactly len bytes, so that AddressSanitizer
 * reports any read past the end (a string literal has its NUL there). */
static int
parse_copy(const char *s, size_t len, time_t *t)
{
  char *copy = malloc(len ? len : 1);
  int ok, saved;

  if (!copy) {
    errno = ENOMEM;
    return 0;
  }
  memcpy(copy, s, len);
  ok = date822_parse(copy, len, t);
  saved = errno;
  free(copy);
  errno = saved;
  return ok;
}

static int
parse_str(const char *s, time_t *t)
{
  return parse_copy(s, strlen(s), t);
}

/* Parse s and expect the instant want. */
static void
check_parse(const char *s, long long want, int line)
{
  time_t t = 12345;
  int ok;

  errno = 0;
  ok = parse_str(s, &t);
  unit_check(ok, s, __FILE__, line);
  if (ok && (long long)t != want) {
    unit_check(0, "parsed instant", __FILE__, line);
    printf("#   \"%s\": got %lld, want %lld\n", s, (long long)t, want);
  }
}

#define PARSE(s, want) check_parse((s), (want), __LINE__)

/* Expect s to be refused with errno EINVAL and t left alone. */
static void
check_refused(const char *s, size_t len, int line)
{
  time_t t = 12345;
  int ok;

  errno = 0;
  ok = parse_copy(s, len, &t);
  unit_check(!ok && errno == EINVAL && t == 12345, s, __FILE__, line);
}

#define REFUSE(s) check_refused((s), strlen(s), __LINE__)
#define REFUSE_MEM(s) check_refused((s), sizeof(s) - 1, __LINE__)

static void
test_fmt_epoch(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(date822_fmt(&sa, 0));
  CHECK_SA(sa, "Thu, 1 Jan 1970 00:00:00 +0000");
  /* formatting appends */
  CHECK(stralloc_copys(&sa, "Date: "));
  CHECK(date822_fmt(&sa, 1234567890));
  CHECK_SA(sa, "Date: Fri, 13 Feb 2009 23:31:30 +0000");
  CHECK(date822_fmt(&sa, -1));
  CHECK_SA(sa, "Date: Fri, 13 Feb 2009 23:31:30 +0000"
           "Wed, 31 Dec 1969 23:59:59 +0000");
  stralloc_free(&sa);
}

static void
test_fmt_known_dates(void)
{
  FMT(951782400, 0, "Tue, 29 Feb 2000 00:00:00 +0000");
  FMT(951782400 - 1, 0, "Mon, 28 Feb 2000 23:59:59 +0000");
  FMT(951782400 + 86400, 0, "Wed, 1 Mar 2000 00:00:00 +0000");
  FMT(1709164800, 0, "Thu, 29 Feb 2024 00:00:00 +0000");
  FMT(1709164800 + 86399, 0, "Thu, 29 Feb 2024 23:59:59 +0000");
  FMT(1795316040, 0, "Sun, 22 Nov 2026 02:54:00 +0000");
  FMT(2147483647, 0, "Tue, 19 Jan 2038 03:14:07 +0000");
  FMT(-27736080, 0, "Thu, 13 Feb 1969 23:32:00 +0000");
  if (WIDE_TIME) {
    FMT(2147483648LL, 0, "Tue, 19 Jan 2038 03:14:08 +0000");
    FMT(4102444800LL, 0, "Fri, 1 Jan 2100 00:00:00 +0000");
    /* 2100 is not a leap year: 28 Feb is followed by 1 Mar */
    FMT(4107542400LL - 1, 0, "Sun, 28 Feb 2100 23:59:59 +0000");
    FMT(4107542400LL, 0, "Mon, 1 Mar 2100 00:00:00 +0000");
    /* neither was 1900 */
    FMT(-2203891200LL, 0, "Thu, 1 Mar 1900 00:00:00 +0000");
    FMT(-2203891200LL - 1, 0, "Wed, 28 Feb 1900 23:59:59 +0000");
    FMT(-2208988800LL, 0, "Mon, 1 Jan 1900 00:00:00 +0000");
    FMT(253402300799LL, 0, "Fri, 31 Dec 9999 23:59:59 +0000");
  }
}

static void
test_fmt_range(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "keep"));
  if (WIDE_TIME) {
    errno = 0;
    CHECK(!date822_fmt(&sa, (time_t)253402300800LL) && errno == EOVERFLOW);
    errno = 0;
    CHECK(!date822_fmt(&sa, (time_t)-2208988801LL) && errno == EOVERFLOW);
    errno = 0;
    CHECK(!date822_fmt(&sa, (time_t)(-0x7fffffffffffffffLL - 1))
          && errno == EOVERFLOW);
    errno = 0;
    CHECK(!date822_fmt(&sa, (time_t)0x7fffffffffffffffLL)
          && errno == EOVERFLOW);
    /* the local offset may push an instant across the limit */
    errno = 0;
    CHECK(!date822_fmt_offset(&sa, (time_t)253402300799LL, 60)
          && errno == EOVERFLOW);
  }
  errno = 0;
  CHECK(!date822_fmt_offset(&sa, 0, 100L * 3600) && errno == EINVAL);
  errno = 0;
  CHECK(!date822_fmt_offset(&sa, 0, -100L * 3600) && errno == EINVAL);
  CHECK_SA(sa, "keep");
  stralloc_free(&sa);
}

static void
test_fmt_offsets(void)
{
  FMT(0, 3600, "Thu, 1 Jan 1970 01:00:00 +0100");
  FMT(0, -5 * 3600, "Wed, 31 Dec 1969 19:00:00 -0500");
  FMT(0, 5 * 3600 + 1800, "Thu, 1 Jan 1970 05:30:00 +0530");
  FMT(0, -(3 * 3600 + 1800), "Wed, 31 Dec 1969 20:30:00 -0330");
  FMT(0, 100L * 3600 - 1, "Mon, 5 Jan 1970 03:59:00 +9959");
  FMT(0, -(100L * 3600 - 1), "Sat, 27 Dec 1969 20:01:00 -9959");
  /* seconds in the offset are dropped, and the time follows suit */
  FMT(0, 3659, "Thu, 1 Jan 1970 01:00:00 +0100");
  FMT(0, -59, "Thu, 1 Jan 1970 00:00:00 +0000");
  FMT(0, -61, "Wed, 31 Dec 1969 23:59:00 -0001");
  /* crossing a leap day backwards */
  FMT(951868800, -3600, "Tue, 29 Feb 2000 23:00:00 -0100");
}

static void
test_fmt_local(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1) == 0);
  tzset();
  CHECK(date822_fmt_local(&sa, 0));
  CHECK_SA(sa, "Wed, 31 Dec 1969 19:00:00 -0500");
  sa.len = 0;
  CHECK(date822_fmt_local(&sa, 1720008000));
  CHECK_SA(sa, "Wed, 3 Jul 2024 08:00:00 -0400");

  CHECK(setenv("TZ", "<+0530>-5:30", 1) == 0);
  tzset();
  sa.len = 0;
  CHECK(date822_fmt_local(&sa, 1709164800));
  CHECK_SA(sa, "Thu, 29 Feb 2024 05:30:00 +0530");

  /* zones with seconds in their offset go to the nearest minute */
  CHECK(setenv("TZ", "<+001932>-0:19:32", 1) == 0);
  tzset();
  sa.len = 0;
  CHECK(date822_fmt_local(&sa, 0));
  CHECK_SA(sa, "Thu, 1 Jan 1970 00:20:00 +0020");
  CHECK(setenv("TZ", "<-001928>0:19:28", 1) == 0);
  tzset();
  sa.len = 0;
  CHECK(date822_fmt_local(&sa, 0));
  CHECK_SA(sa, "Wed, 31 Dec 1969 23:41:00 -0019");

  CHECK(setenv("TZ", "UTC0", 1) == 0);
  tzset();
  sa.len = 0;
  CHECK(date822_fmt_local(&sa, 1795316040));
  CHECK_SA(sa, "Sun, 22 Nov 2026 02:54:00 +0000");
  stralloc_free(&sa);
}

/* Compare the formatter with gmtime_r() and the parser with the
 * formatter over instants spread across the supported range. */
static void
test_fmt_against_gmtime(void)
{
  static const char *const days[7] = {
    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
  };
  static const char *const months[12] = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };
  stralloc sa = STRALLOC_ZERO;
  long long lo = WIDE_TIME ? -2208988800LL : -2147483647LL - 1;
  long long hi = WIDE_TIME ? 253402300799LL : 2147483647LL;
  int i, mismatches = 0, roundtrip_failures = 0;

  for (i = 0; i < 20000; ++i) {
    unsigned long long r = ((unsigned long long)unit_rand() << 32) | unit_rand();
    long long t = lo + (long long)(r % (unsigned long long)(hi - lo + 1));
    time_t tt, back = 0;
    struct tm tm;
    char want[64];

    /* begin with the two ends of the range */
    if (i < 2)
      t = lo + i;
    else if (i < 4)
      t = hi - (i - 2);
    tt = (time_t)t;
    sa.len = 0;
    if (!gmtime_r(&tt, &tm) || !date822_fmt(&sa, tt)) {
      ++mismatches;
      continue;
    }
    snprintf(want, sizeof want, "%s, %d %s %04d %02d:%02d:%02d +0000",
             days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (sa.len != strlen(want) || memcmp(sa.s, want, sa.len) != 0) {
      if (++mismatches < 5)
        printf("# %lld: got \"%.*s\", want \"%s\"\n", t, (int)sa.len, sa.s,
               want);
    }
    if (!date822_parse(sa.s, sa.len, &back) || back != tt)
      ++roundtrip_failures;
  }
  CHECK(mismatches == 0);
  CHECK(roundtrip_failures == 0);
  stralloc_free(&sa);
}

static void
test_parse_standard(void)
{
  PARSE("Thu, 1 Jan 1970 00:00:00 +0000", 0);
  PARSE("Sun, 22 Nov 2026 02:54:00 +0000", 1795316040);
  /* the examples of RFC 5322 appendix A */
  PARSE("Fri, 21 Nov 1997 09:55:06 -0600", 880127706);
  PARSE("Tue, 1 Jul 2003 10:52:37 +0200", 1057049557);
  PARSE("Thu, 13 Feb 1969 23:32:54 -0330", -27723480 + 54);
  PARSE("Fri, 21 Nov 1997 09:55:06 -0000", 880106106);
  PARSE("Fri, 21 Nov 1997 09:55:06 +9959", 880106106 - 359940);
  PARSE("21 Nov 1997 09:55:06 +0000", 880106106);
  PARSE("Fri, 21 Nov 1997 09:55 +0000", 880106106 - 6);
  PARSE("Tue, 29 Feb 2000 00:00:00 +0000", 951782400);
  PARSE("Thu, 29 Feb 2024 00:00:00 +0000", 1709164800);
  PARSE("Wed, 02 Oct 2002 15:00:00 +0200", 1033563600);
  PARSE("Tue, 19 Jan 2038 03:14:07 +0000", 2147483647);
  /* a leap second counts as the first second of the next minute */
  PARSE("Fri, 31 Dec 1999 23:59:60 +0000", 946684800);
  /* the day name is not checked against the date */
  PARSE("Mon, 29 Feb 2024 00:00:00 +0000", 1709164800);
}

static void
test_parse_real_world(void)
{
  PARSE(" Wed, 02 Oct 2002 08:00:00 EST", 1033563600);
  PARSE("Wed, 2 Oct 2002 09:00:00 EDT", 1033563600);
  PARSE("Wed, 2 Oct 2002 13:00:00 GMT", 1033563600);
  PARSE("Wed, 2 Oct 2002 13:00:00 UT", 1033563600);
  PARSE("Wed, 2 Oct 2002 13:00:00 UTC", 1033563600);
  PARSE("Wed, 2 Oct 2002 07:00:00 CST", 1033563600);
  PARSE("Wed, 2 Oct 2002 08:00:00 CDT", 1033563600);
  PARSE("Wed, 2 Oct 2002 06:00:00 MST", 1033563600);
  PARSE("Wed, 2 Oct 2002 07:00:00 MDT", 1033563600);
  PARSE("Wed, 2 Oct 2002 05:00:00 PST", 1033563600);
  PARSE("Wed, 2 Oct 2002 06:00:00 PDT", 1033563600);
  PARSE("wed, 2 oct 2002 06:00:00 pdt", 1033563600);
  PARSE("WED, 2 OCT 2002 06:00:00 Pdt", 1033563600);
  PARSE("Mon, 15 Aug 2005 15:52:01 +0000 (UTC)", 1124121121);
  PARSE("Tue, 4 Mar 2003 22:33:11 -0800 (PST)", 1046845991);
  PARSE("Tue,  4 Mar 2003 22:33:11 -0800", 1046845991);
  PARSE("Tue,4 Mar 2003 22:33:11 -0800", 1046845991);
  PARSE("Tue, 4 Mar 2003 22:33:11 -0800\t", 1046845991);
  PARSE("\t4 Mar 2003 22:33:11 -0800", 1046845991);
  /* military zones all mean -0000 */
  PARSE("Wed, 2 Oct 2002 13:00:00 Z", 1033563600);
  PARSE("Wed, 2 Oct 2002 13:00:00 A", 1033563600);
  PARSE("Wed, 2 Oct 2002 13:00:00 m", 1033563600);
  PARSE("Wed, 2 Oct 2002 13:00:00 Y", 1033563600);
  PARSE("Wed, 2 Oct 2002 13:00:00 k", 1033563600);
}

static void
test_parse_obsolete_years(void)
{
  PARSE("21 Nov 97 09:55:06 GMT", 880106106);
  PARSE("1 Jan 49 00:00 +0000", 2493072000LL);
  PARSE("1 Jan 50 00:00 +0000", -631152000);
  PARSE("1 Jan 00 00:00 +0000", 946684800);
  PARSE("1 Jan 99 00:00 +0000", 915148800);
  PARSE("1 Jan 100 00:00 +0000", 946684800);
  PARSE("1 Jan 070 00:00 +0000", 0);
  PARSE("1 Jan 02000 00:00 +0000", 946684800);
  PARSE("1 Jan 000002000 00:00 +0000", 946684800);
  if (WIDE_TIME) {
    PARSE("1 Jan 999 00:00 +0000", 29316470400LL);
    PARSE("19 Jan 2038 03:14:08 +0000", 2147483648LL);
    PARSE("1 Mar 2100 00:00 +0000", 4107542400LL);
    PARSE("1 Jan 1900 00:00:00 +0000", -2208988800LL);
    /* in 1900 but at an instant of 1899: fine */
    PARSE("1 Jan 1900 00:00:00 +0001", -2208988860LL);
    PARSE("Fri, 31 Dec 9999 23:59:59 +0000", 253402300799LL);
    PARSE("Fri, 31 Dec 9999 23:59:59 -9959", 253402300799LL + 359940);
  }
}

static void
test_parse_comments_and_folding(void)
{
  /* RFC 5322 appendix A.6.3 */
  PARSE("Thu,\r\n      13\r\n        Feb\r\n          1969\r\n      23:32\r\n"
        "               -0330 (Newfoundland Time)", -27723480);
  PARSE("Thu,\n 13\n\tFeb 1969 23:32 -0330", -27723480);
  PARSE("(a)Fri(b),(c)21(d)Nov(e)1997(f)09(g):(h)55(i):(j)06(k)-0600(l)",
        880127706);
  PARSE("Fri, 21 Nov 1997 09 : 55 : 06 -0600", 880127706);
  PARSE("Fri , 21 Nov 1997 09:55:06 -0600", 880127706);
  PARSE("21Nov1997 09:55:06-0600", 880127706);
  PARSE("Fri,21Nov97 09:55:06EST", 880106106 + 5 * 3600);
  PARSE("Fri, 21 Nov 1997 09:55:06 -0600 (a (nested \\) comment) "
        "with \\( escapes)", 880127706);
  PARSE("Fri, 21 Nov 1997 09:55:06 -0600 (\xc3\xa9t\xc3\xa9 \\\x01)",
        880127706);
  PARSE("Fri, 21 Nov 1997 09:55:06 -0600 (folded\r\n comment)", 880127706);
  PARSE("Fri, 21 Nov 1997 09:55:06 -0600 ()(())", 880127706);
}

static void
test_parse_refuses_structure(void)
{
  REFUSE("");
  REFUSE("   ");
  REFUSE("(just a comment)");
  REFUSE("Fri, 21 Nov 1997 09:55:06");
  REFUSE("Fri, 21 Nov 1997");
  REFUSE("Fri, 21 Nov");
  REFUSE("Fri,");
  REFUSE("Fri 21 Nov 1997 09:55:06 -0600");
  REFUSE(", 21 Nov 1997 09:55:06 -0600");
  REFUSE("Fri,, 21 Nov 1997 09:55:06 -0600");
  REFUSE("Fry, 21 Nov 1997 09:55:06 -0600");
  REFUSE("Friday, 21 Nov 1997 09:55:06 -0600");
  REFUSE("Fri, 21 Nov 1997 09:55:06 -0600 extra");
  REFUSE("Fri, 21 Nov 1997 09:55:06 -0600 -0600");
  REFUSE("Fri, 21 Nov 1997 09:55:06 -0600,");
  REFUSE("1997-11-21T09:55:06Z");
  REFUSE("Fri Nov 21 09:55:06 1997");
  REFUSE("Fri Nov 21 09:55:06 UTC 1997");
}

static void
test_parse_refuses_fields(void)
{
  REFUSE("0 Jan 2024 00:00 +0000");
  REFUSE("32 Jan 2024 00:00 +0000");
  REFUSE("31 Apr 2024 00:00 +0000");
  REFUSE("29 Feb 2023 00:00 +0000");
  REFUSE("29 Feb 1900 00:00 +0000");
  REFUSE("30 Feb 2000 00:00 +0000");
  REFUSE("001 Jan 2024 00:00 +0000");
  REFUSE("Jan 2024 00:00 +0000");
  REFUSE("1 Janu 2024 00:00 +0000");
  REFUSE("1 January 2024 00:00 +0000");
  REFUSE("1 Foo 2024 00:00 +0000");
  REFUSE("1 1 2024 00:00 +0000");
  REFUSE("1 Jan 2 00:00 +0000");
  REFUSE("1 Jan 1899 00:00 +0000");
  REFUSE("1 Jan 10000 00:00 +0000");
  REFUSE("1 Jan 0099 00:00 +0000");
  REFUSE("1 Jan 1234567890 00:00 +0000");
  REFUSE("1 Jan 2024 +0000");
  REFUSE("1 Jan 2024 24:00:00 +0000");
  REFUSE("1 Jan 2024 23:60:00 +0000");
  REFUSE("1 Jan 2024 23:59:61 +0000");
  REFUSE("1 Jan 2024 1:00:00 +0000");
  REFUSE("1 Jan 2024 001:00:00 +0000");
  REFUSE("1 Jan 2024 01:0:00 +0000");
  REFUSE("1 Jan 2024 01:00:0 +0000");
  REFUSE("1 Jan 2024 01:00:000 +0000");
  REFUSE("1 Jan 2024 0100 +0000");
  REFUSE("1 Jan 2024 01: +0000");
  REFUSE("1 Jan 2024 01:00: +0000");
  REFUSE("1 Jan 2024 01::00 +0000");
  REFUSE("1 Jan 2024 01:00:00:00 +0000");
}

static void
test_parse_refuses_zones(void)
{
  REFUSE("1 Jan 2024 00:00 +060");
  REFUSE("1 Jan 2024 00:00 +06000");
  REFUSE("1 Jan 2024 00:00 +0660");
  REFUSE("1 Jan 2024 00:00 0600");
  REFUSE("1 Jan 2024 00:00 + 0600");
  REFUSE("1 Jan 2024 00:00 +");
  REFUSE("1 Jan 2024 00:00 --0600");
  REFUSE("1 Jan 2024 00:00 CET");
  REFUSE("1 Jan 2024 00:00 GMT+1");
  REFUSE("1 Jan 2024 00:00 GMT+0100");
  REFUSE("1 Jan 2024 00:00 GM");
  REFUSE("1 Jan 2024 00:00 J");
  REFUSE("1 Jan 2024 00:00 j");
  REFUSE("1 Jan 2024 00:00 ZZ");
  REFUSE("1 Jan 2024 00:00 UTCX");
}

static void
test_parse_refuses_bytes(void)
{
  REFUSE("1 Jan 2024 00:00 +0000 (unclosed");
  REFUSE("1 Jan 2024 00:00 +0000 (a (b)");
  REFUSE("1 Jan 2024 00:00 +0000 )");
  REFUSE("1 Jan 2024 00:00 +0000 (ends in backslash\\");
  REFUSE("1 Jan 2024 00:00 +0000 (escaped line end \\\r\n )");
  REFUSE("1 Jan 2024 00:00 +0000 (bare\rCR)");
  REFUSE("1 Jan 2024 00:00 +0000\n");
  REFUSE("1 Jan 2024 00:00 +0000\r\n");
  REFUSE("1 Jan 2024\r 00:00 +0000");
  REFUSE("1 Jan 2024\r\n\r\n 00:00 +0000");
  REFUSE("1 Jan 2024\n\n 00:00 +0000");
  REFUSE("1 Jan 2024\n00:00 +0000");
  REFUSE_MEM("1 Jan 2024 00:00 +0000\0");
  REFUSE_MEM("1 Jan 2024\0 00:00 +0000");
  REFUSE_MEM("1 Jan 2024 00:00 +0000 (a\0b)");
  REFUSE_MEM("1 Jan 2024 00:00 +0000 (a\\\0b)");
  REFUSE("1 Jan 2024 00:00 +0000 \x80");
  REFUSE("1 Jan\xa0 2024 00:00 +0000");
}

/* A length shorter than the string must hide the rest of it. */
static void
test_parse_respects_length(void)
{
  static const char full[] = "Fri, 21 Nov 1997 09:55:06 -0600";
  time_t t = 0;
  size_t n;

  CHECK(date822_parse(full, sizeof full - 1, &t) && t == 880127706);
  for (n = 0; n < sizeof full - 1; ++n) {
    time_t u = 7;

    errno = 0;
    if (date822_parse(full, n, &u) || errno != EINVAL || u != 7) {
      CHECK(!"a prefix was accepted");
      printf("#   prefix length %zu\n", n);
    }
  }
  /* the byte after len is not part of the zone */
  t = 0;
  CHECK(date822_parse("Fri, 21 Nov 1997 09:55:06 -06001", 31, &t));
  CHECK(t == 880127706);
}

static void
test_parse_overflow(void)
{
  time_t t = 99;

  errno = 0;
  if (WIDE_TIME) {
    CHECK(date822_parse("1 Jan 2100 00:00 +0000", 22, &t));
  } else {
    CHECK(!date822_parse("1 Jan 2100 00:00 +0000", 22, &t));
    CHECK(errno == EOVERFLOW && t == 99);
  }
}

/* Parse len bytes from a heap block of exactly that size, so that
 * AddressSanitizer sees any read past the end. */
static int
parse_exact(const char *src, size_t len, time_t *t, int *bad_errno)
{
  char *copy = malloc(len ? len : 1);
  int ok;

  if (!copy)
    return -1;
  memcpy(copy, src, len);
  errno = 0;
  ok = date822_parse(copy, len, t);
  if (!ok && errno != EINVAL && errno != EOVERFLOW)
    ++*bad_errno;
  if (ok != 0 && ok != 1)
    ++*bad_errno;
  free(copy);
  return ok;
}

static void
test_hostile_random(void)
{
  static const char *const alphabets[3] = {
    "0123456789 :+-,()\\\r\n\tJanFebMonTueGMTESTUTCZzjJ",
    "0123456789 ::::++--,,((((()))))\\\r\n\t \t  \x80\xff",
    0
  };
  char buf[301];
  int a, i, bad = 0, failed_alloc = 0;
  time_t t;

  for (a = 0; a < 3; ++a)
    for (i = 0; i < 50000; ++i) {
      size_t len = unit_rand() % 301;

      unit_rand_fill(buf, len, alphabets[a]);
      if (parse_exact(buf, len, &t, &bad) < 0)
        ++failed_alloc;
    }
  CHECK(bad == 0);
  CHECK(failed_alloc == 0);
}

/* Random edits of valid dates reach the deep parts of the parser. */
static void
test_hostile_mutations(void)
{
  static const char *const seeds[] = {
    "Fri, 21 Nov 1997 09:55:06 -0600",
    "Thu,\r\n 13\r\n Feb\r\n 1969\r\n 23:32\r\n -0330 (Newfoundland (Time))",
    "(a)Fri(b),(c)21(d)Nov(e)97(f)09(g):(h)55(i):(j)06(k)EST(l\\))",
    "29 Feb 2000 23:59:60 Z",
  };
  static const char noise[] = "0123456789 :+-,()\\\r\n\t\0aZjJ";
  char buf[200];
  int i, bad = 0, accepted = 0, failed_alloc = 0;
  time_t t;

  for (i = 0; i < 50000; ++i) {
    const char *seed = seeds[unit_rand() % (sizeof seeds / sizeof seeds[0])];
    size_t len = strlen(seed);
    int edits = 1 + (int)(unit_rand() % 3), e, ok;

    memcpy(buf, seed, len);
    for (e = 0; e < edits; ++e) {
      size_t at = len ? unit_rand() % len : 0;

      switch (unit_rand() % 4) {
      case 0: /* replace */
        if (len)
          buf[at] = noise[unit_rand() % (sizeof noise - 1)];
        break;
      case 1: /* delete */
        if (len) {
          memmove(buf + at, buf + at + 1, len - at - 1);
          --len;
        }
        break;
      case 2: /* insert */
        if (len < sizeof buf) {
          memmove(buf + at + 1, buf + at, len - at);
          buf[at] = noise[unit_rand() % (sizeof noise - 1)];
          ++len;
        }
        break;
      default: /* truncate */
        len = at;
      }
    }
    ok = parse_exact(buf, len, &t, &bad);
    if (ok < 0)
      ++failed_alloc;
    else
      accepted += ok;
  }
  CHECK(bad == 0);
  CHECK(failed_alloc == 0);
  /* some edits (a digit for a digit, a blank for a blank) stay valid */
  CHECK(accepted > 100);
  CHECK(accepted < 50000);
}

int
main(void)
{
  RUN(test_fmt_epoch);
  RUN(test_fmt_known_dates);
  RUN(test_fmt_range);
  RUN(test_fmt_offsets);
  RUN(test_fmt_local);
  RUN(test_fmt_against_gmtime);
  RUN(test_parse_standard);
  RUN(test_parse_real_world);
  RUN(test_parse_obsolete_years);
  RUN(test_parse_comments_and_folding);
  RUN(test_parse_refuses_structure);
  RUN(test_parse_refuses_fields);
  RUN(test_parse_refuses_zones);
  RUN(test_parse_refuses_bytes);
  RUN(test_parse_respects_length);
  RUN(test_parse_overflow);
  RUN(test_hostile_random);
  RUN(test_hostile_mutations);
  return unit_done();
}
