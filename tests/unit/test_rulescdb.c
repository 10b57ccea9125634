/* Unit tests for rulescdb: the tcprules language (every syntax form,
 * the records it gives, the refusals and their reasons), the record
 * decoder on good and hostile data, and the lookup order tcpserver
 * follows, on real databases in a temporary directory. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "constdb.h"
#include "rulescdb.h"
#include "stralloc.h"
#include "unit.h"

static char topdir[] = "/tmp/test_rulescdb.XXXXXX";

/* The keys of a parsed rule joined with ' ', and its data with NUL
 * shown as '@'. */
static void
describe(const struct rulescdb_rule *rule, stralloc *keys, stralloc *data)
{
  stralloc key = STRALLOC_ZERO;
  unsigned int i;
  size_t j;

  stralloc_copys(keys, "");
  for (i = 0; i < rulescdb_keys(rule); ++i) {
    CHECK(rulescdb_key(rule, i, &key));
    if (i)
      stralloc_append(keys, ' ');
    stralloc_cat(keys, &key);
  }
  stralloc_copy(data, &rule->data);
  for (j = 0; j < data->len; ++j)
    if (!data->s[j])
      data->s[j] = '@';
  stralloc_free(&key);
}

static void
check_rule(const char *line, const char *keys, const char *data)
{
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;
  stralloc gotkeys = STRALLOC_ZERO, gotdata = STRALLOC_ZERO;
  int r = rulescdb_parse(&rule, line, strlen(line));

  if (r != 1)
    printf("# line \"%s\": %d %s\n", line, r, rule.error ? rule.error : "");
  CHECK(r == 1);
  if (r == 1) {
    describe(&rule, &gotkeys, &gotdata);
    CHECK_SA(gotkeys, keys);
    CHECK_SA(gotdata, data);
  }
  rulescdb_free(&rule);
  stralloc_free(&gotkeys);
  stralloc_free(&gotdata);
}

static void
check_refused(const char *line, const char *why)
{
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;
  int r;

  errno = 0;
  r = rulescdb_parse(&rule, line, strlen(line));
  if (r != -1)
    printf("# line \"%s\" was accepted\n", line);
  CHECK(r == -1 && errno == EINVAL);
  if (r == -1 && (!rule.error || !strstr(rule.error, why)))
    printf("# line \"%s\": reason \"%s\", want \"%s\"\n", line,
           rule.error ? rule.error : "(none)", why);
  CHECK(r == -1 && rule.error && strstr(rule.error, why));
  rulescdb_free(&rule);
}

static void
check_nothing(const char *line)
{
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;

  CHECK(rulescdb_parse(&rule, line, strlen(line)) == 0);
  rulescdb_free(&rule);
}

static void
test_parse_forms(void)
{
  check_rule("1.2.3.4:allow", "1.2.3.4", "");
  check_rule("1.2.3.4:deny", "1.2.3.4", "D@");
  check_rule("1.2.3.:allow", "1.2.3.", "");
  check_rule("1.2.:deny", "1.2.", "D@");
  check_rule("10.:allow", "10.", "");
  check_rule("0.0.0.0:allow", "0.0.0.0", "");
  check_rule("1.2.3.37-39:allow", "1.2.3.37 1.2.3.38 1.2.3.39", "");
  check_rule("10.2-3.:allow,C=\"z\"", "10.2. 10.3.", "+C=z@");
  check_rule("1-2.3.4.5:deny", "1.3.4.5 2.3.4.5", "D@");
  check_rule("1.2.3.7-7:allow", "1.2.3.7", "");
  check_rule("=host.example.com:allow,D=\"h\"", "=host.example.com",
             "+D=h@");
  check_rule("=Mail.Example.COM:allow", "=mail.example.com", "");
  check_rule("=.example.org:deny", "=.example.org", "D@");
  check_rule("=:allow,E=\"any\"", "=", "+E=any@");
  check_rule(":allow", "", "");
  check_rule(":deny", "", "D@");
  check_rule(":allow,G=\"default\",H=''", "", "+G=default@+H=@");
  check_rule("joe@127.0.0.1:allow", "joe@127.0.0.1", "");
  check_rule("joe@=host:deny", "joe@=host", "D@");
  check_rule("::1:allow,F=\"six\"", "::1", "+F=six@");
  check_rule("2001:DB8:0:0::1:allow", "2001:db8::1", "");
  check_rule("2001:db8:0:1:1:1:1:1:deny", "2001:db8:0:1:1:1:1:1", "D@");
  check_rule("2001:db8::allow", "2001:db8:", "");
  check_rule("2001:db8:::allow", "2001:db8::", "");
  check_rule("FE80::allow", "fe80:", "");
  check_rule(":::allow", "::", "");
}

