/* Unit tests for address: SMTP path parsing, quoting, splitting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "stralloc.h"
#include "unit.h"

/* Parse from a heap copy of exactly len bytes, so that AddressSanitizer
 * reports any read past the end (a string literal has its NUL there). */
static int
parse_copy(const char *s, size_t len, stralloc *addr, size_t *used)
{
  char *copy = malloc(len ? len : 1);
  int ok, saved;

  if (!copy) {
    errno = ENOMEM;
    return 0;
  }
  memcpy(copy, s, len);
  ok = address_parse_path(copy, len, addr, used);
  saved = errno;
  free(copy);
  errno = saved;
  return ok;
}

/* Parse s[0..len) with a consumed pointer and expect addr and used. */
static void
check_path(const char *s, size_t len, const char *want, size_t want_used,
           int line)
{
  stralloc addr = STRALLOC_ZERO;
  size_t used = 9999;
  int ok;

  errno = 0;
  ok = parse_copy(s, len, &addr, &used);
  unit_check(ok, s, __FILE__, line);
  if (ok) {
    unit_check_mem(addr.s, addr.len, want, strlen(want), "parsed address",
                   __FILE__, line);
    unit_check(used == want_used, "consumed", __FILE__, line);
    if (used != want_used)
      printf("#   consumed %zu, want %zu\n", used, want_used);
  }
  stralloc_free(&addr);
}

#define PATH(s, want, used) check_path((s), strlen(s), (want), (used), __LINE__)
/* The whole input is the path. */
#define PATH_ALL(s, want) PATH((s), (want), strlen(s))

/* Expect s[0..len) to be refused with errno want_errno, both with and
 * without a consumed pointer, leaving addr empty. */
static void
check_refused(const char *s, size_t len, int want_errno, int line)
{
  stralloc addr = STRALLOC_ZERO;
  size_t used;
  int ok;

  if (!stralloc_copys(&addr, "previous")) {
    unit_check(0, "stralloc_copys", __FILE__, line);
    return;
  }
  errno = 0;
  ok = parse_copy(s, len, &addr, &used);
  unit_check(!ok && errno == want_errno && addr.len == 0, s, __FILE__, line);
  errno = 0;
  ok = parse_copy(s, len, &addr, 0);
  unit_check(!ok && errno == want_errno && addr.len == 0, s, __FILE__, line);
  stralloc_free(&addr);
}

#define REFUSE(s) check_refused((s), strlen(s), EINVAL, __LINE__)
#define REFUSE_MEM(s) check_refused((s), sizeof(s) - 1, EINVAL, __LINE__)

static void
check_quote(const char *addr, size_t len, const char *want, int line)
{
  stralloc out = STRALLOC_ZERO;
  int ok = stralloc_copys(&out, "<");

  ok = ok && address_quote(&out, addr, len);
  unit_check(ok, "address_quote succeeds", __FILE__, line);
  if (ok)
    unit_check_mem(out.s + 1, out.len - 1, want, strlen(want), addr,
                   __FILE__, line);
  stralloc_free(&out);
}

#define QUOTE(addr, want) check_quote((addr), strlen(addr), (want), __LINE__)

static void
test_parse_plain(void)
{
  PATH_ALL("<>", "");
  PATH_ALL("<user@example.org>", "user@example.org");
  PATH_ALL(" <user@example.org>", "user@example.org");
  PATH_ALL("\t <user@example.org>", "user@example.org");
  PATH_ALL("<postmaster>", "postmaster");
  PATH_ALL("<Mixed.Case@Example.ORG>", "Mixed.Case@Example.ORG");
  PATH_ALL("<user+tag=x/y@example.org>", "user+tag=x/y@example.org");
  PATH_ALL("<user@[192.0.2.1]>", "user@[192.0.2.1]");
  PATH_ALL("<user@[IPv6:2001:db8::1]>", "user@[IPv6:2001:db8::1]");
  PATH_ALL("<\xc3\xbcser@b\xc3\xbc" "cher.example>",
           "\xc3\xbcser@b\xc3\xbc" "cher.example");
  /* dots are not policed, as qmail never did */
  PATH_ALL("<J.Doe..x.@example.org>", "J.Doe..x.@example.org");
  PATH_ALL("<.a@example.org>", ".a@example.org");
  /* the domain is after the last '@' */
  PATH_ALL("<a@b@example.org>", "a@b@example.org");
  PATH_ALL("<a%b@example.org>", "a%b@example.org");
}

