/* dotlock.c -- the mail spool's FILE.lock convention; see dotlock.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dotlock.h"
#include "fmt.h"
#include "stralloc.h"

/* How often a busy lock is tried again, in milliseconds. */
#define DOTLOCK_POLL_MS 100

/* Create the lock file; 1 if it is ours now, 0 with errno otherwise. */
static int
create_lock(const char *name)
{
  char pid[FMT_ULONG + 1];
  size_t len;
  int fd, err;

  do
    fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0644);
  while (fd == -1 && errno == EINTR);
  if (fd == -1)
    return 0;
  len = fmt_ulong(pid, (unsigned long)getpid());
  pid[len++] = '\n';
  /* the content is a courtesy to humans; existence is the lock */
  if (write(fd, pid, len) == -1) {
    err = errno;
    close(fd);
    unlink(name);
    errno = err;
    return 0;
  }
  close(fd);
  return 1;
}

/* Remove name if it is an abandoned lock; 1 if it was removed.  The
 * second lstat narrows the window in which another process replaces the
 * stale file by its own fresh lock between our look and our unlink. */
static int
remove_if_stale(const char *name)
{
  struct stat first, again;
  time_t now = time(0);

  if (lstat(name, &first) == -1 || now - first.st_mtime < DOTLOCK_STALE)
    return 0;
  if (lstat(name, &again) == -1 || again.st_ino != first.st_ino
      || again.st_dev != first.st_dev || again.st_mtime != first.st_mtime)
    return 0;
  return unlink(name) == 0;
}

int
dotlock_take(stralloc *lock, const char *path, unsigned int timeout)
{
  unsigned long waited_ms = 0;
  unsigned int removed = 0;
  struct timespec pause;

  if (!stralloc_copys(lock, path) || !stralloc_cats(lock, ".lock")
      || !stralloc_0(lock))
    return 0;
  lock->len--;
  for (;;) {
    if (create_lock(lock->s))
      return 1;
    if (errno != EEXIST)
      return 0;
    /* an abandoned lock is retried at once, a few times at most */
    if (removed < 3 && remove_if_stale(lock->s)) {
      ++removed;
      continue;
    }
    if (waited_ms >= (unsigned long)timeout * 1000) {
      errno = ETIMEDOUT;
      return 0;
    }
    pause.tv_sec = 0;
    pause.tv_nsec = DOTLOCK_POLL_MS * 1000000L;
    nanosleep(&pause, 0);
    waited_ms += DOTLOCK_POLL_MS;
  }
}

int
dotlock_release(const stralloc *lock)
{
  return unlink(lock->s) == 0;
}
