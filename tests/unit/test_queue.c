/* Unit tests for queue: file names in the split queue. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qconf.h"
#include "queue.h"
#include "unit.h"

static void
test_split_paths(void)
{
  stralloc sa = STRALLOC_ZERO;
  char want[64];

  CHECK(queue_path_split(&sa, "mess", 457));
  snprintf(want, sizeof want, "mess/%lu/457", 457UL % CONF_QUEUE_SPLIT);
  CHECK_SA(sa, want);
  CHECK(sa.s[sa.len] == 0);            /* usable as a C string */
  sa.len = 0;
  CHECK(queue_path_flat(&sa, "bounce", 457));
  CHECK_SA(sa, "bounce/457");
  sa.len = 0;
  CHECK(queue_path_sub(&sa, "todo", 7));
  CHECK_SA(sa, "todo/7");
  stralloc_free(&sa);
}

static void
test_split_range(void)
{
  unsigned long id;
  int in_range = 1, all_used = 1;
  int used[CONF_QUEUE_SPLIT] = { 0 };

  for (id = 0; id < 10000; ++id) {
    unsigned long n = queue_split_of(id);

    if (n >= CONF_QUEUE_SPLIT)
      in_range = 0;
    else
      used[n] = 1;
  }
  for (id = 0; id < CONF_QUEUE_SPLIT; ++id)
    if (!used[id])
      all_used = 0;
  CHECK(in_range);
  CHECK(all_used);
  CHECK(queue_split_of(0xffffffffUL) < CONF_QUEUE_SPLIT);
}

static void
count_id(unsigned long id, void *arg)
{
  unsigned long *sum = arg;

  *sum += id;
}

static void
test_scan(void)
{
  char dir[] = "/tmp/queue-test.XXXXXX";
  stralloc p = STRALLOC_ZERO;
  unsigned long n, sum = 0;
  FILE *f;

  CHECK(mkdtemp(dir) != 0);
  CHECK(chdir(dir) == 0);
  mkdir("todo", 0700);
  for (n = 0; n < CONF_QUEUE_SPLIT; ++n) {
    p.len = 0;
    CHECK(queue_path_sub(&p, "todo", n));
    mkdir(p.s, 0700);
  }
  /* two messages, a non-numeric name and a dot file are in the tree */
  p.len = 0; queue_path_split(&p, "todo", 100); f = fopen(p.s, "w"); if (f) fclose(f);
  p.len = 0; queue_path_split(&p, "todo", 23456); f = fopen(p.s, "w"); if (f) fclose(f);
  f = fopen("todo/0/junk", "w"); if (f) fclose(f);
  f = fopen("todo/0/.tmp", "w"); if (f) fclose(f);
  CHECK(queue_scan("todo", count_id, 0, &sum));
  CHECK(sum == 100 + 23456);
  stralloc_free(&p);
  CHECK(system("rm -rf todo") == 0);
  CHECK(chdir("/") == 0);
  rmdir(dir);
}

/* Only ENOENT is "absent": a path that cannot be examined is unknown. */
static void
test_exists(void)
{
  char dir[] = "/tmp/queue-test.XXXXXX";
  struct stat st;
  FILE *f;

  CHECK(mkdtemp(dir) != 0);
  CHECK(chdir(dir) == 0);
  CHECK(mkdir("mess", 0700) == 0);
  CHECK(mkdir("mess/8", 0700) == 0);
  f = fopen("mess/8/100", "w");
  CHECK(f != 0);
  if (f) { fputs("hello", f); fclose(f); }
  CHECK(queue_exists("mess", 100, &st) == 1);
  CHECK(st.st_size == 5);
  CHECK(queue_exists("mess", 100, 0) == 1);
  CHECK(queue_exists("mess", 123, 0) == 0);      /* 123 mod 23 = 8: absent */
  CHECK(queue_exists("nosuchdir", 100, 0) == 0);
  /* a file where a directory should be: ENOTDIR, not absence */
  f = fopen("info", "w");
  if (f) fclose(f);
  errno = 0;
  CHECK(queue_exists("info", 100, 0) == -1);
  CHECK(errno == ENOTDIR);
  if (geteuid() != 0) {
    /* unreadable directory: EACCES (root is not refused) */
    CHECK(chmod("mess/8", 0) == 0);
    errno = 0;
    CHECK(queue_exists("mess", 100, 0) == -1);
    CHECK(errno == EACCES);
    CHECK(chmod("mess/8", 0700) == 0);
  }
  CHECK(system("rm -rf mess info") == 0);
  CHECK(chdir("/") == 0);
  rmdir(dir);
}

int
main(void)
{
  RUN(test_split_paths);
  RUN(test_split_range);
  RUN(test_scan);
  RUN(test_exists);
  return unit_done();
}
