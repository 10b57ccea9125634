/* send_restore.c -- pick up the queue as a restarted qmail-send finds it.
 *
 * Every info/N/ID is a preprocessed message: each of its local/ and
 * remote/ files is scheduled at the file's mtime (the next attempt, or
 * the preprocessing time for a message never tried); a message with
 * neither file left was interrupted while finishing and is finished now.
 * A mess/N/ID with no todo/ and no info/ entry, older than 36 hours, is
 * what a killed qmail-queue left behind: qmail-clean removes it.
 */
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "qconf.h"
#include "queue.h"
#include "scan.h"
#include "send.h"

#define LEFTOVER_SECONDS (36 * 3600)

static int
exists(stralloc *path, const char *dir, unsigned long id, struct stat *st)
{
  path->len = 0;
  return queue_path_split(path, dir, id) && stat(path->s, st) == 0;
}

static void
walk(const char *dirname, void (*fn)(unsigned long id, stralloc *path))
{
  stralloc dir = STRALLOC_ZERO, path = STRALLOC_ZERO;
  unsigned long n;

  for (n = 0; n < CONF_QUEUE_SPLIT; ++n) {
    DIR *d;
    struct dirent *e;

    dir.len = 0;
    if (!queue_path_sub(&dir, dirname, n))
      break;
    d = opendir(dir.s);
    if (!d) {
      log_line("warning: unable to scan ", dir.s, (char *)0);
      continue;
    }
    while ((e = readdir(d))) {
      unsigned long id;
      size_t len = strlen(e->d_name);

      if (len && scan_ulong(e->d_name, &id) == len)
        fn(id, &path);
    }
    closedir(d);
  }
  stralloc_free(&dir);
  stralloc_free(&path);
}

static void
restore_one(unsigned long id, stralloc *path)
{
  struct stat st;
  int any = 0;

  /* interrupted while preprocessing: todo_scan redoes it from scratch */
  if (exists(path, "todo", id, &st))
    return;
  if (exists(path, "local", id, &st)) {
    sched_add(CHANNEL_LOCAL, id, st.st_mtime);
    any = 1;
  }
  if (exists(path, "remote", id, &st)) {
    sched_add(CHANNEL_REMOTE, id, st.st_mtime);
    any = 1;
  }
  if (!any)
    message_maybe_finish(id);
}

static void
remove_leftover(unsigned long id, stralloc *path)
{
  struct stat st;

  if (exists(path, "todo", id, &st) || exists(path, "info", id, &st))
    return;
  if (!exists(path, "mess", id, &st))
    return;
  if (st.st_mtime + LEFTOVER_SECONDS < time(0))
    clean_request('m', id);
}

void
restore_queue(void)
{
  walk("info", restore_one);
  walk("mess", remove_leftover);
}
