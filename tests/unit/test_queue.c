/* Unit tests for queue: file names in the split queue. */
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

int
main(void)
{
  RUN(test_split_paths);
  RUN(test_split_range);
  return unit_done();
}
