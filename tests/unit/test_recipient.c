/* Unit tests for recipient: the resolution order qmail-lspawn delivers
 * with and qmail-getpw reports (users/cdb exact and wildcard, corrupt
 * and malformed databases, the alias user by name, the alias fallback
 * with the instance's home).  Builds its users/cdb files with the
 * library's constdb writer in a fresh temporary directory; assumes
 * config.mk's defaults for the alias user's name and the extension
 * character. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "constdb.h"
#include "instance.h"
#include "recipient.h"
#include "stralloc.h"
#include "unit.h"

static char home[] = "/tmp/test_recipient.XXXXXX";
static char cdb_path[256];
static struct instance_ids ids;

/* One record; the data's fields are given joined by '|' and turned
 * into NULs, as qmail-newu writes them (no final NUL). */
static void
add(struct constdb_make *m, const char *key, size_t klen, const char *fields)
{
  stralloc data = STRALLOC_ZERO;
  size_t i;

  CHECK(stralloc_copys(&data, fields));
  for (i = 0; i < data.len; ++i)
    if (data.s[i] == '|')
      data.s[i] = 0;
  CHECK(constdb_make_add(m, key, klen, data.s, data.len));
  stralloc_free(&data);
}

/* The users/cdb qmail-newu makes from
 *   =joe:joe:1001:1002:/h/joe:::
 *   +list-:lists:1003:1004:/h/lists:-::
 *   +list-big-:biglists:1005:1006:/h/big:-:big-:
 *   +jo:wild:1007:1008:/h/wild:-::
 * plus two malformed records no qmail-newu would write; hint says
 * whether the wildcard hint record (key "") is there. */
static void
make_users(int hint)
{
  struct constdb_make m;

  CHECK(constdb_make_start(&m, cdb_path, 0, 0644));
  add(&m, "!joe", 5, "joe|1001|1002|/h/joe||");
  add(&m, "!list-", 6, "lists|1003|1004|/h/lists|-|");
  add(&m, "!list-big-", 10, "biglists|1005|1006|/h/big|-|big-");
  add(&m, "!jo", 3, "wild|1007|1008|/h/wild|-|");
  add(&m, "!short", 7, "x|1|1|/h|");
  add(&m, "!baduid", 8, "x|12x|1|/h||");
  if (hint)
    CHECK(constdb_make_add(&m, "", 0, "-o", 2));
  CHECK(constdb_make_finish(&m));
}

static void
check_answer(const struct recipient *r, const char *user, unsigned long uid,
             unsigned long gid, const char *rhome, const char *dash,
             const char *ext)
{
  CHECK_STR(r->user.s, user);
  CHECK(r->uid == uid);
  CHECK(r->gid == gid);
  CHECK_STR(r->home.s, rhome);
  CHECK_STR(r->dash.s, dash);
  CHECK_STR(r->ext.s, ext);
}

static void
check_find(const char *local, enum recipient_source source, const char *user,
           unsigned long uid, unsigned long gid, const char *rhome,
           const char *dash, const char *ext)
{
  struct recipient r = RECIPIENT_ZERO;
  int ok = recipient_find(&r, home, &ids, local);

  CHECK(ok == 1);
  if (ok) {
    CHECK(r.source == source);
    check_answer(&r, user, uid, gid, rhome, dash, ext);
  } else {
    printf("# %s: errno %d\n", local, errno);
  }
  recipient_free(&r);
}

static const char *
alias_home(void)
{
  static char path[300];

  snprintf(path, sizeof path, "%s/alias", home);
  return path;
}

static void
test_exact(void)
{
  make_users(1);
  check_find("joe", RECIPIENT_USERS, "joe", 1001, 1002, "/h/joe", "", "");
  /* keys are lowercased; the simple assignment beats the +jo wildcard */
  check_find("JoE", RECIPIENT_USERS, "joe", 1001, 1002, "/h/joe", "", "");
}