static void
test_parse_values(void)
{
  check_rule("1.2.3.4:allow,A=\"x\",B=/y/", "1.2.3.4", "+A=x@+B=y@");
  check_rule("1.2.3.4:deny,A=\"x\"", "1.2.3.4", "D@+A=x@");
  check_rule("1.2.3.4:allow,A=xvaluex", "1.2.3.4", "+A=value@");
  check_rule("1.2.3.4:allow,A=\"x,y\",B=\"q\"", "1.2.3.4", "+A=x,y@+B=q@");
  check_rule("1.2.3.4:allow,A=\"\"", "1.2.3.4", "+A=@");
  check_rule("1.2.3.4:allow,A==x=", "1.2.3.4", "+A=x@");
  check_rule("1.2.3.4:allow,A=\"x y\"", "1.2.3.4", "+A=x y@");
  check_rule("1.2.3.4:allow,A=\"x\",A=\"y\"", "1.2.3.4", "+A=x@+A=y@");
  check_rule("1.2.3.4:allow,RELAYCLIENT=\"\",TCPLOCALHOST=\"movie.edu\"",
             "1.2.3.4", "+RELAYCLIENT=@+TCPLOCALHOST=movie.edu@");
  check_rule("1.2.3.4:allow,A=/a:deny,b/", "1.2.3.4", "+A=a:deny,b@");
  check_rule("1.2.3.4:allow   \t\r", "1.2.3.4", "");
  check_rule("1.2.3.4:allow,A=\"x\" ", "1.2.3.4", "+A=x@");
}

static void
test_parse_nothing(void)
{
  check_nothing("");
  check_nothing("   ");
  check_nothing("\t\r");
  check_nothing("# 1.2.3.4:deny");
  check_nothing("#");
  check_nothing("  # indented comment");
}

