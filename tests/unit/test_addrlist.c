/* Unit tests for addrlist: walking RFC 5322 address lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "addrlist.h"
#include "stralloc.h"
#include "unit.h"

/* Walk a heap copy of exactly len bytes (AddressSanitizer then reports
 * any read past the end) and join the addresses with '|'.  Returns the
 * final answer of addrlist_next (0 at the end, -1 on error) and leaves
 * errno as the walk left it. */
static int
walk(const char *s, size_t len, stralloc *joined, stralloc *spans)
{
  char *copy = malloc(len ? len : 1);
  struct addrlist al;
  struct addrlist_span span;
  stralloc addr = STRALLOC_ZERO;
  int r, saved;

  joined->len = 0;
  if (spans)
    spans->len = 0;
  if (!copy)
    return -1;
  memcpy(copy, s, len);
  addrlist_init(&al, copy, len);
  while ((r = addrlist_next(&al, &addr, &span)) == 1) {
    if (joined->len && !stralloc_append(joined, '|'))
      break;
    if (!stralloc_cat(joined, &addr))
      break;
    if (spans) {
      if (spans->len && !stralloc_append(spans, '|'))
        break;
      if (!stralloc_catb(spans, copy + span.start, span.end - span.start))
        break;
    }
  }
  saved = errno;
  CHECK(r != -1 || addr.len == 0);
  stralloc_free(&addr);
  free(copy);
  errno = saved;
  return r;
}

static void
check_list(const char *s, const char *want, const char *want_spans, int line)
{
  stralloc joined = STRALLOC_ZERO, spans = STRALLOC_ZERO;
  int r = walk(s, strlen(s), &joined, &spans);

  unit_check(r == 0, s, __FILE__, line);
  if (r != 0)
    printf("#   errno %d\n", errno);
  unit_check_mem(joined.s, joined.len, want, strlen(want), "addresses",
                 __FILE__, line);
  if (want_spans)
    unit_check_mem(spans.s, spans.len, want_spans, strlen(want_spans),
                   "spans", __FILE__, line);
  stralloc_free(&joined);
  stralloc_free(&spans);
}

static void
check_refused(const char *s, size_t len, int want_errno, int line)
{
  stralloc joined = STRALLOC_ZERO;
  int r;

  errno = 0;
  r = walk(s, len, &joined, 0);
  unit_check(r == -1, s, __FILE__, line);
  unit_check(errno == want_errno, "errno", __FILE__, line);
  if (r != -1 || errno != want_errno)
    printf("#   r %d errno %d (%s), want errno %d\n", r, errno,
           joined.len ? "had addresses" : "none", want_errno);
  stralloc_free(&joined);
}

#define LIST(s, want) check_list((s), (want), 0, __LINE__)
#define SPANS(s, want, spans) check_list((s), (want), (spans), __LINE__)
#define REFUSED(s) check_refused((s), strlen(s), EINVAL, __LINE__)

static void
test_plain_addresses(void)
{
  LIST("joe@example.org", "joe@example.org");
  LIST(" joe@example.org\n", "joe@example.org");
  LIST("joe", "joe");
  LIST("a@x, b@y,c@z", "a@x|b@y|c@z");
  LIST("", "");
  LIST("   \n ", "");
  LIST("first.last+tag@sub.example.org", "first.last+tag@sub.example.org");
  LIST("joe@[192.0.2.1]", "joe@[192.0.2.1]");
  LIST("joe@[IPv6:2001:db8::1]", "joe@[IPv6:2001:db8::1]");
}

static void
test_display_names(void)
{
  SPANS("Joe Doe <joe@example.org>", "joe@example.org", "joe@example.org");
  SPANS("\"Doe, Joe\" <joe@x>, mary@y", "joe@x|mary@y", "joe@x|mary@y");
  LIST("<joe@x>", "joe@x");
  LIST("Joe <joe@x> (the boss), <mary@y>", "joe@x|mary@y");
  LIST("joe@x <joe@x>", "joe@x");
  LIST("J. R. \"Bob\" Dobbs <bob@x>", "bob@x");
  LIST("Caf\xc3\xa9 <cafe@x>", "cafe@x");
  LIST("Joe\n\t<joe@x>", "joe@x");
  LIST("< joe@x >", "joe@x");
}