static void
test_wildcard_longest(void)
{
  make_users(1);
  check_find("list-foo", RECIPIENT_USERS, "lists", 1003, 1004, "/h/lists", "-", "foo");
  /* the longest prefix wins; the rest keeps its case */
  check_find("list-big-Foo", RECIPIENT_USERS, "biglists", 1005, 1006, "/h/big",
             "-", "big-Foo");
  check_find("LIST-BIG-x", RECIPIENT_USERS, "biglists", 1005, 1006, "/h/big",
             "-", "big-x");
  check_find("john", RECIPIENT_USERS, "wild", 1007, 1008, "/h/wild", "-", "hn");
  /* joe-ext is no simple assignment: the +jo wildcard takes it */
  check_find("joe-ext", RECIPIENT_USERS, "wild", 1007, 1008, "/h/wild", "-", "e-ext");
}

static void
test_wildcard_without_hint(void)
{
  /* a users/cdb from another tool (cdb -c) has no hint record */
  make_users(0);
  check_find("list-big-y", RECIPIENT_USERS, "biglists", 1005, 1006, "/h/big",
             "-", "big-y");
  check_find("joe", RECIPIENT_USERS, "joe", 1001, 1002, "/h/joe", "", "");
}

static void
test_malformed(void)
{
  struct recipient r = RECIPIENT_ZERO;

  make_users(1);
  errno = 0;
  CHECK(recipient_find(&r, home, &ids, "short") == 0);
  CHECK(errno == EINVAL);
  CHECK(r.source == RECIPIENT_USERS);
  errno = 0;
  CHECK(recipient_find(&r, home, &ids, "baduid") == 0);
  CHECK(errno == EINVAL);
  CHECK(r.source == RECIPIENT_USERS);
  recipient_free(&r);
}

static void
test_corrupt(void)
{
  struct recipient r = RECIPIENT_ZERO;
  FILE *f;

  /* too short to be a cdb */
  f = fopen(cdb_path, "w");
  CHECK(f != 0);
  if (f) {
    fputs("not a cdb", f);
    fclose(f);
  }
  errno = 0;
  CHECK(recipient_find(&r, home, &ids, "joe") == 0);
  CHECK(errno == EPROTO);
  CHECK(r.source == RECIPIENT_USERS);

  /* a real one cut short: its tables point past the end */
  make_users(1);
  CHECK(truncate(cdb_path, 2100) == 0);
  errno = 0;
  CHECK(recipient_find(&r, home, &ids, "joe") == 0);
  CHECK(errno == EPROTO);
  CHECK(r.source == RECIPIENT_USERS);
  recipient_free(&r);
}

static void
test_unreadable(void)
{
  struct recipient r = RECIPIENT_ZERO;

  /* a directory where the file should be: an error, not "nothing
   * assigned" (only ENOENT means absent) */
  unlink(cdb_path);
  CHECK(mkdir(cdb_path, 0755) == 0);
  errno = 0;
  CHECK(recipient_find(&r, home, &ids, "joe") == 0);
  CHECK(errno != 0 && errno != ENOENT);
  CHECK(r.source == RECIPIENT_USERS);
  CHECK(rmdir(cdb_path) == 0);
  recipient_free(&r);
}

static void
test_alias_fallback(void)
{
  unlink(cdb_path);
  /* no database: nothing assigned; no such account: the alias user,
   * home in the instance, the whole local part as ext */
  check_find("nosuchuser-x", RECIPIENT_ALIAS, "alias", 4242, 4343, alias_home(),
             "-", "nosuchuser-x");
  /* uid 0 never answers as an account */
  check_find("root", RECIPIENT_ALIAS, "alias", 4242, 4343, alias_home(), "-", "root");
  check_find("ROOT-x", RECIPIENT_ALIAS, "alias", 4242, 4343, alias_home(), "-", "ROOT-x");
  /* and a database without a match changes nothing */
  make_users(1);
  check_find("nomatch", RECIPIENT_ALIAS, "alias", 4242, 4343, alias_home(), "-", "nomatch");
}