static void
test_parse_refused(void)
{
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;

  check_refused("1.2.3.4", "no ':allow' or ':deny'");
  check_refused("1.2.3.4:", "must start with allow or deny");
  check_refused("1.2.3.4: allow", "must start with allow or deny");
  check_refused("1.2.3.4:allowx", "must start with allow or deny");
  check_refused("1.2.3.4:deny junk", "must start with allow or deny");
  check_refused(" 1.2.3.4:allow", "beginning of the line");
  check_refused("1.2.3.4 :allow", "space");
  check_refused("1.2.3.4:allow,A=value", "no closing quote");
  check_refused("1.2.3.4:allow,A=x,", "no closing quote");
  check_refused("1.2.3.4:allow,A", "needs a value");
  check_refused("1.2.3.4:allow,A=", "needs a value");
  check_refused("1.2.3.4:allow,", "',' at the end");
  check_refused("1.2.3.4:allow,,A=\"1\"", "letters, digits");
  check_refused("1.2.3.4:allow,A-B=\"1\"", "needs a value");
  check_refused("1.2.3.4:allow,A=\"x\"y\"", "after a value's closing quote");
  check_refused("1.2.3.10-5:allow", "low to high");
  check_refused("1.2.3.10-300:allow", "over 255");
  check_refused("1.2.3.256:allow", "over 255");
  check_refused("1.2.3-4.5-6:allow", "only one range");
  check_refused("1.2.3.-5:allow", "numbers 0 to 255");
  check_refused("1.2.3.5-:allow", "numbers 0 to 255");
  check_refused("01.2.3.4:allow", "leading zero");
  check_refused("1.2.3:allow", "four numbers");
  check_refused("1.2.3.4.:allow", "at most three");
  check_refused("1.2.3.4.5:allow", "four numbers");
  check_refused("1..3.:allow", "numbers 0 to 255");
  check_refused("1.2.3.0/24:allow", "prefix lengths");
  check_refused("2001:db8::/32:allow", "prefix lengths");
  check_refused("ABC:allow", "numbers 0 to 255");
  check_refused("=host name:allow", "space");
  check_refused("=host*:allow", "host name is letters");
  check_refused("=host.:allow", "does not end with '.'");
  check_refused("@1.2.3.4:allow", "nothing before '@'");
  check_refused("joe@:allow", "nothing after '@'");
  check_refused("2001:db8::1-3:allow", "no ranges");
  check_refused("::ffff:1.2.3.4:allow", "matched as IPv4");
  check_refused("fe80::1%eth0:allow", "no zone");
  check_refused("1::2::3:allow", "not an IPv6 address");
  check_refused("2001:0db8::allow", "leading zero");
  check_refused("12345::allow", "at most four");
  check_refused("1::2:::allow", "at most one '::'");
  check_refused("g::allow", "not an IPv6 address or prefix");
  check_refused("1:2:3:4:5:6:7:8::allow", "at most seven");
  /* a NUL byte anywhere */
  CHECK(rulescdb_parse(&rule, "1.2.3.4:allow\0x", 15) == -1);
  CHECK(rule.error && strstr(rule.error, "NUL"));
  CHECK(rulescdb_parse(&rule, "#\0", 2) == -1);
  rulescdb_free(&rule);
}

static void
test_decode(void)
{
  stralloc env = STRALLOC_ZERO;
  int deny = 7;

  CHECK(rulescdb_decode("", 0, &deny, &env) && deny == 0 && env.len == 0);
  CHECK(rulescdb_decode("D\0", 2, &deny, &env) && deny == 1);
  stralloc_copys(&env, "");
  CHECK(rulescdb_decode("D\0+A=1\0+B=\0", 11, &deny, &env) && deny == 1);
  CHECK_MEM(env.s, env.len, "A=1\0B=\0", 7);
  stralloc_copys(&env, "");
  CHECK(rulescdb_decode("+A=x=y\0", 7, &deny, &env) && deny == 0);
  CHECK_MEM(env.s, env.len, "A=x=y\0", 6);

  errno = 0;
  CHECK(!rulescdb_decode("D", 1, &deny, &env) && errno == EPROTO);
  CHECK(!rulescdb_decode("X\0", 2, &deny, &env) && errno == EPROTO);
  CHECK(!rulescdb_decode("+A\0", 3, &deny, &env) && errno == EPROTO);
  CHECK(!rulescdb_decode("+=1\0", 4, &deny, &env) && errno == EPROTO);
  CHECK(!rulescdb_decode("+A=1", 4, &deny, &env) && errno == EPROTO);
  CHECK(!rulescdb_decode("\0", 1, &deny, &env) && errno == EPROTO);
  CHECK(!rulescdb_decode("DD\0", 3, &deny, &env) && errno == EPROTO);
  stralloc_free(&env);
}