static void
test_comments(void)
{
  SPANS("joe@x (Joe Doe)", "joe@x", "joe@x");
  LIST("(lead) joe(mid)@(more)x(end)", "joe@x");
  LIST("joe@x (nested (comment) here)", "joe@x");
  LIST("joe@x (escaped \\) paren)", "joe@x");
  LIST("(only a comment)", "");
  LIST("joe . doe @ x . y", "joe.doe@x.y");
}

static void
test_quoted_local_parts(void)
{
  LIST("\"john doe\"@x", "john doe@x");
  LIST("\"a\\\"b\"@x", "a\"b@x");
  LIST("\"a\\\\b\"@x", "a\\b@x");
  LIST("\"\"@x", "@x");
  LIST("\"a,b\"@x, c@y", "a,b@x|c@y");
  LIST("\"a<b>\"@x", "a<b>@x");
  /* A fold inside the quotes is unfolded: the line end goes. */
  LIST("\"john\n doe\"@x", "john doe@x");
  LIST("john.\"q\".doe@x", "john.q.doe@x");
}

static void
test_obsolete_forms(void)
{
  LIST("a..b@x", "a..b@x");
  LIST("a.@x", "a.@x");
  LIST("<@relay.example,@r2:joe@x>", "joe@x");
  SPANS("<@relay:joe@x>", "joe@x", "@relay:joe@x");
  LIST("<@relay:\"q\"@x>", "q@x");
  LIST("a@x,,b@y,", "a@x|b@y");
  LIST(",", "");
}

static void
test_groups(void)
{
  LIST("undisclosed-recipients:;", "");
  LIST("undisclosed-recipients: ;", "");
  LIST("team: a@x, Bob <b@y>;, c@z", "a@x|b@y|c@z");
  LIST("team: a@x; other: b@y;", "a@x|b@y");
  LIST(":;", "");
  LIST("undisclosed-recipients:", "");
  LIST("team: a@x", "a@x");
  LIST("team: <a@x>;", "a@x");
}

static void
test_null_path(void)
{
  struct addrlist al;
  struct addrlist_span span;
  stralloc addr = STRALLOC_ZERO;

  addrlist_init(&al, " <> ", 4);
  CHECK(stralloc_copys(&addr, "junk"));
  CHECK(addrlist_next(&al, &addr, &span) == 1);
  CHECK(addr.len == 0);
  CHECK(span.start == 2 && span.end == 2);
  CHECK(addrlist_next(&al, &addr, &span) == 0);
  stralloc_free(&addr);
}

static void
test_refused(void)
{
  REFUSED("Joe Doe");
  REFUSED("joe@x joe@y");
  REFUSED("joe@");
  REFUSED("@x");
  REFUSED("a@b@c");
  REFUSED("joe@x.");
  REFUSED("joe@.x");
  REFUSED("joe@x..y");
  REFUSED("joe@\"x\"");
  REFUSED("joe[1.2.3.4]");
  REFUSED("joe@x[1.2.3.4]");
  REFUSED("joe@x (unterminated");
  REFUSED("joe@x (escaped end\\");
  REFUSED("\"unterminated@x");
  REFUSED("\"escaped end\\");
  REFUSED("joe@[1.2.3.4");
  REFUSED("joe@[1.[2].3]");
  REFUSED("Joe <joe@x");
  REFUSED("Joe <joe@x> mary@y");
  REFUSED("Joe <joe@x> <mary@y>");
  REFUSED("<joe@x>;");
  REFUSED("joe@x;");
  REFUSED("joe@x>");
  REFUSED("joe)@x");
  REFUSED("joe\\@x");
  REFUSED("a: b: c@x;;");
  REFUSED("a@x: b@y;");
  REFUSED("<a@x <b@y>>");
  REFUSED("<@relay joe@x>");
  REFUSED("<@relay:>");
  REFUSED("<@\"relay\":joe@x>");
  REFUSED("<joe@x:y>");
  REFUSED("<joe,mary@x>");
  /* Control bytes: in an address (quoted, too), or bare outside. */
  REFUSED("\"a\001b\"@x");
  REFUSED("\"a\tb\"@x");
  REFUSED("\"a\nb\"@x");
  REFUSED("joe@[1.2\001]");
  REFUSED("jo\001e@x");
  check_refused("jo\0e@x", 6, EINVAL, __LINE__);
  check_refused("\"jo\0e\"@x", 8, EINVAL, __LINE__);
  REFUSED("jo\177e@x");
}