static void
test_parse_routes(void)
{
  PATH_ALL("<@r1.example:user@example.org>", "user@example.org");
  PATH_ALL("<@r1,@r2.example:user@example.org>", "user@example.org");
  PATH_ALL("<@[192.0.2.1],@r2:user@example.org>", "user@example.org");
  PATH_ALL("<@[IPv6:::1]:user@example.org>", "user@example.org");
  PATH_ALL("@r1:user@example.org", "user@example.org");
  PATH_ALL("<@r1:\"a b\"@example.org>", "a b@example.org");
}

static void
test_parse_quoting(void)
{
  PATH_ALL("<\"john doe\"@example.org>", "john doe@example.org");
  PATH_ALL("<\"a\\\"b\\\\c\"@example.org>", "a\"b\\c@example.org");
  PATH_ALL("<\"\\a\\b\"@example.org>", "ab@example.org");
  PATH_ALL("<john.\"q\".doe@example.org>", "john.q.doe@example.org");
  PATH_ALL("<\"a@b\"@example.org>", "a@b@example.org");
  PATH_ALL("<\"<>()[]:;,\"@example.org>", "<>()[]:;,@example.org");
  PATH_ALL("<\"\"@example.org>", "@example.org");
  PATH_ALL("<a\\ b@example.org>", "a b@example.org");
  PATH_ALL("<a\\>b@example.org>", "a>b@example.org");
  /* the last '@' itself may be quoted, the domain may not */
  PATH_ALL("<\"a@\"example.org>", "a@example.org");
  PATH_ALL("<\"a\"@\"b\"@example.org>", "a@b@example.org");
  PATH_ALL("<\"a b\">", "a b");
  PATH_ALL("<\"\xc3\xa9 \xc3\xa9\"@example.org>", "\xc3\xa9 \xc3\xa9@example.org");
}

static void
test_parse_without_brackets(void)
{
  PATH_ALL("user@example.org", "user@example.org");
  PATH_ALL("  user@example.org", "user@example.org");
  PATH_ALL("postmaster", "postmaster");
  PATH_ALL("\"john doe\"@example.org", "john doe@example.org");
  PATH_ALL("a\\ b@example.org", "a b@example.org");
  PATH("user@example.org SIZE=100", "user@example.org", 16);
  PATH("user@example.org\tBODY=8BITMIME", "user@example.org", 16);
}

static void
test_parse_parameters_follow(void)
{
  stralloc addr = STRALLOC_ZERO;
  static const char cmd[] = " <user@example.org> SIZE=100 BODY=8BITMIME";
  size_t used = 0;

  PATH("<user@example.org> SIZE=100", "user@example.org", 18);
  PATH("<> SIZE=100", "", 2);
  PATH("<\"a b\"@example.org> X=\"y z\"", "a b@example.org", 19);
  PATH("<user@example.org>  ", "user@example.org", 18);
  CHECK(address_parse_path(cmd, sizeof cmd - 1, &addr, &used));
  CHECK_SA(addr, "user@example.org");
  CHECK_STR(cmd + used, " SIZE=100 BODY=8BITMIME");

  /* without a consumed pointer, only blanks may follow */
  CHECK(address_parse_path("<a@b>  \t", 8, &addr, 0));
  CHECK_SA(addr, "a@b");
  CHECK(address_parse_path("a@b ", 4, &addr, 0));
  CHECK_SA(addr, "a@b");
  errno = 0;
  CHECK(!address_parse_path("<a@b> SIZE=1", 12, &addr, 0) && errno == EINVAL);
  errno = 0;
  CHECK(!address_parse_path("a@b SIZE=1", 10, &addr, 0) && errno == EINVAL);
  CHECK(address_parse_path("a@b SIZE=1", 10, &addr, &used) && used == 3);

  /* the length hides what follows */
  CHECK(address_parse_path("<a@b>junk", 5, &addr, 0));
  CHECK_SA(addr, "a@b");
  CHECK(address_parse_path("a@bcd", 3, &addr, 0));
  CHECK_SA(addr, "a@b");
  stralloc_free(&addr);
}

