/* test_aliases.c -- the sendmail aliases parser of newaliases and
 * newinclude (src/alias/aliases.h) and fastforward's formats
 * (src/alias/fwdb.h): records and their order, qualification, owners,
 * programs, includes, and the syntax errors with their offsets,
 * including the fuzzer's finds (tests/fuzz/regress/aliases/). */
#include "unit.h"
#include "../../src/alias/aliases.c"
#include "../../src/alias/fwdb.c"

static stralloc records;

static int
collect(void *ctx, const char *key, size_t klen, const char *data,
        size_t dlen)
{
  size_t i;

  (void)ctx;
  if (!stralloc_catb(&records, key, klen) || !stralloc_cats(&records, "->"))
    return 0;
  for (i = 0; i < dlen; ++i)
    if (!stralloc_append(&records, data[i] ? data[i] : '|'))
      return 0;
  return stralloc_append(&records, '\n');
}

static struct aliases_config cfg;
static struct aliases_error error;

static int
parse(const char *text)
{
  if (!cfg.defaulthost.len) {
    stralloc_copys(&cfg.defaulthost, "dh.example");
    stralloc_copys(&cfg.defaultdomain, "dd.example");
    stralloc_copys(&cfg.plusdomain, "pd.example");
  }
  records.len = 0;
  error.why = 0;
  return aliases_parse(text, strlen(text), &cfg, collect, 0, &error);
}

#define RECORDS(want) CHECK_MEM(records.s, records.len, want, strlen(want))

static void
test_simple_aliases_last_first(void)
{
  CHECK(parse("root: alice, bob@x.example\n") == 1);
  RECORDS(":root@->&bob@x.example|&alice@dh.example|\n");
}

static void
test_continuations_and_comments(void)
{
  CHECK(parse("# c\n  still c\nr: a,\n  b\n\n\tc\nnext: d\n") == 1);
  RECORDS(":r@->&c@dh.example|&b@dh.example|&a@dh.example|\n"
          ":next@->&d@dh.example|\n");
}

static void
test_qualification(void)
{
  CHECK(parse("q: a@box, b@box+, c@[192.0.2.1], d@x.y.\n") == 1);
  RECORDS(":q@->&d@x.y.|&c@[192.0.2.1]|&b@box.pd.example|"
          "&a@box.dd.example|\n");
}

static void
test_owner_record_first(void)
{
  CHECK(parse("owner-L: Boss\n") == 1);
  RECORDS("?l@->owner-l@dh.example\n:owner-l@->&Boss@dh.example|\n");
}

static void
test_programs_and_includes(void)
{
  CHECK(parse("p: \"|a b\", |c, \"|d@e\", :include:/x/y, : include : ./z\n")
        == 1);
  RECORDS(":p@->./z.bin|/x/y.bin|!d@e|!c|!a b|\n");
}

static void
test_order_of_fastforward(void)
{
  /* from the last to the first, an address waits for the next one */
  CHECK(parse("a: b |p, c\n") == 1);
  RECORDS(":a@->!p|&c@dh.example|&b@dh.example|\n");
  CHECK(parse("a: |p q, r\n") == 1);
  RECORDS(":a@->&r@dh.example|!p|&q@dh.example|\n");
  CHECK(parse("a: \"|q\", b, |p, c\n") == 1);
  RECORDS(":a@->!p|&c@dh.example|!q|&b@dh.example|\n");
}

static void
test_rfc822_forms(void)
{
  CHECK(parse("Joe@Example.COM: Joe <j@h.example> , \"s p\"@h.example, "
              "x (comment (nested)), \\y\n") == 1);
  RECORDS(":joe@example.com->&y@dh.example|&x@dh.example|&s p@h.example|"
          "&j@h.example|\n");
  CHECK(parse("(c)@virt.example: a\n") == 1);
  RECORDS(":@virt.example->&a@dh.example|\n");
  CHECK(parse("nocolon a, b\n") == 1);
  RECORDS(":nocolon@->&b@dh.example|&a@dh.example|\n");
}

