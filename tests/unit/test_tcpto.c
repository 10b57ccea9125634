/* test_tcpto.c -- the table of addresses that timed out. */
#include <stdlib.h>
#include <sys/socket.h>

#include "tcpto.h"
#include "unit.h"

static const long long now = 1800000000LL;

static struct dns_ip
ip(const char *text)
{
  struct dns_ip a;

  memset(&a, 0, sizeof a);
  if (!dns_ip_scan(&a, text))
    abort();
  return a;
}

static char dir[] = "/tmp/test_tcpto.XXXXXX";
static char path[sizeof dir + 16];

static void
file_put(const char *buf, size_t len)
{
  FILE *f = fopen(path, "wb");

  if (!f || fwrite(buf, 1, len, f) != len || fclose(f))
    abort();
}

static long
file_size(void)
{
  struct stat st;

  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void
test_backoff(void)
{
  unsigned int c;

  CHECK(tcpto_backoff(0) == 0);
  CHECK(tcpto_backoff(1) == 0);
  CHECK(tcpto_backoff(2) == TCPTO_BACKOFF_MIN);
  CHECK(tcpto_backoff(3) == 2 * TCPTO_BACKOFF_MIN);
  CHECK(tcpto_backoff(4) == 4 * TCPTO_BACKOFF_MIN);
  for (c = 2; c < 255; ++c) {
    CHECK(tcpto_backoff(c + 1) >= tcpto_backoff(c));
    CHECK(tcpto_backoff(c) <= TCPTO_BACKOFF_MAX);
  }
  CHECK(tcpto_backoff(255) == TCPTO_BACKOFF_MAX);
  CHECK(tcpto_backoff(4000000000U) == TCPTO_BACKOFF_MAX);
}

static void
test_record_and_skip(void)
{
  struct tcpto_table t;
  struct dns_ip a = ip("192.0.2.1"), b = ip("192.0.2.2");
  struct tcpto_entry *e;

  memset(&t, 0, sizeof t);
  CHECK(tcpto_wait(&t, &a, now) == 0);
  tcpto_note(&t, &a, now);
  e = tcpto_find(&t, &a);
  CHECK(e && e->count == 1 && e->when == now);
  /* one timeout may be a lost packet: still tried */
  CHECK(tcpto_wait(&t, &a, now) == 0);
  tcpto_note(&t, &a, now + 10);
  CHECK(e->count == 2 && e->when == now + 10);
  CHECK(tcpto_wait(&t, &a, now + 10) == TCPTO_BACKOFF_MIN);
  CHECK(tcpto_wait(&t, &a, now + 70) == TCPTO_BACKOFF_MIN - 60);
  CHECK(tcpto_wait(&t, &a, now + 10 + TCPTO_BACKOFF_MIN) == 0);
  CHECK(tcpto_wait(&t, &b, now + 10) == 0);
  CHECK(!tcpto_find(&t, &b));
  /* a success forgets it */
  CHECK(tcpto_drop(&t, &a) == 1);
  CHECK(tcpto_drop(&t, &a) == 0);
  CHECK(tcpto_wait(&t, &a, now + 10) == 0);
}

static void
test_pack_parse(void)
{
  struct tcpto_table t, u;
  char buf[TCPTO_SIZE];
  struct dns_ip a = ip("192.0.2.7"), b = ip("2001:db8::25");
  struct tcpto_entry *e;

  memset(&t, 0, sizeof t);
  tcpto_note(&t, &a, now - 5);
  tcpto_note(&t, &b, now - 100);
  tcpto_note(&t, &b, now - 50);
  tcpto_pack(&t, buf);
  CHECK(buf[0] == 4 && buf[1] == 1);
  CHECK(buf[TCPTO_ENTRY_SIZE] == 6 && buf[TCPTO_ENTRY_SIZE + 1] == 2);
  tcpto_parse(&u, buf, sizeof buf, now);
  e = tcpto_find(&u, &a);
  CHECK(e && e->count == 1 && e->when == now - 5);
  e = tcpto_find(&u, &b);
  CHECK(e && e->count == 2 && e->when == now - 50);
  CHECK(tcpto_wait(&u, &b, now) == TCPTO_BACKOFF_MIN - 50);
  /* IPv4 192.0.2.7 and IPv6 ::c000:207 are different addresses */
  {
    struct dns_ip c = ip("::c000:207");

    CHECK(!tcpto_find(&u, &c));
  }
}

static void
test_expire(void)
{
  struct tcpto_table t, u;
  char buf[TCPTO_SIZE];
  struct dns_ip a = ip("192.0.2.1"), b = ip("192.0.2.2"), c = ip("::1");

  memset(&t, 0, sizeof t);
  tcpto_note(&t, &a, now - TCPTO_FORGET - 1);
  tcpto_note(&t, &b, now - TCPTO_FORGET + 10);
  tcpto_note(&t, &c, now + TCPTO_SKEW + 100);      /* the clock went back */
  tcpto_pack(&t, buf);
  tcpto_parse(&u, buf, sizeof buf, now);
  CHECK(!tcpto_find(&u, &a));
  CHECK(tcpto_find(&u, &b) != 0);
  CHECK(!tcpto_find(&u, &c));
  /* a forgotten address starts again from one */
  tcpto_note(&u, &a, now);
  CHECK(tcpto_find(&u, &a) && tcpto_find(&u, &a)->count == 1);
}

static void
test_full(void)
{
  struct tcpto_table t;
  struct dns_ip a, newest = ip("198.51.100.200");
  unsigned int i;

  memset(&t, 0, sizeof t);
  for (i = 0; i < TCPTO_ENTRIES; ++i) {
    memset(&a, 0, sizeof a);
    a.family = AF_INET;
    a.ip[0] = 10;
    a.ip[3] = (unsigned char)i;
    /* entry 5 is the oldest */
    tcpto_note(&t, &a, i == 5 ? now - 1000 : now - 100 + i);
  }
  for (i = 0; i < TCPTO_ENTRIES; ++i)
    CHECK(t.entry[i].ip.family == AF_INET);
  tcpto_note(&t, &newest, now);
  CHECK(tcpto_find(&t, &newest) == &t.entry[5]);
  a.ip[3] = 5;
  CHECK(!tcpto_find(&t, &a));
  a.ip[3] = 6;
  CHECK(tcpto_find(&t, &a) != 0);
  /* the count saturates */
  for (i = 0; i < 300; ++i)
    tcpto_note(&t, &newest, now);
  CHECK(tcpto_find(&t, &newest)->count == 255);
}

static void
test_garbage(void)
{
  struct tcpto_table t;
  char buf[TCPTO_SIZE + 100];
  struct dns_ip a = ip("192.0.2.1");
  unsigned int i, k;

  /* random bytes: whatever is read, nothing crashes and every entry
   * that survives is a proper one */
  srand(7);
  for (k = 0; k < 200; ++k) {
    for (i = 0; i < sizeof buf; ++i)
      buf[i] = (char)(rand() & (k & 1 ? 0x07 : 0xff));
    tcpto_parse(&t, buf, (size_t)rand() % sizeof buf, now);
    for (i = 0; i < TCPTO_ENTRIES; ++i) {
      const struct tcpto_entry *e = &t.entry[i];

      if (!e->ip.family)
        continue;
      CHECK(e->ip.family == AF_INET || e->ip.family == AF_INET6);
      CHECK(e->count >= 1 && e->count <= 255);
      CHECK(e->when <= now + TCPTO_SKEW && e->when >= now - TCPTO_FORGET);
    }
  }
  /* a valid entry cut short reads as nothing */
  memset(&t, 0, sizeof t);
  tcpto_note(&t, &a, now);
  tcpto_pack(&t, buf);
  tcpto_parse(&t, buf, TCPTO_ENTRY_SIZE - 1, now);
  CHECK(!tcpto_find(&t, &a));
  tcpto_parse(&t, buf, TCPTO_ENTRY_SIZE, now);
  CHECK(tcpto_find(&t, &a) != 0);
  /* nonzero padding, an unknown family, a zero count: not entries */
  buf[3] = 1;
  tcpto_parse(&t, buf, TCPTO_ENTRY_SIZE, now);
  CHECK(!tcpto_find(&t, &a));
  buf[3] = 0;
  buf[0] = 5;
  tcpto_parse(&t, buf, TCPTO_ENTRY_SIZE, now);
  CHECK(!tcpto_find(&t, &a));
  buf[0] = 4;
  buf[1] = 0;
  tcpto_parse(&t, buf, TCPTO_ENTRY_SIZE, now);
  CHECK(!tcpto_find(&t, &a));
  tcpto_parse(&t, 0, 0, now);
  CHECK(!tcpto_find(&t, &a));
}

/* Found by fuzz_tcpto (tests/fuzz/regress/tcpto/): a damaged file with
 * two entries for one address; dropping it must drop it. */
static void
test_duplicate(void)
{
  struct tcpto_table t;
  char buf[TCPTO_SIZE];
  struct dns_ip a = ip("192.0.2.1");

  memset(&t, 0, sizeof t);
  tcpto_note(&t, &a, now - 10);
  tcpto_note(&t, &a, now - 10);
  t.entry[5] = t.entry[0];
  t.entry[5].count = 7;
  tcpto_pack(&t, buf);
  tcpto_parse(&t, buf, sizeof buf, now);
  CHECK(tcpto_find(&t, &a) == &t.entry[0] && t.entry[0].count == 2);
  CHECK(!t.entry[5].ip.family);
  CHECK(tcpto_drop(&t, &a) == 1);
  CHECK(!tcpto_find(&t, &a) && tcpto_wait(&t, &a, now) == 0);
}

static void
test_file(void)
{
  struct tcpto_table t;
  struct dns_ip a = ip("127.0.0.2"), b = ip("::1");
  char zeros[1024];

  CHECK(mkdtemp(dir) != 0);
  snprintf(path, sizeof path, "%s/tcpto", dir);

  /* missing: empty, and clearing it is no error and creates nothing */
  CHECK(tcpto_load(&t, path, now) == 1);
  CHECK(!tcpto_find(&t, &a));
  CHECK(tcpto_forget(path, &a, now) == 1);
  CHECK(tcpto_clear(path, 0, now) == 1);
  CHECK(file_size() == -1);

  /* a timeout creates it at full size */
  CHECK(tcpto_record(path, &a, now) == 1);
  CHECK(file_size() == TCPTO_SIZE);
  CHECK(tcpto_record(path, &a, now + 1) == 1);
  CHECK(tcpto_record(path, &b, now + 2) == 1);
  CHECK(tcpto_load(&t, path, now + 3) == 1);
  CHECK(tcpto_find(&t, &a) && tcpto_find(&t, &a)->count == 2);
  CHECK(tcpto_find(&t, &b) && tcpto_find(&t, &b)->count == 1);
  CHECK(tcpto_wait(&t, &a, now + 3) == TCPTO_BACKOFF_MIN - 2);

  /* forgetting one keeps the other */
  CHECK(tcpto_forget(path, &a, now + 4) == 1);
  CHECK(tcpto_load(&t, path, now + 4) == 1);
  CHECK(!tcpto_find(&t, &a) && tcpto_find(&t, &b));
  CHECK(tcpto_record(path, &a, now + 5) == 1);
  CHECK(tcpto_clear(path, &b, now + 5) == 1);
  CHECK(tcpto_load(&t, path, now + 5) == 1);
  CHECK(tcpto_find(&t, &a) && !tcpto_find(&t, &b));
  CHECK(tcpto_clear(path, 0, now + 6) == 1);
  CHECK(tcpto_load(&t, path, now + 6) == 1);
  CHECK(!tcpto_find(&t, &a));
  CHECK(file_size() == TCPTO_SIZE);

  /* a file of qmail's old size (1024 zero bytes) and a short garbage
   * file: read as empty, then grown to the full size */
  memset(zeros, 0, sizeof zeros);
  file_put(zeros, sizeof zeros);
  CHECK(tcpto_load(&t, path, now) == 1);
  CHECK(!tcpto_find(&t, &a));
  CHECK(tcpto_record(path, &a, now) == 1);
  CHECK(file_size() == TCPTO_SIZE);
  file_put("\006garbage", 8);
  CHECK(tcpto_load(&t, path, now) == 1);
  CHECK(!tcpto_find(&t, &a));
  CHECK(tcpto_record(path, &b, now) == 1);
  CHECK(tcpto_load(&t, path, now) == 1);
  CHECK(tcpto_find(&t, &b) && tcpto_find(&t, &b)->count == 1);
  CHECK(file_size() == TCPTO_SIZE);

  unlink(path);
  rmdir(dir);
}

int
main(void)
{
  RUN(test_backoff);
  RUN(test_record_and_skip);
  RUN(test_pack_parse);
  RUN(test_expire);
  RUN(test_full);
  RUN(test_garbage);
  RUN(test_duplicate);
  RUN(test_file);
  return unit_done();
}