static void
test_parse_refuses_structure(void)
{
  REFUSE("");
  REFUSE("   ");
  REFUSE("<");
  REFUSE(">");
  REFUSE("<a@b");
  REFUSE("<a@b.example");
  REFUSE("a@b>");
  REFUSE("<a@b>x");
  REFUSE("<a@b>>");
  REFUSE("<a@b><c@d>");
  REFUSE("<<a@b>>");
  REFUSE("<a<b@c>");
  REFUSE("< a@b>");
  REFUSE("<a @b>");
  REFUSE("<a@ b>");
  REFUSE("<a@b >");
  REFUSE("< >");
  REFUSE("<\"\">");
  REFUSE("\"\"");
  REFUSE("<a@>");
  REFUSE("<a@b@>");
  REFUSE("a@");
  REFUSE("<@example.org>");
  REFUSE("@example.org");
}

static void
test_parse_refuses_quoting(void)
{
  REFUSE("<\"a@b>");
  REFUSE("<\"a@b");
  REFUSE("\"a b");
  REFUSE("<a\\");
  REFUSE("a\\");
  REFUSE("<\"a\\");
  REFUSE("<\"a\\\"@b>");
  /* the domain is never quoted or escaped */
  REFUSE("<a@\"b\">");
  REFUSE("<a@b\"c\">");
  REFUSE("<a@\"\"b>");
  REFUSE("<a@b\"\">");
  REFUSE("<a@b\\c>");
  REFUSE("<a@\\b>");
  REFUSE("<a@\"b@c\">");
  REFUSE("<\"\"@>");
  REFUSE("<\"a@\">");
}

static void
test_parse_refuses_routes(void)
{
  REFUSE("<@route>");
  REFUSE("<@route:>");
  REFUSE("<@:a@b>");
  REFUSE("<@,@r:a@b>");
  REFUSE("<@r1,a@b>");
  REFUSE("<@r1,:a@b>");
  REFUSE("<@r1,,@r2:a@b>");
  REFUSE("<@r1;@r2:a@b>");
  REFUSE("<@r 1:a@b>");
  REFUSE("<@r\"1\":a@b>");
  REFUSE("<@[192.0.2.1:a@b>");
  REFUSE("<@[]:a@b>");
  REFUSE("<@r:@x@y>");
  REFUSE("<@r:>");
  REFUSE("@r:");
  REFUSE("<@r1:@r2:a@b>");
}

static void
test_parse_refuses_bytes(void)
{
  REFUSE_MEM("<a\0b@c>");
  REFUSE_MEM("<a@b\0c>");
  REFUSE_MEM("<\"a\0b\"@c>");
  REFUSE_MEM("<\"a\\\0b\"@c>");
  REFUSE_MEM("<a\\\0b@c>");
  REFUSE_MEM("\0<a@b>");
  REFUSE("<a\x01@b>");
  REFUSE("<a@b\x7f>");
  REFUSE("<\"a\tb\"@c>");
  REFUSE("<\"a\\\tb\"@c>");
  REFUSE("<a\r@b>");
  REFUSE("<a@b\r\n>");
  REFUSE("<a@b>\r\n");
  REFUSE("<@r\x01:a@b>");
  REFUSE("<@[1\x01]:a@b>");
  REFUSE("a\x1b@b");
}

static void
test_parse_length_limit(void)
{
  stralloc in = STRALLOC_ZERO, addr = STRALLOC_ZERO;
  size_t i;

  /* exactly ADDRESS_MAX bytes in plain form: fine */
  CHECK(stralloc_copys(&in, "<"));
  for (i = 0; i < ADDRESS_MAX - 12; ++i)
    CHECK(stralloc_append(&in, 'a'));
  CHECK(stralloc_cats(&in, "@example.org>"));
  CHECK(address_parse_path(in.s, in.len, &addr, 0));
  CHECK(addr.len == ADDRESS_MAX);

  /* one more byte is too much */
  CHECK(stralloc_copys(&in, "<a"));
  for (i = 0; i < ADDRESS_MAX - 12; ++i)
    CHECK(stralloc_append(&in, 'a'));
  CHECK(stralloc_cats(&in, "@example.org>"));
  check_refused(in.s, in.len, EMSGSIZE, __LINE__);

  /* the limit is on the plain form: quoting does not count */
  CHECK(stralloc_copys(&in, "<@r:\""));
  for (i = 0; i < ADDRESS_MAX - 12; ++i)
    CHECK(stralloc_cats(&in, "\\\""));
  CHECK(stralloc_cats(&in, "\"@example.org>"));
  CHECK(address_parse_path(in.s, in.len, &addr, 0));
  CHECK(addr.len == ADDRESS_MAX && addr.s[0] == '"');

  /* and a huge unterminated path stops at the limit, not at the end */
  CHECK(stralloc_copys(&in, "<"));
  for (i = 0; i < 100000; ++i)
    CHECK(stralloc_append(&in, 'a'));
  check_refused(in.s, in.len, EMSGSIZE, __LINE__);
  stralloc_free(&in);
  stralloc_free(&addr);
}

