/* Unit tests for failure. */
#include <errno.h>
#include <string.h>

#include "failure.h"
#include "unit.h"

static void
test_status(void)
{
#ifdef EDQUOT
  CHECK_STR(failure_status(EDQUOT), "4.2.2");
#endif
  CHECK_STR(failure_status(EFBIG), "4.2.2");
  CHECK_STR(failure_status(ENOSPC), "4.3.1");
  CHECK_STR(failure_status(ENOENT), "4.2.1");
  CHECK_STR(failure_status(ENOTDIR), "4.2.1");
  CHECK_STR(failure_status(EACCES), "4.2.1");
  CHECK_STR(failure_status(EPERM), "4.2.1");
  CHECK_STR(failure_status(EISDIR), "4.2.1");
  CHECK_STR(failure_status(EIO), "4.3.0");
  CHECK_STR(failure_status(0), "4.3.0");
}

static void
test_explain(void)
{
  stralloc why = STRALLOC_ZERO;
  char want[200];

  CHECK(stralloc_copys(&why, "something older and longer than the rest"));
  errno = 0;
  failure_explain(&why, "Unable to write ", "/home/joe/Mailbox", 0, ENOSPC,
                  failure_status(ENOSPC));
  CHECK(errno == ENOSPC);
  snprintf(want, sizeof want, "Unable to write /home/joe/Mailbox: %s. (#4.3.1)",
           strerror(ENOSPC));
  CHECK_SA(why, want);

  errno = 0;
  failure_explain(&why, "Unable to lock ", "Mailbox", "held too long",
                  ETIMEDOUT, "4.3.0");
  CHECK(errno == ETIMEDOUT);
  CHECK_SA(why, "Unable to lock Mailbox: held too long. (#4.3.0)");
  CHECK(memchr(why.s, '\n', why.len) == 0);
  stralloc_free(&why);
}

int
main(void)
{
  RUN(test_status);
  RUN(test_explain);
  return unit_done();
}
