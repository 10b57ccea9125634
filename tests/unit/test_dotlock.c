/* Unit tests for dotlock: the lock file is made exclusively and holds
 * the pid, a second taker waits or times out, an abandoned lock is
 * broken, and a directory where no lock can be made says so. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "dotlock.h"
#include "fmt.h"
#include "open.h"
#include "stralloc.h"
#include "wait.h"
#include "unit.h"

static char top[] = "/tmp/test_dotlock.XXXXXX";

static const char *
path(stralloc *sa, const char *name)
{
  sa->len = 0;
  if (!stralloc_cats(sa, top) || !stralloc_append(sa, '/')
      || !stralloc_cats(sa, name) || !stralloc_0(sa)) {
    printf("# out of memory\n");
    exit(1);
  }
  return sa->s;
}

static int
exists(const char *p)
{
  struct stat st;

  return lstat(p, &st) == 0;
}

/* The lock file is box.lock, made by us, holding our pid. */
static void
test_take_and_release(void)
{
  stralloc box = STRALLOC_ZERO, lock = STRALLOC_ZERO, want = STRALLOC_ZERO;
  char buf[FMT_ULONG + 2];
  ssize_t r;
  int fd;

  path(&box, "box1");
  CHECK(dotlock_take(&lock, box.s, 0));
  CHECK_STR(lock.s, path(&want, "box1.lock"));
  CHECK(lock.len == want.len - 1);
  fd = open_read(lock.s);
  CHECK(fd != -1);
  r = read(fd, buf, sizeof buf - 1);
  close(fd);
  want.len = 0;
  CHECK(stralloc_catulong(&want, (unsigned long)getpid())
        && stralloc_cats(&want, "\n"));
  CHECK(r >= 0);
  buf[r >= 0 ? r : 0] = '\0';
  CHECK(stralloc_0(&want));
  CHECK_STR(buf, want.s);
  CHECK(dotlock_release(&lock));
  CHECK(!exists(lock.s));
  stralloc_free(&box);
  stralloc_free(&lock);
  stralloc_free(&want);
}

/* A fresh lock of someone else's: one try fails at once with
 * ETIMEDOUT; a wait of one second fails after about that long. */
static void
test_busy_times_out(void)
{
  stralloc box = STRALLOC_ZERO, mine = STRALLOC_ZERO, theirs = STRALLOC_ZERO;
  time_t start;

  path(&box, "box2");
  CHECK(dotlock_take(&theirs, box.s, 0));
  errno = 0;
  CHECK(!dotlock_take(&mine, box.s, 0) && errno == ETIMEDOUT);
  start = time(0);
  errno = 0;
  CHECK(!dotlock_take(&mine, box.s, 1) && errno == ETIMEDOUT);
  CHECK(time(0) - start >= 1 && time(0) - start <= 3);
  CHECK(exists(theirs.s));
  CHECK(dotlock_release(&theirs));
  stralloc_free(&box);
  stralloc_free(&mine);
  stralloc_free(&theirs);
}

/* A holder that lets go after 0.3 s: the waiter gets the lock. */
static void
test_waits_for_holder(void)
{
  stralloc box = STRALLOC_ZERO, mine = STRALLOC_ZERO, theirs = STRALLOC_ZERO;
  int status = -1;
  pid_t holder;

  path(&box, "box3");
  CHECK(dotlock_take(&theirs, box.s, 0));
  holder = fork();
  if (holder == 0) {
    usleep(300000);
    _exit(dotlock_release(&theirs) ? 0 : 1);
  }
  CHECK(dotlock_take(&mine, box.s, 5));
  CHECK(wait_pid(holder, &status) == holder && wait_exitcode(status) == 0);
  CHECK(exists(mine.s));
  CHECK(dotlock_release(&mine));
  stralloc_free(&box);
  stralloc_free(&mine);
  stralloc_free(&theirs);
}

/* A lock file older than DOTLOCK_STALE is broken at once; a younger
 * one is not. */
static void
test_stale_lock_broken(void)
{
  stralloc box = STRALLOC_ZERO, lock = STRALLOC_ZERO, old = STRALLOC_ZERO;
  struct utimbuf when;
  int fd;

  path(&box, "box4");
  path(&old, "box4.lock");
  fd = open_excl(old.s, 0644);
  CHECK(fd != -1);
  close(fd);
  when.actime = when.modtime = time(0) - DOTLOCK_STALE + 60;
  CHECK(utime(old.s, &when) == 0);
  errno = 0;
  CHECK(!dotlock_take(&lock, box.s, 0) && errno == ETIMEDOUT);
  when.actime = when.modtime = time(0) - DOTLOCK_STALE - 60;
  CHECK(utime(old.s, &when) == 0);
  CHECK(dotlock_take(&lock, box.s, 0));
  CHECK(dotlock_release(&lock));
  stralloc_free(&box);
  stralloc_free(&lock);
  stralloc_free(&old);
}

/* Where the lock cannot be made the error says why: a missing
 * directory; a symbolic link named like the lock is never followed. */
static void
test_cannot_create(void)
{
  stralloc box = STRALLOC_ZERO, lock = STRALLOC_ZERO, link = STRALLOC_ZERO,
           target = STRALLOC_ZERO;

  path(&box, "missing/box5");
  errno = 0;
  CHECK(!dotlock_take(&lock, box.s, 0) && errno == ENOENT);
  path(&box, "box6");
  path(&link, "box6.lock");
  path(&target, "elsewhere");
  CHECK(symlink(target.s, link.s) == 0);
  errno = 0;
  CHECK(!dotlock_take(&lock, box.s, 0) && errno == ETIMEDOUT);
  CHECK(!exists(target.s));
  stralloc_free(&box);
  stralloc_free(&lock);
  stralloc_free(&link);
  stralloc_free(&target);
}

int
main(void)
{
  if (!mkdtemp(top)) {
    printf("# mkdtemp failed\n");
    return 1;
  }
  RUN(test_take_and_release);
  RUN(test_busy_times_out);
  RUN(test_waits_for_holder);
  RUN(test_stale_lock_broken);
  RUN(test_cannot_create);
  if (!unit_rmtree(top))
    printf("# could not remove %s\n", top);
  return unit_done();
}
