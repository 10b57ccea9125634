/* date822.h -- dates in the form of RFC 5322 section 3.3.
 *
 * Formatting.  The formatters append a complete date-time such as
 *     Thu, 1 Jan 1970 00:00:00 +0000
 * to a stralloc: day name, the day of the month in one or two digits
 * (no leading zero or space, as in the RFC's own examples), month name,
 * four-digit year, 24-hour time with seconds, and a numeric zone.  They
 * handle every instant whose date, as written in the chosen zone, lies
 * between 1 January 1900 and 31 December 9999 (with a 32-bit time_t
 * that is every instant there is) and fail with EOVERFLOW outside that
 * range.  They do their own calendar arithmetic (proleptic Gregorian,
 * POSIX seconds without leap seconds), so only date822_fmt_local()
 * depends on the C library and TZ.
 *
 *   date822_fmt(out, t)
 *     Appends t in UTC with the zone "+0000".  This is what the system
 *     writes in Received: lines, so that they sort and compare across
 *     hosts.
 *
 *   date822_fmt_offset(out, t, offset)
 *     Appends t as local time of a zone offset seconds east of UTC
 *     (negative: west).  The offset is truncated toward zero to whole
 *     minutes and the local time is computed from the truncated value,
 *     so the result always denotes exactly the instant t.  An offset of
 *     100 hours or more in either direction fails with EINVAL.
 *
 *   date822_fmt_local(out, t)
 *     Appends t in the zone the C library's localtime_r() uses for this
 *     process (TZ, /etc/localtime).  The offset is derived by comparing
 *     the broken-down local time with t, so tm_gmtoff is not needed,
 *     and rounded to the nearest minute (historical zones with seconds
 *     in their offset, zones that count leap seconds), then handled as
 *     by date822_fmt_offset().  Fails with the errno of localtime_r()
 *     (EOVERFLOW if it sets none).
 *
 * All three return 1 on success and 0 with errno set on failure (ENOMEM
 * when out cannot grow); on failure out is unchanged.
 *
 * Parsing.
 *
 *   date822_parse(s, len, &t)
 *     Reads the body of a Date: (or Resent-Date:, or the date part of a
 *     Received:) field from s[0..len), without its final line end, and
 *     stores the instant it names in t.  Returns 1 on success.  Returns 0
 *     with errno EINVAL when the text is not a date-time, leaving t
 *     alone, or EOVERFLOW when it is one but t cannot hold it.  Input of
 *     any length and any bytes is safe: nothing outside s[0..len) is
 *     ever read and nothing is allocated.
 *
 *     Accepted is the grammar of RFC 5322 3.3 together with the
 *     obsolete forms of 4.3:
 *     - comments and folding white space (SP, HTAB; a line break is
 *       CRLF or a bare LF, and must be followed by SP or HTAB) between
 *       any two tokens and around the whole date, where the obsolete
 *       grammar also lets a token follow another directly as long as
 *       they stay apart ("21Nov1997 09:55:06-0600"); comments nest, must
 *       be closed, and may hold any byte but NUL, bare CR and line
 *       breaks not followed by a blank (so 8-bit text and the obsolete
 *       control characters pass), with backslash quoting the next byte
 *       unless that is NUL, CR or LF;
 *     - an optional day name (Mon..Sun, any case) followed by a comma;
 *       the name is not checked against the date, since receivers are
 *       better off trusting the numbers;
 *     - the day of the month in one or two digits, checked against the
 *       length of the month, leap years included;
 *     - a month name (Jan..Dec, any case);
 *     - the year: four or more digits as written (leading zeros
 *       allowed, nine digits at most), two digits 00-49 as 2000-2049
 *       and 50-99 as 1950-1999, three digits plus 1900; the result must
 *       lie in 1900..9999;
 *     - the time as HH:MM or HH:MM:SS, each field exactly two digits,
 *       hour 00-23, minute 00-59, second 00-60 (a leap second is
 *       counted as the first second of the next minute, as POSIX time
 *       does);
 *     - the zone: "+hhmm" or "-hhmm" (minutes 00-59, "-0000" means UTC
 *       with the local offset unknown); the obsolete names UT, GMT,
 *       EST, EDT, CST, CDT, MST, MDT, PST, PDT and, because it is so
 *       common, UTC, all in any case; and the military single letters
 *       A-I, K-Z (any case), which RFC 5322 says to read as "-0000".
 *     Everything else is refused, for example: a missing zone, unknown
 *     zone names ("CET", "GMT+1"), full day or month names, a day name
 *     without its comma, one-digit hours, out-of-range fields, 29 Feb
 *     of a common year, trailing text (a final line end included), NUL
 *     bytes, bare CR, unclosed comments, non-ASCII outside comments.
 */
#ifndef DATE822_H
#define DATE822_H

#include <stddef.h>
#include <time.h>

#include "stralloc.h"

int date822_fmt(stralloc *out, time_t t);
int date822_fmt_offset(stralloc *out, time_t t, long offset);
int date822_fmt_local(stralloc *out, time_t t);

int date822_parse(const char *s, size_t len, time_t *t);

#endif
