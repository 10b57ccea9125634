/* date822.c -- RFC 5322 dates; see date822.h. */
#include <errno.h>
#include <time.h>

#include "caseless.h"
#include "date822.h"
#include "stralloc.h"

struct date_scan {
  const char *s;
  size_t len;
  size_t pos;
};

struct zone_name {
  const char *name;
  int minutes;
};

static long long floor_div(long long a, long long b);
static long long floor_mod(long long a, long long b);
static int is_leap(long long year);
static int days_in_month(long long year, int month);
static long long days_before_year(long long year);
static long long days_from_date(long long year, int month, int day);
static void date_from_days(long long days, long long *year, int *month,
                           int *day);
static char *put_number(char *p, unsigned long n, int width);
static int skip_line_break(struct date_scan *sc);
static int skip_comment(struct date_scan *sc);
static int skip_cfws(struct date_scan *sc);
static size_t scan_digits(struct date_scan *sc, unsigned long *value);
static size_t scan_letters(struct date_scan *sc, size_t *start);
static int peek(const struct date_scan *sc, char c);
static int is_letter(char c);
static int same_name(const char *s, size_t n, const char *name);
static int name_index(const char *s, size_t n, const char *const *names,
                      int count);
static int scan_zone(struct date_scan *sc, long *minutes);
static int fits_time_t(long long v);

static const char *const day_names[7] = {
  "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"
};

static const char *const month_names[12] = {
  "Jan", "Feb", "Mar", "Apr", "May", "Jun",
  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
};

/* Days in a common year before the first of each month, and in all. */
static const unsigned short days_before_month[13] = {
  0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365
};

static const struct zone_name zone_names[] = {
  { "UT", 0 }, { "UTC", 0 }, { "GMT", 0 },
  { "EST", -5 * 60 }, { "EDT", -4 * 60 },
  { "CST", -6 * 60 }, { "CDT", -5 * 60 },
  { "MST", -7 * 60 }, { "MDT", -6 * 60 },
  { "PST", -8 * 60 }, { "PDT", -7 * 60 },
};

#define YEAR_FIRST 1900
#define YEAR_LAST 9999
#define SECONDS_PER_DAY 86400

/* Calendar arithmetic (proleptic Gregorian, days counted from
 * 1970-01-01).  Only years from 1 upward are ever passed in. */