static void
test_alias_by_name(void)
{
  unlink(cdb_path);
  check_find("alias", RECIPIENT_ALIAS_NAME, "alias", 4242, 4343, alias_home(), "", "");
  check_find("ALIAS-outgoing-Joe", RECIPIENT_ALIAS_NAME, "alias", 4242, 4343,
             alias_home(), "-", "outgoing-Joe");
  check_find("alias-", RECIPIENT_ALIAS_NAME, "alias", 4242, 4343, alias_home(), "-", "");
  /* only the name itself or the name and a dash */
  check_find("aliasx", RECIPIENT_ALIAS, "alias", 4242, 4343, alias_home(), "-", "aliasx");
}

static void
test_users_before_alias(void)
{
  struct constdb_make m;

  /* an assignment for the alias name and a catch-all wildcard win */
  CHECK(constdb_make_start(&m, cdb_path, 0, 0644));
  add(&m, "!alias", 7, "a2|2001|2002|/h/a2||");
  add(&m, "!", 1, "all|2003|2004|/h/all|-|");
  CHECK(constdb_make_finish(&m));
  check_find("alias", RECIPIENT_USERS, "a2", 2001, 2002, "/h/a2", "", "");
  check_find("Anyone", RECIPIENT_USERS, "all", 2003, 2004, "/h/all", "-", "Anyone");
  unlink(cdb_path);
}

static void
test_ids_from_instance(void)
{
  struct recipient r = RECIPIENT_ZERO;
  struct stat st;
  unsigned long want;

  /* without ids the alias user's ids are the instance's, found when
   * needed */
  unlink(cdb_path);
  CHECK(stat(home, &st) == 0);
  want = geteuid() == 0 ? st.st_uid : getuid();
  setenv("QMAILHOME", home, 1);
  CHECK(recipient_find(&r, home, 0, "nosuchuser") == 1);
  CHECK(r.uid == want);
  CHECK_STR(r.home.s, alias_home());
  if (geteuid() == 0) {
    /* root looks at the owner of an instance that does not exist */
    setenv("QMAILHOME", "/nonexistent/instance", 1);
    errno = 0;
    CHECK(recipient_find(&r, "/nonexistent/instance", 0, "nosuchuser") == 0);
    CHECK(errno == ENOENT);
    CHECK(r.source == RECIPIENT_ALIAS);
    CHECK(r.missing != 0);
  }
  unsetenv("QMAILHOME");
  recipient_free(&r);
}

static void
test_scan_id(void)
{
  unsigned long n = 7;

  CHECK(recipient_scan_id("1234", 4, &n) && n == 1234);
  CHECK(recipient_scan_id("0", 1, &n) && n == 0);
  CHECK(!recipient_scan_id("", 0, &n));
  CHECK(!recipient_scan_id("12x", 3, &n));
  CHECK(!recipient_scan_id("-1", 2, &n));
  CHECK(!recipient_scan_id("4294967295", 10, &n));     /* (uid_t)-1 */
  CHECK(!recipient_scan_id("99999999999999999999", 20, &n));
  /* only len bytes count */
  CHECK(recipient_scan_id("12x", 2, &n) && n == 12);
}

int
main(void)
{
  int i;

  if (!mkdtemp(home)) {
    perror("mkdtemp");
    return 1;
  }
  snprintf(cdb_path, sizeof cdb_path, "%s/users", home);
  mkdir(cdb_path, 0755);
  snprintf(cdb_path, sizeof cdb_path, "%s/users/cdb", home);
  for (i = 0; i < USER_COUNT; ++i)
    ids.uid[i] = 4242;
  for (i = 0; i < GROUP_COUNT; ++i)
    ids.gid[i] = 4343;

  RUN(test_exact);
  RUN(test_wildcard_longest);
  RUN(test_wildcard_without_hint);
  RUN(test_malformed);
  RUN(test_corrupt);
  RUN(test_unreadable);
  RUN(test_alias_fallback);
  RUN(test_alias_by_name);
  RUN(test_users_before_alias);
  RUN(test_ids_from_instance);
  RUN(test_scan_id);
  unit_rmtree(home);
  return unit_done();
}