static void
test_quote(void)
{
  QUOTE("", "");
  QUOTE("user@example.org", "user@example.org");
  QUOTE("postmaster", "postmaster");
  QUOTE("a.b.c@example.org", "a.b.c@example.org");
  QUOTE("!#$%&'*+-/=?^_`{|}~@example.org", "!#$%&'*+-/=?^_`{|}~@example.org");
  QUOTE("\xc3\xbcser@b\xc3\xbc" "cher.example",
        "\xc3\xbcser@b\xc3\xbc" "cher.example");
  QUOTE("john doe@example.org", "\"john doe\"@example.org");
  QUOTE("a\"b\\c@example.org", "\"a\\\"b\\\\c\"@example.org");
  QUOTE(".a@example.org", "\".a\"@example.org");
  QUOTE("a.@example.org", "\"a.\"@example.org");
  QUOTE("a..b@example.org", "\"a..b\"@example.org");
  QUOTE(".@example.org", "\".\"@example.org");
  QUOTE("@example.org", "\"\"@example.org");
  QUOTE("a@b@example.org", "\"a@b\"@example.org");
  QUOTE("a(b)@x", "\"a(b)\"@x");
  QUOTE("a,b@x", "\"a,b\"@x");
  QUOTE("a:b@x", "\"a:b\"@x");
  QUOTE("a;b@x", "\"a;b\"@x");
  QUOTE("a<b>@x", "\"a<b>\"@x");
  QUOTE("a[b]@x", "\"a[b]\"@x");
  QUOTE("post master", "\"post master\"");
  QUOTE("\"", "\"\\\"\"");
  /* the domain is left alone, whatever it holds */
  QUOTE("a b@Ex Ample", "\"a b\"@Ex Ample");
  QUOTE("a@", "a@");
}

/* The worst case of quoting: every byte of the local part escaped. */
static void
test_quote_worst_case(void)
{
  stralloc out = STRALLOC_ZERO, back = STRALLOC_ZERO;
  char local[ADDRESS_MAX];
  size_t i;

  for (i = 0; i < sizeof local; ++i)
    local[i] = i % 2 ? '"' : '\\';
  CHECK(address_quote(&out, local, sizeof local));
  CHECK(out.len == 2 * sizeof local + 2);
  CHECK(out.s[0] == '"' && out.s[1] == '\\' && out.s[2] == '\\');
  CHECK(out.s[out.len - 2] == '"' && out.s[out.len - 1] == '"');
  CHECK(address_parse_path(out.s, out.len, &back, 0));
  CHECK_MEM(back.s, back.len, local, sizeof local);
  stralloc_free(&out);
  stralloc_free(&back);
}

static void
test_quote_refuses_controls(void)
{
  stralloc out = STRALLOC_ZERO;

  CHECK(stralloc_copys(&out, "keep"));
  errno = 0;
  CHECK(!address_quote(&out, "a\tb@c", 5) && errno == EINVAL);
  errno = 0;
  CHECK(!address_quote(&out, "a\0b@c", 5) && errno == EINVAL);
  errno = 0;
  CHECK(!address_quote(&out, "ab@c\x7f", 5) && errno == EINVAL);
  errno = 0;
  CHECK(!address_quote(&out, "ab@c\n", 5) && errno == EINVAL);
  CHECK_SA(out, "keep");
  /* the length is respected */
  CHECK(address_quote(&out, "a b\n", 3));
  CHECK_SA(out, "keep\"a b\"");
  stralloc_free(&out);
}

