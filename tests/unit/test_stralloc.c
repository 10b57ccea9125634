/* Unit tests for stralloc. */
#include <errno.h>
#include <stdint.h>

#include "stralloc.h"
#include "unit.h"

static void
test_copy_and_cat(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "hello"));
  CHECK_SA(sa, "hello");
  CHECK(stralloc_cats(&sa, ", world"));
  CHECK_SA(sa, "hello, world");
  CHECK(stralloc_append(&sa, '!'));
  CHECK_SA(sa, "hello, world!");
  CHECK(stralloc_copyb(&sa, "ab\0cd", 5));
  CHECK_MEM(sa.s, sa.len, "ab\0cd", 5);
  CHECK(stralloc_0(&sa));
  CHECK(sa.len == 6 && sa.s[5] == 0);
  stralloc_free(&sa);
  CHECK(sa.s == 0 && sa.len == 0 && sa.a == 0);
}

static void
test_empty(void)
{
  stralloc sa = STRALLOC_ZERO, other = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, ""));
  CHECK(sa.len == 0 && sa.s != 0);
  CHECK(stralloc_cat(&other, &sa));
  CHECK(other.len == 0);
  CHECK(stralloc_starts(&sa, ""));
  CHECK(!stralloc_starts(&sa, "x"));
  stralloc_free(&sa);
  stralloc_free(&other);
}

static void
test_numbers_and_prefix(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "uid "));
  CHECK(stralloc_catulong(&sa, 0));
  CHECK(stralloc_cats(&sa, " "));
  CHECK(stralloc_catulong(&sa, 4294967295UL));
  CHECK_SA(sa, "uid 0 4294967295");
  CHECK(stralloc_starts(&sa, "uid"));
  CHECK(!stralloc_starts(&sa, "uid 0 4294967295 and more"));
  stralloc_free(&sa);
}

static void
test_growth_and_self_copy(void)
{
  stralloc sa = STRALLOC_ZERO;
  size_t i;

  for (i = 0; i < 100000; ++i)
    if (!stralloc_append(&sa, (char)('a' + i % 26)))
      break;
  CHECK(sa.len == 100000);
  CHECK(sa.s[99999] == (char)('a' + 99999 % 26));
  /* copying a string onto a tail of itself must not corrupt it */
  CHECK(stralloc_copyb(&sa, sa.s + 26, 26));
  CHECK_SA(sa, "abcdefghijklmnopqrstuvwxyz");
  stralloc_free(&sa);
}

static void
test_overflow_refused(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "keep"));
  errno = 0;
  CHECK(!stralloc_readyplus(&sa, SIZE_MAX));
  CHECK(errno == EOVERFLOW);
  CHECK(!stralloc_ready(&sa, SIZE_MAX - 3));
  CHECK_SA(sa, "keep");
  stralloc_free(&sa);
}

int
main(void)
{
  RUN(test_copy_and_cat);
  RUN(test_empty);
  RUN(test_numbers_and_prefix);
  RUN(test_growth_and_self_copy);
  RUN(test_overflow_refused);
  return unit_done();
}