/* Every data the parser makes decodes, with the variables it wrote. */
static void
test_parse_then_decode(void)
{
  static const char alphabet[] = "0123456789.:-=,\"/abcdefAZ_@ #allowdeny";
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;
  stralloc env = STRALLOC_ZERO, key = STRALLOC_ZERO;
  char line[64];
  int i, rules = 0, bad = 0;

  for (i = 0; i < 200000; ++i) {
    size_t len = unit_rand() % sizeof line;
    int deny, r;
    unsigned int k;

    unit_rand_fill(line, len, i % 3 ? alphabet : 0);
    if (i % 2 == 0) {
      /* a plausible rule: an address, the decision, some variables
       * with random quotes and values */
      static const char *const addresses[] = {
        "1.2.3.4", "10.", "1.2.3.9-12", "=x.example", "=", "", "::1",
        "2001:db8:", "a@1.2.3.4", "1.2.3"
      };
      size_t vars = unit_rand() % 4, v;

      len = (size_t)snprintf(line, sizeof line, "%s:%s",
                             addresses[unit_rand() % 10],
                             unit_rand() % 2 ? "allow" : "deny");
      for (v = 0; v < vars && len + 12 < sizeof line; ++v) {
        char quote = (char)(1 + unit_rand() % 255);
        size_t vlen = unit_rand() % 6;

        memcpy(line + len, ",V_1=", 5);
        len += 5;
        line[len++] = quote;
        unit_rand_fill(line + len, vlen, 0);
        len += vlen;
        line[len++] = quote;
      }
    }
    r = rulescdb_parse(&rule, line, len);
    if (r == -1 && (errno != EINVAL || !rule.error))
      ++bad;
    if (r != 1)
      continue;
    ++rules;
    env.len = 0;
    if (!rulescdb_decode(rule.data.s, rule.data.len, &deny, &env))
      ++bad;
    if (rulescdb_keys(&rule) < 1 || rulescdb_keys(&rule) > 256)
      ++bad;
    for (k = 0; k < rulescdb_keys(&rule); ++k)
      if (!rulescdb_key(&rule, k, &key) || memchr(key.s, 0, key.len))
        ++bad;
  }
  CHECK(bad == 0);
  CHECK(rules > 100);
  rulescdb_free(&rule);
  stralloc_free(&env);
  stralloc_free(&key);
}

/* A long value, far beyond any buffer. */
static void
test_long_line(void)
{
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;
  size_t n = 1 << 20;
  char *line = malloc(n + 32);
  stralloc env = STRALLOC_ZERO;
  int deny;

  CHECK(line != 0);
  if (!line)
    return;
  memcpy(line, "1.2.3.4:allow,BIG=\"", 19);
  memset(line + 19, 'x', n);
  line[19 + n] = '"';
  CHECK(rulescdb_parse(&rule, line, n + 20) == 1);
  CHECK(rule.data.len == n + 6);
  CHECK(rulescdb_decode(rule.data.s, rule.data.len, &deny, &env));
  CHECK(env.len == n + 5 && deny == 0);
  memset(line, '1', n);
  CHECK(rulescdb_parse(&rule, line, n) == -1);
  free(line);
  rulescdb_free(&rule);
  stralloc_free(&env);
}

static void
make_db(const char *path, const char *const *lines)
{
  struct constdb_make m;
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;
  stralloc key = STRALLOC_ZERO;
  unsigned int k;
  int i;

  CHECK(constdb_make_start(&m, path, 0, 0644));
  for (i = 0; lines[i]; ++i) {
    CHECK(rulescdb_parse(&rule, lines[i], strlen(lines[i])) == 1);
    for (k = 0; k < rulescdb_keys(&rule); ++k) {
      CHECK(rulescdb_key(&rule, k, &key));
      CHECK(constdb_make_add(&m, key.s, key.len, rule.data.s, rule.data.len));
    }
  }
  CHECK(constdb_make_finish(&m));
  rulescdb_free(&rule);
  stralloc_free(&key);
}