static void
test_split(void)
{
  size_t at = 99;

  CHECK(address_split("user@example.org", 16, &at) && at == 4);
  CHECK(address_split("a@b@c", 5, &at) && at == 3);
  CHECK(address_split("@c", 2, &at) && at == 0);
  CHECK(address_split("c@", 2, &at) && at == 1);
  errno = 12345;
  CHECK(!address_split("postmaster", 10, &at) && at == 10);
  CHECK(errno == 12345);
  CHECK(!address_split("", 0, &at) && at == 0);
  CHECK(!address_split(0, 0, &at) && at == 0);
  CHECK(!address_split("a@b", 1, &at) && at == 1);
}

static void
test_domain_lower(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(stralloc_copys(&sa, "John.Doe@Example.ORG"));
  address_domain_lower(&sa);
  CHECK_SA(sa, "John.Doe@example.org");
  CHECK(stralloc_copys(&sa, "A@B@C.D"));
  address_domain_lower(&sa);
  CHECK_SA(sa, "A@B@c.d");
  CHECK(stralloc_copys(&sa, "NoDomain"));
  address_domain_lower(&sa);
  CHECK_SA(sa, "NoDomain");
  CHECK(stralloc_copys(&sa, "Ab@\xc3\x84X-[IPv6:ABCD::1]"));
  address_domain_lower(&sa);
  CHECK_SA(sa, "Ab@\xc3\x84x-[ipv6:abcd::1]");
  CHECK(stralloc_copys(&sa, "AZ@[]^_`{AZ09az"));
  address_domain_lower(&sa);
  CHECK_SA(sa, "AZ@[]^_`{az09az");
  CHECK(stralloc_copys(&sa, "A@"));
  address_domain_lower(&sa);
  CHECK_SA(sa, "A@");
  /* only len counts */
  CHECK(stralloc_copys(&sa, "A@BC"));
  sa.len = 3;
  address_domain_lower(&sa);
  CHECK(sa.s[2] == 'b' && sa.s[3] == 'C');
  sa.len = 0;
  address_domain_lower(&sa);
  stralloc_free(&sa);
  address_domain_lower(&sa);
  CHECK(sa.len == 0);
}

/* parse("<" quote(x) ">") and parse(quote(x)) must both give x. */
static int
round_trip(const char *x, size_t len, stralloc *quoted, stralloc *back)
{
  quoted->len = 0;
  if (!stralloc_append(quoted, '<') || !address_quote(quoted, x, len)
      || !stralloc_append(quoted, '>'))
    return 0;
  if (!address_parse_path(quoted->s, quoted->len, back, 0))
    return 0;
  if (back->len != len || (len && memcmp(back->s, x, len) != 0))
    return 0;
  if (!len)
    return 1;
  if (!address_parse_path(quoted->s + 1, quoted->len - 2, back, 0))
    return 0;
  return back->len == len && memcmp(back->s, x, len) == 0;
}

static void
test_round_trip_random(void)
{
  /* everything printable, some 8-bit, '@' often */
  static const char local_chars[] =
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~\x80\xc3\xa9\xff@@..\"\\";
  static const char domain_chars[] =
    "abcdefghijklmnopqrstuvwxyzABCZ0123456789.-_[]:\xc3\xa9";
  stralloc quoted = STRALLOC_ZERO, back = STRALLOC_ZERO;
  char x[120];
  int i, failures = 0;

  for (i = 0; i < 50000; ++i) {
    size_t local = unit_rand() % 60, domain = unit_rand() % 40, len;

    unit_rand_fill(x, local, local_chars);
    len = local;
    if (domain) {
      x[len++] = '@';
      unit_rand_fill(x + len, domain, domain_chars);
      len += domain;
    } else if (memchr(x, '@', len) || !len) {
      /* no domain: the local part must not end up providing one */
      x[len++] = '@';
      x[len++] = 'd';
    }
    if (!round_trip(x, len, &quoted, &back)) {
      if (++failures < 5)
        printf("# round trip failed for \"%.*s\"\n", (int)len, x);
    }
  }
  CHECK(failures == 0);
  /* the null path too */
  CHECK(round_trip("", 0, &quoted, &back));
  stralloc_free(&quoted);
  stralloc_free(&back);
}

/* Parse len bytes from a heap block of exactly that size, so that
 * AddressSanitizer sees any read past the end, and check every promise
 * the header makes about the result.  Returns 1 if accepted, 0 if
 * refused, -1 if a promise was broken. */
