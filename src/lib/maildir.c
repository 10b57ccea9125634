/* maildir.c -- delivering one message into a maildir; see maildir.h. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>   /* for rename() only */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "buffer.h"
#include "failure.h"
#include "fmt.h"
#include "maildir.h"
#include "open.h"
#include "stralloc.h"

/* How often a name already taken in tmp/ is replaced by a fresh one. */
#define MAILDIR_NAME_TRIES 3

static unsigned long name_counter;

/* Set by the SIGALRM handler once the delivery's time is up. */
static volatile sig_atomic_t time_is_up;

static void
alarm_fired(int sig)
{
  (void)sig;
  time_is_up = 1;
  /* fire again in a second: a read(2) entered just after the check of
   * time_is_up would otherwise wait forever */
  alarm(1);
}

/* read and write that return ETIMEDOUT once the alarm has fired and
 * retry EINTR otherwise. */
static ssize_t
timed_read(int fd, char *buf, size_t len, void *ctx)
{
  ssize_t r;

  (void)ctx;
  for (;;) {
    if (time_is_up) {
      errno = ETIMEDOUT;
      return -1;
    }
    r = read(fd, buf, len);
    if (r != -1 || errno != EINTR)
      return r;
  }
}

static ssize_t
timed_write(int fd, char *buf, size_t len, void *ctx)
{
  ssize_t w;

  (void)ctx;
  for (;;) {
    if (time_is_up) {
      errno = ETIMEDOUT;
      return -1;
    }
    w = write(fd, buf, len);
    if (w != -1 || errno != EINTR)
      return w;
  }
}

/* Append the host name with '/' and ':' written as octal escapes. */
static int
cat_hostname(stralloc *out)
{
  char host[256];
  size_t i;

  if (gethostname(host, sizeof host) == -1)
    host[0] = 0;
  host[sizeof host - 1] = 0;
  if (!host[0])
    return stralloc_cats(out, "localhost");
  for (i = 0; host[i]; ++i) {
    int ok;

    if (host[i] == '/')
      ok = stralloc_cats(out, "\\057");
    else if (host[i] == ':')
      ok = stralloc_cats(out, "\\072");
    else
      ok = stralloc_append(out, host[i]);
    if (!ok)
      return 0;
  }
  return 1;
}

int
maildir_unique(stralloc *out)
{
  struct timeval now;
  size_t oldlen = out->len;
  char num[FMT_ULONG];

  gettimeofday(&now, 0);
  ++name_counter;
  if (!stralloc_catulong(out, (unsigned long)now.tv_sec)
      || !stralloc_cats(out, ".M")
      || !stralloc_catb(out, num, fmt_ulong0(num, (unsigned long)now.tv_usec, 6))
      || !stralloc_append(out, 'P')
      || !stralloc_catulong(out, (unsigned long)getpid())
      || !stralloc_append(out, '_')
      || !stralloc_catulong(out, name_counter)
      || !stralloc_append(out, '.')
      || !cat_hostname(out)) {
    out->len = oldlen;
    errno = ENOMEM;
    return 0;
  }
  return 1;
}

/* path = dir + "/" + sub + "/" + name (no doubled '/'), NUL-terminated. */
static int
maildir_path(stralloc *path, const char *dir, const char *sub,
             const char *name)
{
  size_t len = strlen(dir);

  if (!stralloc_copys(path, dir))
    return 0;
  if ((!len || dir[len - 1] != '/') && !stralloc_append(path, '/'))
    return 0;
  if (!stralloc_cats(path, sub))
    return 0;
  if (name && (!stralloc_append(path, '/') || !stralloc_cats(path, name)))
    return 0;
  return stralloc_0(path);
}

/* 1 when path names a directory, else 0 with errno set. */
static int
is_directory(const char *path)
{
  struct stat st;

  if (stat(path, &st) == -1)
    return 0;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return 0;
  }
  return 1;
}

/* Write head and copy msgfd into fd.  On failure errno is set and
 * *reading tells whether the message source failed (1) or fd (0). */
