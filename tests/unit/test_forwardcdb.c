/* test_forwardcdb.c -- the lookup fastforward and qmail-smtpd's
 * recipient check share (forwardcdb.h): the order address, @host,
 * user@; lowercasing; the key found; an address without '@'; a corrupt
 * table. */
#include <stdlib.h>

#include "unit.h"
#include "constdb.h"
#include "forwardcdb.h"

static char dir[] = "/tmp/test_forwardcdb.XXXXXX";
static char path[64];
static struct constdb db = CONSTDB_ZERO;

static void
make_table(void)
{
  struct constdb_make m;

  if (!mkdtemp(dir))
    abort();
  snprintf(path, sizeof path, "%s/t.cdb", dir);
  if (!constdb_make_start(&m, path, 0, 0644)
      || !constdb_make_add(&m, ":joe@h.example", 14, "&exact\0", 7)
      || !constdb_make_add(&m, ":@h.example", 11, "&host\0", 6)
      || !constdb_make_add(&m, ":joe@", 5, "&user\0", 6)
      || !constdb_make_add(&m, ":@w.example", 11, "&first\0", 7)
      || !constdb_make_add(&m, ":bob@", 5, "&second\0", 8)
      || !constdb_make_add(&m, ":plain", 6, "&plain\0", 7)
      || !constdb_make_finish(&m) || !constdb_open(&db, path))
    abort();
}

static void
find(const char *address, int want, const char *want_key,
     const char *want_data)
{
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO;

  CHECK(forwardcdb_find(&db, address, strlen(address), &key, &data) == want);
  if (want == 1) {
    CHECK_MEM(key.s, key.len, want_key, strlen(want_key));
    CHECK_MEM(data.s, data.len, want_data, strlen(want_data) + 1);
  }
  stralloc_free(&key);
  stralloc_free(&data);
}

static void
test_order(void)
{
  find("joe@h.example", 1, ":joe@h.example", "&exact");
  find("ann@h.example", 1, ":@h.example", "&host");
  find("joe@other.example", 1, ":joe@", "&user");
  find("bob@w.example", 1, ":@w.example", "&first");
  find("ann@other.example", 0, 0, 0);
}

static void
test_lowercase(void)
{
  find("JOE@H.Example", 1, ":joe@h.example", "&exact");
}

static void
test_no_at(void)
{
  find("plain", 1, ":plain", "&plain");
  find("joe", 0, 0, 0);
}

static void
test_corrupt(void)
{
  struct constdb bad = CONSTDB_ZERO;
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO;
  char bogus[64];
  FILE *f;
  int i;

  snprintf(bogus, sizeof bogus, "%s/bad.cdb", dir);
  f = fopen(bogus, "w");
  for (i = 0; i < 512; ++i)
    fputc(i & 1 ? 0x7f : 0xff, f);
  for (i = 0; i < 2048; ++i)
    fputc(0xff, f);
  fclose(f);
  CHECK(constdb_open(&bad, bogus));   /* long enough to open */
  CHECK(forwardcdb_find(&bad, "a@b", 3, &key, &data) == -1);
  constdb_close(&bad);
  stralloc_free(&key);
  stralloc_free(&data);
}

int
main(void)
{
  char cmd[128];

  make_table();
  RUN(test_order);
  RUN(test_lowercase);
  RUN(test_no_at);
  RUN(test_corrupt);
  constdb_close(&db);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0)
    return 1;
  return unit_done();
}