static int
parse_hostile(const char *src, size_t len, stralloc *addr, stralloc *quoted,
              stralloc *back)
{
  char *copy = malloc(len ? len : 1);
  size_t used = (size_t)-1, i;
  int ok, broken = 0;

  if (!copy)
    return -1;
  memcpy(copy, src, len);
  errno = 0;
  ok = address_parse_path(copy, len, addr, unit_rand() & 1 ? &used : 0);
  if (ok == 1) {
    if (addr->len > ADDRESS_MAX)
      broken = 1;
    for (i = 0; i < addr->len; ++i)
      if ((unsigned char)addr->s[i] < 32 || addr->s[i] == 127)
        broken = 1;
    if (used != (size_t)-1
        && (used > len || (used < len && copy[used] != ' '
                           && copy[used] != '\t')))
      broken = 1;
    if (!round_trip(addr->s, addr->len, quoted, back))
      broken = 1;
  } else if (ok != 0 || (errno != EINVAL && errno != EMSGSIZE)
             || addr->len != 0)
    broken = 1;
  free(copy);
  return broken ? -1 : ok;
}

static void
test_hostile_random(void)
{
  static const char *const alphabets[3] = {
    "<>@\"\\ .,:[]ab\t\x01\xc3",
    "<<>>@@@\"\"\\aaaaaaaabbbbbbbb.::,,[] ",
    0
  };
  stralloc addr = STRALLOC_ZERO, quoted = STRALLOC_ZERO, back = STRALLOC_ZERO;
  char buf[301];
  int a, i, broken = 0;

  for (a = 0; a < 3; ++a)
    for (i = 0; i < 30000; ++i) {
      size_t len = unit_rand() % 301;

      unit_rand_fill(buf, len, alphabets[a]);
      if (parse_hostile(buf, len, &addr, &quoted, &back) < 0 && ++broken < 5)
        printf("# broken promise for \"%.*s\"\n", (int)len, buf);
    }
  CHECK(broken == 0);
  stralloc_free(&addr);
  stralloc_free(&quoted);
  stralloc_free(&back);
}

/* Inputs glued from meaningful pieces get far into the parser, and
 * many of them are accepted, so the round trip is tried on strange
 * but valid addresses too. */
static void
test_hostile_pieces(void)
{
  static const char *const pieces[] = {
    "<", ">", "@", "\"", "\\", " ", "a", "b.c", ".", ",", ":", "@r:",
    "@r,", "[1.2]", "\"x y\"", "\\\"", "\t", "\x01", "\xc3\xa9", "<>", "@d",
    "SIZE=1", "\"\"",
  };
  stralloc addr = STRALLOC_ZERO, quoted = STRALLOC_ZERO, back = STRALLOC_ZERO;
  char buf[200];
  int i, broken = 0, accepted = 0;

  for (i = 0; i < 50000; ++i) {
    size_t len = 0;
    int n = (int)(unit_rand() % 12), k, ok;

    for (k = 0; k < n; ++k) {
      const char *p = pieces[unit_rand() % (sizeof pieces / sizeof pieces[0])];
      size_t plen = strlen(p);

      memcpy(buf + len, p, plen);
      len += plen;
    }
    ok = parse_hostile(buf, len, &addr, &quoted, &back);
    if (ok < 0) {
      if (++broken < 5)
        printf("# broken promise for \"%.*s\"\n", (int)len, buf);
    } else
      accepted += ok;
  }
  CHECK(broken == 0);
  CHECK(accepted > 1000);
  stralloc_free(&addr);
  stralloc_free(&quoted);
  stralloc_free(&back);
}

int
main(void)
{
  RUN(test_parse_plain);
  RUN(test_parse_routes);
  RUN(test_parse_quoting);
  RUN(test_parse_without_brackets);
  RUN(test_parse_parameters_follow);
  RUN(test_parse_refuses_structure);
  RUN(test_parse_refuses_quoting);
  RUN(test_parse_refuses_routes);
  RUN(test_parse_refuses_bytes);
  RUN(test_parse_length_limit);
  RUN(test_quote);
  RUN(test_quote_worst_case);
  RUN(test_quote_refuses_controls);
  RUN(test_split);
  RUN(test_domain_lower);
  RUN(test_round_trip_random);
  RUN(test_hostile_random);
  RUN(test_hostile_pieces);
  return unit_done();
}