/* The key tcpserver would use for ip/host, or "(none)". */
static void
check_lookup(struct constdb *db, const char *ip, const char *host,
             const char *info, const char *want)
{
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO;
  int r = rulescdb_lookup(db, ip, host, info, &key, &data);

  CHECK(r != -1);
  if (r == 0)
    stralloc_copys(&key, "(none)");
  if (key.len != strlen(want) || memcmp(key.s, want, key.len) != 0)
    printf("# client %s %s: rule \"%.*s\", want \"%s\"\n", ip,
           host ? host : "-", (int)key.len, key.s, want);
  CHECK_SA(key, want);
  stralloc_free(&key);
  stralloc_free(&data);
}

static void
test_lookup_order(void)
{
  static const char *const lines[] = {
    "joe@10.1.2.3:allow", "joe@=h.example.com:allow", "10.1.2.3:allow",
    "=h.example.com:allow", "10.1.2.:allow", "10.1.:allow", "10.:allow",
    "=.sub.example.com:allow", "=.example.com:allow", "=:allow",
    "2001:db8::1:allow", "2001:db8::allow", "2001:db8:::allow",
    ":deny", 0
  };
  static const char *const nodefault[] = { "1.2.3.4:allow", 0 };
  struct constdb db;
  char path[256];

  snprintf(path, sizeof path, "%s/order.cdb", topdir);
  make_db(path, lines);
  CHECK(constdb_open(&db, path));
  check_lookup(&db, "10.1.2.3", "h.example.com", "joe", "joe@10.1.2.3");
  check_lookup(&db, "10.1.2.4", "h.example.com", "joe", "joe@=h.example.com");
  check_lookup(&db, "10.1.2.3", "h.example.com", "ann", "10.1.2.3");
  check_lookup(&db, "10.1.2.3", "h.example.com", 0, "10.1.2.3");
  check_lookup(&db, "10.1.2.4", "h.example.com", 0, "=h.example.com");
  check_lookup(&db, "10.1.2.4", "H.Example.COM", 0, "=h.example.com");
  check_lookup(&db, "10.1.2.4", "x.example.com", 0, "10.1.2.");
  check_lookup(&db, "10.1.9.4", 0, 0, "10.1.");
  check_lookup(&db, "10.9.9.4", 0, 0, "10.");
  check_lookup(&db, "11.1.2.3", "a.b.sub.example.com", 0,
               "=.sub.example.com");
  check_lookup(&db, "11.1.2.3", "a.example.com", 0, "=.example.com");
  check_lookup(&db, "11.1.2.3", "example.com", 0, "=");
  check_lookup(&db, "11.1.2.3", "other.org", 0, "=");
  check_lookup(&db, "11.1.2.3", 0, 0, "");
  check_lookup(&db, "2001:db8::1", 0, 0, "2001:db8::1");
  check_lookup(&db, "2001:db8::2", 0, 0, "2001:db8::");
  check_lookup(&db, "2001:db8:1::2", 0, 0, "2001:db8:");
  check_lookup(&db, "2001:db9::2", 0, 0, "");
  check_lookup(&db, "", 0, 0, "");
  constdb_close(&db);

  snprintf(path, sizeof path, "%s/nodefault.cdb", topdir);
  make_db(path, nodefault);
  CHECK(constdb_open(&db, path));
  check_lookup(&db, "1.2.3.4", 0, 0, "1.2.3.4");
  check_lookup(&db, "1.2.3.5", "x.example", 0, "(none)");
  check_lookup(&db, "1.2.3.", 0, 0, "(none)");
  constdb_close(&db);
}

int
main(void)
{
  if (!mkdtemp(topdir)) {
    printf("not ok 1 - mkdtemp\n1..1\n");
    return 1;
  }
  RUN(test_parse_forms);
  RUN(test_parse_values);
  RUN(test_parse_nothing);
  RUN(test_parse_refused);
  RUN(test_decode);
  RUN(test_parse_then_decode);
  RUN(test_long_line);
  RUN(test_lookup_order);
  unit_rmtree(topdir);
  return unit_done();
}
