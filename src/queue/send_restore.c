/* send_restore.c -- pick up the queue as a restarted qmail-send finds it.
 *
 * Every info/N/ID is a preprocessed message: each of its local/ and
 * remote/ files is scheduled at the file's mtime (the next attempt, or
 * the preprocessing time for a message never tried); a message with
 * neither file left was interrupted while finishing and is finished now.
 * A mess/N/ID with no todo/ and no info/ entry, older than 36 hours, is
 * what a killed qmail-queue left behind: qmail-clean removes it.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "queue.h"
#include "send.h"

#define LEFTOVER_SECONDS (36 * 3600)

static int
exists(stralloc *path, const char *dir, unsigned long id, struct stat *st)
{
  path->len = 0;
  return queue_path_split(path, dir, id) && stat(path->s, st) == 0;
}

static void
scan_trouble(const char *path, void *arg)
{
  (void)arg;
  log_line("warning: unable to scan ", path, (char *)0);
}

static void
restore_one(unsigned long id, void *arg)
{
  stralloc *path = arg;
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
remove_leftover(unsigned long id, void *arg)
{
  stralloc *path = arg;
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
  stralloc path = STRALLOC_ZERO;

  queue_scan("info", restore_one, scan_trouble, &path);
  queue_scan("mess", remove_leftover, scan_trouble, &path);
  stralloc_free(&path);
}