static void
syntax_error(const char *text, size_t offset, const char *why)
{
  CHECK(parse(text) == 0);
  CHECK(error.offset == offset);
  CHECK(error.why && strstr(error.why, why));
}

static void
test_syntax_errors(void)
{
  syntax_error("a: b\nx: \"open\n", 8, "unterminated quoted string");
  syntax_error("x: (open\n", 3, "unterminated comment");
  syntax_error("x: <a@b\n", 3, "unterminated angle brackets");
  syntax_error("x: /var/mail/x\n", 3, "file deliveries");
  syntax_error("x:\n", 0, "without recipients");
  syntax_error("x: a@\n", 3, "empty domain");
  syntax_error("x: :include:\n", 3, "without a file name");
  syntax_error("x: :include:rel\n", 3, "starting with / or .");
  syntax_error(": x\n", 0, "must start with a name");
  syntax_error("x: a >\n", 5, "special character");
  CHECK(aliases_line("a\nb\nc", 4) == 3);
}

static void
test_nul_and_control_bytes(void)
{
  static const char nul[] = "a: b\nx: a\0b\n";

  records.len = 0;
  CHECK(aliases_parse(nul, sizeof nul - 1, &cfg, collect, 0, &error) == 0);
  CHECK(error.offset == 9);
  syntax_error("x: a\001b\n", 4, "control characters");
}

static void
test_long_address(void)
{
  stralloc text = STRALLOC_ZERO;
  size_t i;

  stralloc_copys(&text, "x: ");
  for (i = 0; i < 801; ++i)
    stralloc_append(&text, 'a');
  stralloc_cats(&text, "@h.example\n");
  stralloc_0(&text);
  syntax_error(text.s, 3, "over 800 bytes");
  stralloc_free(&text);
}

static void
test_regress_empty_quoted_string(void)
{
  /* tests/fuzz/regress/aliases/empty-quoted: an empty "" token */
  CHECK(parse("\"\" >\n") == 0);
  CHECK(parse("x: \"\"@h.example\n") == 0 || records.len);
}

static void
test_include_list(void)
{
  stralloc out = STRALLOC_ZERO;
  const char *text = "# c\na, b@x.y\n:include:/l\n";

  CHECK(aliases_parse_list(text, strlen(text), &cfg, &out, &error) == 1);
  CHECK_MEM(out.s, out.len, "&b@x.y\0&a@dh.example\0/l.bin\0", 28);
  CHECK(fwdb_maillist_valid(out.s, out.len));
  out.len = 0;
  text = "a\n\"|prog\"\n";
  CHECK(aliases_parse_list(text, strlen(text), &cfg, &out, &error) == 0);
  CHECK(error.offset == 2);
  stralloc_free(&out);
}

static void
test_fwdb_formats(void)
{
  stralloc s = STRALLOC_ZERO;

  CHECK(fwdb_forward_valid("&a\0|b\0!c\0/d\0.e\0", 15));
  CHECK(!fwdb_forward_valid("&a", 2));
  CHECK(!fwdb_forward_valid("?a\0", 3));
  CHECK(!fwdb_forward_valid("\0", 1));
  CHECK(fwdb_forward_valid("", 0));
  CHECK(fwdb_maillist_valid("&a\0/b\0", 6));
  CHECK(!fwdb_maillist_valid("|a\0", 3));
  CHECK(fwdb_escape(&s, "a b#,:;\\\x7f\x80", 10));
  CHECK_MEM(s.s, s.len, "a\\ b\\#\\,\\:\\;\\\\\x7f\\\x80", 17);
  stralloc_free(&s);
}

int
main(void)
{
  RUN(test_simple_aliases_last_first);
  RUN(test_continuations_and_comments);
  RUN(test_qualification);
  RUN(test_owner_record_first);
  RUN(test_programs_and_includes);
  RUN(test_order_of_fastforward);
  RUN(test_rfc822_forms);
  RUN(test_syntax_errors);
  RUN(test_nul_and_control_bytes);
  RUN(test_long_address);
  RUN(test_regress_empty_quoted_string);
  RUN(test_include_list);
  RUN(test_fwdb_formats);
  return unit_done();
}