static int
write_message(int fd, int msgfd, const char *head, size_t headlen,
              int *reading)
{
  char space[BUFFER_INSIZE];
  ssize_t r;

  *reading = 0;
  if (headlen && !buffer_writeall(timed_write, fd, 0, head, headlen))
    return 0;
  for (;;) {
    r = timed_read(msgfd, space, sizeof space, 0);
    if (r == 0)
      return 1;
    if (r < 0) {
      *reading = 1;
      return 0;
    }
    if (!buffer_writeall(timed_write, fd, 0, space, (size_t)r))
      return 0;
  }
}

/* Give tmp the second name new: a hard link, or a rename where the
 * filesystem has no hard links.  Returns 1 when tmp must still be
 * removed, 2 when it was renamed away, 0 on failure. */
static int
move_to_new(const char *tmp, const char *new)
{
  if (link(tmp, new) == 0)
    return 1;
  switch (errno) {
  case EPERM:
  case EXDEV:
  case ENOSYS:
#ifdef EOPNOTSUPP
  case EOPNOTSUPP:
#endif
    break;
  default:
    return 0;
  }
  /* rename would replace an existing file: make sure there is none */
  if (access(new, F_OK) == 0) {
    errno = EEXIST;
    return 0;
  }
  return rename(tmp, new) == 0 ? 2 : 0;
}

/* The delivery proper, with the timer already running. */
static int
deliver(const char *dir, int msgfd, const char *head, size_t headlen,
        stralloc *why)
{
  stralloc name = STRALLOC_ZERO, tmp = STRALLOC_ZERO, new = STRALLOC_ZERO;
  stralloc newdir = STRALLOC_ZERO;
  int fd = -1, tries, reading, moved, err, ok = 0;

  why->len = 0;
  if (!maildir_path(&tmp, dir, "tmp", 0) || !maildir_path(&newdir, dir, "new", 0))
    goto nomem;
  if (!is_directory(dir)) {
    failure_explain(why, "Unable to open maildir ", dir, 0, errno, "4.2.1");
    goto done;
  }
  if (!is_directory(tmp.s)) {
    failure_explain(why, "Unable to use the tmp/ subdirectory of maildir ",
                    dir, 0, errno, "4.2.1");
    goto done;
  }
  if (!is_directory(newdir.s)) {
    failure_explain(why, "Unable to use the new/ subdirectory of maildir ",
                    dir, 0, errno, "4.2.1");
    goto done;
  }

  for (tries = 0;; ++tries) {
    name.len = 0;
    if (!maildir_unique(&name) || !stralloc_0(&name)
        || !maildir_path(&tmp, dir, "tmp", name.s))
      goto nomem;
    fd = open_excl(tmp.s, 0600);
    if (fd != -1)
      break;
    if (errno != EEXIST || tries + 1 >= MAILDIR_NAME_TRIES) {
      failure_explain(why, "Unable to create a file in maildir ", dir, 0,
                      errno, failure_status(errno));
      goto done;
    }
  }

  if (!write_message(fd, msgfd, head, headlen, &reading)) {
    err = errno;
    close(fd);
    unlink(tmp.s);
    if (reading)
      failure_explain(why, "Unable to read message", "", 0, err, "4.3.0");
    else
      failure_explain(why, "Unable to write ", tmp.s, 0, err,
                      failure_status(err));
    goto done;
  }
  if (!file_fsync_close(fd)) {
    err = errno;
    unlink(tmp.s);
    failure_explain(why, "Unable to write ", tmp.s, 0, err,
                    failure_status(err));
    goto done;
  }

  if (!maildir_path(&new, dir, "new", name.s)) {
    unlink(tmp.s);
    goto nomem;
  }
  moved = move_to_new(tmp.s, new.s);
  if (!moved) {
    err = errno;
    unlink(tmp.s);
    failure_explain(why, "Unable to move the message into ", newdir.s, 0,
                    err, failure_status(err));
    goto done;
  }
  if (!fsync_dir(newdir.s)) {
    /* the name in new/ may not survive a crash: take it back, so that
     * a retry cannot leave two copies */
    err = errno;
    unlink(new.s);
    if (moved == 1)
      unlink(tmp.s);
    failure_explain(why, "Unable to sync ", newdir.s, 0, err,
                    failure_status(err));
    goto done;
  }
  if (moved == 1)
    unlink(tmp.s);
  ok = 1;
  goto done;

nomem:
  err = errno;
  if (!stralloc_copys(why, "Out of memory. (#4.3.0)"))
    why->len = 0;
  errno = err;
done:
  err = errno;
  stralloc_free(&name);
  stralloc_free(&tmp);
  stralloc_free(&new);
  stralloc_free(&newdir);
  errno = err;
  return ok;
}