static long long
floor_div(long long a, long long b)
{
  long long q = a / b;

  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

static long long
floor_mod(long long a, long long b)
{
  long long r = a % b;

  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

static int
is_leap(long long year)
{
  return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

static int
days_in_month(long long year, int month)
{
  int n = days_before_month[month] - days_before_month[month - 1];

  return month == 2 && is_leap(year) ? n + 1 : n;
}

static long long
days_before_year(long long year)
{
  /* leap years among 1..year-1, less those among 1..1969 */
  long long before = year - 1;
  long long leaps = before / 4 - before / 100 + before / 400;

  return 365 * (year - 1970) + leaps - (1969 / 4 - 1969 / 100 + 1969 / 400);
}

static long long
days_from_date(long long year, int month, int day)
{
  long long days = days_before_year(year) + days_before_month[month - 1];

  if (month > 2 && is_leap(year))
    ++days;
  return days + day - 1;
}

static void
date_from_days(long long days, long long *year, int *month, int *day)
{
  long long y = 1970 + floor_div(days, 365);
  long long rest;
  int m, leap;

  /* the guess is off by a few years at most in the supported range */
  while (days_before_year(y) > days)
    --y;
  while (days_before_year(y + 1) <= days)
    ++y;
  rest = days - days_before_year(y);
  leap = is_leap(y);
  m = 12;
  while (days_before_month[m - 1] + (m > 2 && leap) > rest)
    --m;
  *year = y;
  *month = m;
  *day = (int)(rest - days_before_month[m - 1] - (m > 2 && leap)) + 1;
}

/* Formatting */

/* Write n in decimal, zero-padded to at least width digits. */
static char *
put_number(char *p, unsigned long n, int width)
{
  char digits[24];
  int count = 0;

  do {
    digits[count++] = (char)('0' + n % 10);
    n /= 10;
  } while (n);
  while (count < width)
    digits[count++] = '0';
  while (count)
    *p++ = digits[--count];
  return p;
}

int
date822_fmt_offset(stralloc *out, time_t t, long offset)
{
  char text[64];
  char *p = text;
  long minutes = offset / 60;
  long zone = minutes < 0 ? -minutes : minutes;
  long long days, secs, year;
  int month, day;
  const char *name;

  if (minutes <= -100 * 60 || minutes >= 100 * 60) {
    errno = EINVAL;
    return 0;
  }
  days = floor_div((long long)t, SECONDS_PER_DAY);
  secs = floor_mod((long long)t, SECONDS_PER_DAY) + minutes * 60;
  days += floor_div(secs, SECONDS_PER_DAY);
  secs = floor_mod(secs, SECONDS_PER_DAY);
  if (days < days_before_year(YEAR_FIRST)
      || days >= days_before_year(YEAR_LAST + 1)) {
    errno = EOVERFLOW;
    return 0;
  }
  date_from_days(days, &year, &month, &day);

  /* 1970-01-01 was a Thursday */
  for (name = day_names[floor_mod(days + 4, 7)]; *name; ++name)
    *p++ = *name;
  *p++ = ',';
  *p++ = ' ';
  p = put_number(p, (unsigned long)day, 1);
  *p++ = ' ';
  for (name = month_names[month - 1]; *name; ++name)
    *p++ = *name;
  *p++ = ' ';
  p = put_number(p, (unsigned long)year, 4);
  *p++ = ' ';
  p = put_number(p, (unsigned long)(secs / 3600), 2);
  *p++ = ':';
  p = put_number(p, (unsigned long)(secs / 60 % 60), 2);
  *p++ = ':';
  p = put_number(p, (unsigned long)(secs % 60), 2);
  *p++ = ' ';
  *p++ = minutes < 0 ? '-' : '+';
  p = put_number(p, (unsigned long)(zone / 60), 2);
  p = put_number(p, (unsigned long)(zone % 60), 2);
  return stralloc_catb(out, text, (size_t)(p - text));
}

int
date822_fmt(stralloc *out, time_t t)
{
  return date822_fmt_offset(out, t, 0);
}

int
date822_fmt_local(stralloc *out, time_t t)
{
  struct tm tm;
  long long local, diff;

  errno = 0;
  if (!localtime_r(&t, &tm)) {
    if (!errno)
      errno = EOVERFLOW;
    return 0;
  }
  /* keep the arithmetic below within years it is defined for */
  if (tm.tm_year < YEAR_FIRST - 1 - 1900 || tm.tm_year > YEAR_LAST + 1 - 1900
      || tm.tm_mon < 0 || tm.tm_mon > 11) {
    errno = EOVERFLOW;
    return 0;
  }
  local = days_from_date(tm.tm_year + 1900LL, tm.tm_mon + 1, tm.tm_mday)
          * SECONDS_PER_DAY
          + tm.tm_hour * 3600LL + tm.tm_min * 60LL + tm.tm_sec;
  diff = local - (long long)t;
  /* round to whole minutes: zones that count leap seconds are off by a
   * few seconds, and truncation would turn -3573 into -0059 */
  diff = floor_div(diff + 30, 60) * 60;
  if (diff <= -100LL * 3600 || diff >= 100LL * 3600) {
    errno = EOVERFLOW;
    return 0;
  }
  return date822_fmt_offset(out, t, (long)diff);
}

/* Parsing.  The scanner never looks at s[pos] without pos < len. */

static int
peek(const struct date_scan *sc, char c)
{
  return sc->pos < sc->len && sc->s[sc->pos] == c;
}

static int
is_letter(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* At CR or LF: consume a line break that continues with SP or HTAB. */
static int
skip_line_break(struct date_scan *sc)
{
  size_t p = sc->pos;

  if (sc->s[p] == '\r') {
    ++p;
    if (p == sc->len || sc->s[p] != '\n')
      return 0;
  }
  ++p;
  if (p == sc->len || (sc->s[p] != ' ' && sc->s[p] != '\t'))
    return 0;
  sc->pos = p + 1;
  return 1;
}

/* At '(': consume a comment with everything nested in it.  Counting
 * the depth instead of recursing keeps hostile nesting off the stack. */
static int
skip_comment(struct date_scan *sc)
{
  size_t depth = 0;

  for (;;) {
    char c;

    if (sc->pos == sc->len)
      return 0;
    c = sc->s[sc->pos];
    switch (c) {
    case '(':
      ++depth;
      ++sc->pos;
      break;
    case ')':
      ++sc->pos;
      if (--depth == 0)
        return 1;
      break;
    case '\\':
      if (sc->pos + 1 == sc->len)
        return 0;
      c = sc->s[sc->pos + 1];
      if (c == 0 || c == '\r' || c == '\n')
        return 0;
      sc->pos += 2;
      break;
    case '\r':
    case '\n':
      if (!skip_line_break(sc))
        return 0;
      break;
    case 0:
      return 0;
    default:
      ++sc->pos;
    }
  }
}

/* Skip comments and folding white space; 0 if they are malformed. */
static int
skip_cfws(struct date_scan *sc)
{
  while (sc->pos < sc->len) {
    char c = sc->s[sc->pos];

    if (c == ' ' || c == '\t')
      ++sc->pos;
    else if (c == '\r' || c == '\n') {
      if (!skip_line_break(sc))
        return 0;
    } else if (c == '(') {
      if (!skip_comment(sc))
        return 0;
    } else
      break;
  }
  return 1;
}

/* Consume a run of digits; return its length, and the value of its
 * first nine digits (callers refuse longer runs). */
static size_t
scan_digits(struct date_scan *sc, unsigned long *value)
{
  size_t n = 0;

  *value = 0;
  while (sc->pos < sc->len && sc->s[sc->pos] >= '0' && sc->s[sc->pos] <= '9') {
    if (n < 9)
      *value = *value * 10 + (unsigned long)(sc->s[sc->pos] - '0');
    ++n;
    ++sc->pos;
  }
  return n;
}

static size_t
scan_letters(struct date_scan *sc, size_t *start)
{
  *start = sc->pos;
  while (sc->pos < sc->len && is_letter(sc->s[sc->pos]))
    ++sc->pos;
  return sc->pos - *start;
}

/* 1 if s[0..n) spells name, ignoring case. */
static int
same_name(const char *s, size_t n, const char *name)
{
  size_t k = 0;

  while (k < n && name[k] && case_lower(s[k]) == case_lower(name[k]))
    ++k;
  return k == n && !name[k];
}

/* Index of s[0..n) among names, ignoring case; -1 if absent. */
static int
name_index(const char *s, size_t n, const char *const *names, int count)
{
  int i;

  for (i = 0; i < count; ++i)
    if (same_name(s, n, names[i]))
      return i;
  return -1;
}

/* The zone, as minutes east of UTC. */
static int
scan_zone(struct date_scan *sc, long *minutes)
{
  unsigned long value;
  size_t n, start, i;
  char sign;

  if (sc->pos == sc->len)
    return 0;
  sign = sc->s[sc->pos];
  if (sign == '+' || sign == '-') {
    ++sc->pos;
    if (scan_digits(sc, &value) != 4 || value % 100 > 59)
      return 0;
    *minutes = (long)(value / 100 * 60 + value % 100);
    if (sign == '-')
      *minutes = -*minutes;
    return 1;
  }
  n = scan_letters(sc, &start);
  if (n == 1) {
    /* military zones: their signs were used both ways, so RFC 5322
     * says to treat them all as "-0000"; J was never assigned */
    if (case_lower(sc->s[start]) == 'j')
      return 0;
    *minutes = 0;
    return 1;
  }
  for (i = 0; i < sizeof zone_names / sizeof zone_names[0]; ++i) {
    if (same_name(sc->s + start, n, zone_names[i].name)) {
      *minutes = zone_names[i].minutes;
      return 1;
    }
  }
  return 0;
}

static int
fits_time_t(long long v)
{
  if (sizeof(time_t) >= sizeof(long long))
    return 1;
  if (sizeof(time_t) == 4)
    return v >= -2147483647LL - 1 && v <= 2147483647LL;
  return 0;
}

int
date822_parse(const char *s, size_t len, time_t *t)
{
  struct date_scan sc;
  unsigned long day, year, hour, minute, second = 0;
  size_t n, start;
  int month;
  long zone;
  long long when;

  sc.s = s;
  sc.len = len;
  sc.pos = 0;
  if (!skip_cfws(&sc))
    goto invalid;

  if (sc.pos < sc.len && is_letter(sc.s[sc.pos])) {
    n = scan_letters(&sc, &start);
    if (name_index(s + start, n, day_names, 7) < 0)
      goto invalid;
    if (!skip_cfws(&sc) || !peek(&sc, ','))
      goto invalid;
    ++sc.pos;
    if (!skip_cfws(&sc))
      goto invalid;
  }

  n = scan_digits(&sc, &day);
  if (n < 1 || n > 2 || !skip_cfws(&sc))
    goto invalid;
  n = scan_letters(&sc, &start);
  month = name_index(s + start, n, month_names, 12) + 1;
  if (!month || !skip_cfws(&sc))
    goto invalid;
  n = scan_digits(&sc, &year);
  if (n < 2 || n > 9 || !skip_cfws(&sc))
    goto invalid;
  if (n == 2)
    year += year < 50 ? 2000 : 1900;
  else if (n == 3)
    year += 1900;
  if (year < YEAR_FIRST || year > YEAR_LAST)
    goto invalid;
  if (day < 1 || day > (unsigned long)days_in_month((long long)year, month))
    goto invalid;

  if (scan_digits(&sc, &hour) != 2 || hour > 23 || !skip_cfws(&sc))
    goto invalid;
  if (!peek(&sc, ':'))
    goto invalid;
  ++sc.pos;
  if (!skip_cfws(&sc))
    goto invalid;
  if (scan_digits(&sc, &minute) != 2 || minute > 59 || !skip_cfws(&sc))
    goto invalid;
  if (peek(&sc, ':')) {
    ++sc.pos;
    if (!skip_cfws(&sc))
      goto invalid;
    if (scan_digits(&sc, &second) != 2 || second > 60 || !skip_cfws(&sc))
      goto invalid;
  }

  if (!scan_zone(&sc, &zone) || !skip_cfws(&sc) || sc.pos != sc.len)
    goto invalid;

  when = days_from_date((long long)year, month, (int)day) * SECONDS_PER_DAY
         + (long long)hour * 3600 + (long long)minute * 60
         + (long long)second - (long long)zone * 60;
  if (!fits_time_t(when)) {
    errno = EOVERFLOW;
    return 0;
  }
  *t = (time_t)when;
  return 1;

invalid:
  errno = EINVAL;
  return 0;
}
