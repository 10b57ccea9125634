/* Unit tests for header: recognising header fields by name. */
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "unit.h"

/* Look at a heap copy of exactly len bytes, so that AddressSanitizer
 * reports any read past the end. */
static size_t
name_copy(const char *s, size_t len, size_t *namelen)
{
  char *copy = malloc(len ? len : 1);
  size_t r;

  if (!copy)
    return 0;
  memcpy(copy, s, len);
  r = header_field_name(copy, len, namelen);
  free(copy);
  return r;
}

static void
check_field(const char *s, size_t want_body, size_t want_name, int line)
{
  size_t namelen = 9999;
  size_t body = name_copy(s, strlen(s), &namelen);

  unit_check(body == want_body, s, __FILE__, line);
  if (want_body)
    unit_check(namelen == want_name, "name length", __FILE__, line);
  if (body != want_body || (want_body && namelen != want_name))
    printf("#   body %zu name %zu, want %zu %zu\n", body, namelen, want_body,
           want_name);
}

#define FIELD(s, body, name) check_field((s), (body), (name), __LINE__)
#define NOT_FIELD(s) check_field((s), 0, 0, __LINE__)

static void
test_field_names(void)
{
  FIELD("To: joe\n", 3, 2);
  FIELD("Subject:hello\n", 8, 7);
  FIELD("X-Empty:\n", 8, 7);
  FIELD("To :joe\n", 4, 2);
  FIELD("To \t :joe\n", 6, 2);
  FIELD("Message-ID: <a@b>\n", 11, 10);
  FIELD("x:", 2, 1);
  FIELD("~!#$%&'*+-./09AZ^_`az{|}:v", 25, 24);
}

static void
test_not_fields(void)
{
  NOT_FIELD("");
  NOT_FIELD("\n");
  NOT_FIELD(" folded: line\n");
  NOT_FIELD("\tfolded\n");
  NOT_FIELD(":no name\n");
  NOT_FIELD("From joe@example.org Mon Jan  1 00:00:00 2024\n");
  NOT_FIELD("no colon at all\n");
  NOT_FIELD("To");
  NOT_FIELD("To ");
  NOT_FIELD("Sub ject: x\n");
  NOT_FIELD("Caf\xc3\xa9: x\n");
  NOT_FIELD("A\001B: x\n");
  NOT_FIELD("\177: x\n");
}

static void
test_no_namelen_pointer(void)
{
  CHECK(header_field_name("To: x", 5, 0) == 3);
  CHECK(header_field_name("To x", 4, 0) == 0);
}

static void
test_is(void)
{
  CHECK(header_is("To: a\n", 6, "To"));
  CHECK(header_is("TO: a\n", 6, "to"));
  CHECK(header_is("to :a\n", 6, "To"));
  CHECK(header_is("Message-Id: <x>\n", 16, "Message-ID"));
  CHECK(!header_is("Toe: a\n", 7, "To"));
  CHECK(!header_is("T: a\n", 5, "To"));
  CHECK(!header_is(" To: a\n", 7, "To"));
  CHECK(!header_is("To a\n", 5, "To"));
  /* Only ASCII letters fold: '[' (0x5b) is not 'x' or 'X'. */
  CHECK(!header_is("[: a\n", 5, "{"));
  /* The length limits the look. */
  CHECK(!header_is("To: a\n", 2, "To"));
  CHECK(header_is("To: a\n", 3, "To"));
}

static void
test_name_starts(void)
{
  CHECK(header_name_starts("Resent-To: a\n", 13, "Resent-"));
  CHECK(header_name_starts("RESENT-date: a\n", 15, "resent-"));
  CHECK(!header_name_starts("Resent-: a\n", 11, "Resent-"));
  CHECK(!header_name_starts("Resend-To: a\n", 13, "Resent-"));
  CHECK(!header_name_starts("Resent-To a\n", 12, "Resent-"));
  CHECK(!header_name_starts("Re: a\n", 6, "Resent-"));
}

int
main(void)
{
  RUN(test_field_names);
  RUN(test_not_fields);
  RUN(test_no_namelen_pointer);
  RUN(test_is);
  RUN(test_name_starts);
  return unit_done();
}