int
maildir_deliver(const char *dir, int msgfd, const char *head, size_t headlen,
                unsigned int timeout, stralloc *why)
{
  struct sigaction on_alarm, saved;
  int ok, err;

  time_is_up = 0;
  if (timeout) {
    memset(&on_alarm, 0, sizeof on_alarm);
    on_alarm.sa_handler = alarm_fired;
    sigemptyset(&on_alarm.sa_mask);
    /* no SA_RESTART: a blocked read or write must see EINTR */
    on_alarm.sa_flags = 0;
    if (sigaction(SIGALRM, &on_alarm, &saved) == -1) {
      err = errno;
      if (!stralloc_copys(why, "Unable to set up the delivery timer. (#4.3.0)"))
        why->len = 0;
      errno = err;
      return 0;
    }
    alarm(timeout);
  }
  ok = deliver(dir, msgfd, head, headlen, why);
  err = errno;
  if (timeout) {
    alarm(0);
    sigaction(SIGALRM, &saved, 0);
  }
  if (!ok && err == ETIMEDOUT && !stralloc_copys(why, "Timeout on maildir delivery. (#4.3.0)"))
    why->len = 0;
  errno = err;
  return ok;
}

/* Append "SUB/NAME\0" for every message in dir/sub. */
static int
list_sub(const char *dir, const char *sub, stralloc *names, size_t *count)
{
  stralloc path = STRALLOC_ZERO;
  struct dirent *d;
  DIR *dp;
  int ok = 1;

  if (!stralloc_copys(&path, dir) || !stralloc_append(&path, '/')
      || !stralloc_cats(&path, sub) || !stralloc_0(&path)) {
    stralloc_free(&path);
    return 0;
  }
  dp = opendir(path.s);
  stralloc_free(&path);
  if (!dp)
    return 0;
  while ((errno = 0, d = readdir(dp))) {
    if (d->d_name[0] == '.')
      continue;
    if (!stralloc_cats(names, sub) || !stralloc_append(names, '/')
        || !stralloc_cats(names, d->d_name) || !stralloc_0(names)) {
      ok = 0;
      break;
    }
    ++*count;
  }
  if (ok && errno)
    ok = 0;
  closedir(dp);
  return ok;
}

static int
by_unique_name(const void *a, const void *b)
{
  const char *x = *(char *const *)a, *y = *(char *const *)b;

  return strcmp(strchr(x, '/') + 1, strchr(y, '/') + 1);
}

int
maildir_list(const char *dir, stralloc *names, char ***list, size_t *count)
{
  size_t i, pos;

  names->len = 0;
  *count = 0;
  *list = 0;
  if (!list_sub(dir, "new", names, count) || !list_sub(dir, "cur", names, count))
    return 0;
  *list = malloc((*count + 1) * sizeof **list);
  if (!*list) {
    errno = ENOMEM;
    return 0;
  }
  for (pos = 0, i = 0; i < *count; ++i) {
    (*list)[i] = names->s + pos;
    pos += strlen((*list)[i]) + 1;
  }
  qsort(*list, *count, sizeof **list, by_unique_name);
  return 1;
}
