/* Unit tests for caseless. */
#include "caseless.h"
#include "unit.h"

static void
test_lower(void)
{
  char s[] = "Mail.Example.ORG-\xc4\xd6[]@Z";

  CHECK(case_lower('A') == 'a' && case_lower('Z') == 'z');
  CHECK(case_lower('a') == 'a' && case_lower('@') == '@' && case_lower('[') == '[');
  CHECK(case_lower((char)0xc4) == (char)0xc4);
  case_lowerb(s, sizeof s - 1);
  CHECK_STR(s, "mail.example.org-\xc4\xd6[]@z");
}

static void
test_equal(void)
{
  CHECK(case_equalb("Example.ORG", "example.org", 11));
  CHECK(!case_equalb("example.org", "example.orh", 11));
  CHECK(!case_equalb("[", "{", 1));          /* '[' + 32 is '{': not folded */
  CHECK(!case_equalb("\xc4", "\xe4", 1));    /* no locale folding */
  CHECK(case_equalb("", "x", 0));
}

int
main(void)
{
  RUN(test_lower);
  RUN(test_equal);
  return unit_done();
}