static void
test_after_error_stays_failed(void)
{
  struct addrlist al;
  stralloc addr = STRALLOC_ZERO;
  const char *s = "a@x, Joe Doe, b@y";

  addrlist_init(&al, s, strlen(s));
  CHECK(addrlist_next(&al, &addr, 0) == 1);
  CHECK_SA(addr, "a@x");
  CHECK(addrlist_next(&al, &addr, 0) == -1);
  CHECK(addrlist_next(&al, &addr, 0) == -1);
  CHECK(addr.len == 0);
  stralloc_free(&addr);
}

static void
test_length_limit(void)
{
  char *s = malloc(ADDRESS_MAX + 16);
  stralloc joined = STRALLOC_ZERO;
  size_t n;

  if (!s) {
    CHECK(s != 0);
    return;
  }
  /* exactly ADDRESS_MAX bytes: accepted */
  n = ADDRESS_MAX - 2;
  memset(s, 'a', n);
  memcpy(s + n, "@x", 2);
  CHECK(walk(s, ADDRESS_MAX, &joined, 0) == 0);
  CHECK(joined.len == ADDRESS_MAX);
  /* one more: EMSGSIZE */
  memset(s, 'a', n + 1);
  memcpy(s + n + 1, "@x", 2);
  check_refused(s, ADDRESS_MAX + 1, EMSGSIZE, __LINE__);
  stralloc_free(&joined);
  free(s);
}

/* Random bytes from an alphabet rich in specials must never crash or
 * read out of bounds (ASan), and every accepted address is free of
 * control bytes and within the length limit. */
static void
test_hostile_input(void)
{
  static const char alphabet[] = "ab@.,;:<>()[]\"\\ \t\n\001\377";
  char buf[64];
  stralloc addr = STRALLOC_ZERO;
  int i;

  for (i = 0; i < 20000; ++i) {
    size_t len = unit_rand() % sizeof buf;
    struct addrlist al;
    struct addrlist_span span;
    int r, steps = 0;
    char *copy;

    unit_rand_fill(buf, len, alphabet);
    copy = malloc(len ? len : 1);
    if (!copy)
      break;
    memcpy(copy, buf, len);
    addrlist_init(&al, copy, len);
    while ((r = addrlist_next(&al, &addr, &span)) == 1 && ++steps < 100) {
      size_t j;

      for (j = 0; j < addr.len; ++j)
        if ((unsigned char)addr.s[j] < 32 || addr.s[j] == 127)
          break;
      if (j < addr.len || span.start > span.end || span.end > len) {
        CHECK(!"accepted a bad address or span");
        break;
      }
    }
    CHECK(steps < 100);
    free(copy);
  }
  stralloc_free(&addr);
}

int
main(void)
{
  RUN(test_plain_addresses);
  RUN(test_display_names);
  RUN(test_comments);
  RUN(test_quoted_local_parts);
  RUN(test_obsolete_forms);
  RUN(test_groups);
  RUN(test_null_path);
  RUN(test_refused);
  RUN(test_after_error_stays_failed);
  RUN(test_length_limit);
  RUN(test_hostile_input);
  return unit_done();
}
