/* send_restore.c -- find the queue again: at start, on ALRM and now and
 * then while running.
 *
 * Every info/N/ID is a preprocessed message: each of its local/ and
 * remote/ files is scheduled at the file's mtime (the next attempt, or
 * the preprocessing time for a message never tried), in order of birth
 * (info's mtime); a message with neither file left was interrupted
 * while finishing and is finished now.  A file that cannot be examined
 * (anything but ENOENT) is logged and its message scheduled for another
 * look soon, never taken as absent.
 *
 * At start, a mess/N/ID with no todo/ and no info/ entry, older than 36
 * hours, is what a killed qmail-queue left behind: qmail-clean removes
 * it.
 *
 * While running, the same walk over info/ (restore_rescan) picks up any
 * message that is neither scheduled nor being delivered: one a shortage
 * of memory dropped from the schedule, for instance.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "queue.h"
#include "send.h"

#define LEFTOVER_SECONDS (36 * 3600)
#define UNKNOWN_RETRY_SECONDS 10

static void
scan_trouble(const char *path, void *arg)
{
  (void)arg;
  log_line("warning: unable to scan ", path, ": ", strerror(errno), (char *)0);
}

/* 1 present, 0 absent, -1 unknown (logged). */
static int
look(const char *dir, unsigned long id, struct stat *st)
{
  int r = queue_exists(dir, id, st);

  if (r == -1) {
    char text[FMT_ULONG];

    log_line("warning: unable to examine ", dir, "/ of message ", log_num(text, id),
             ": ", strerror(errno), "; will try again", (char *)0);
  }
  return r;
}

static void
restore_one(unsigned long id, void *arg)
{
  struct stat info, st;
  static const char *const dir[CHANNELS] = { "local", "remote" };
  int c, r, unknown = 0, any = 0;

  (void)arg;
  /* interrupted while preprocessing: todo_scan redoes it from scratch */
  r = look("todo", id, &st);
  if (r != 0)
    return;         /* present, or unknown: the todo scan looks again */
  r = look("info", id, &info);
  if (r != 1) {
    if (r == -1)
      for (c = 0; c < CHANNELS; ++c)
        sched_add(c, id, time(0) + UNKNOWN_RETRY_SECONDS, 0, 0);
    return;
  }
  for (c = 0; c < CHANNELS; ++c) {
    r = look(dir[c], id, &st);
    if (r == 1)
      sched_add(c, id, st.st_mtime, info.st_mtime, info.st_mtim.tv_nsec);
    else if (r == -1) {
      /* the job opens it, or finds it gone, in a little while */
      sched_add(c, id, time(0) + UNKNOWN_RETRY_SECONDS, info.st_mtime,
                info.st_mtim.tv_nsec);
      unknown = 1;
    }
    if (r)
      any = 1;
  }
  if (!any && !unknown)
    message_maybe_finish(id);
}

static void
remove_leftover(unsigned long id, void *arg)
{
  struct stat st;

  (void)arg;
  if (look("todo", id, &st) != 0 || look("info", id, &st) != 0)
    return;
  if (look("mess", id, &st) != 1)
    return;
  if (st.st_mtime + LEFTOVER_SECONDS < time(0))
    clean_request('m', id);
}

void
restore_queue(void)
{
  queue_scan("info", restore_one, scan_trouble, 0);
  queue_scan("mess", remove_leftover, scan_trouble, 0);
}

/* The ids already taken care of, sorted, for the rescan. */
struct known {
  unsigned long *id;
  size_t len, size;
  int short_of_memory;
};

static void
know(unsigned long id, void *arg)
{
  struct known *k = arg;

  if (k->len == k->size) {
    size_t grown = k->size ? 2 * k->size : 256;
    unsigned long *bigger = realloc(k->id, grown * sizeof *bigger);

    if (!bigger) {
      k->short_of_memory = 1;
      return;
    }
    k->id = bigger;
    k->size = grown;
  }
  k->id[k->len++] = id;
}

static int
compare_ids(const void *a, const void *b)
{
  unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

  return x < y ? -1 : x > y;
}

static void
rescan_one(unsigned long id, void *arg)
{
  struct known *k = arg;

  if (bsearch(&id, k->id, k->len, sizeof *k->id, compare_ids))
    return;
  restore_one(id, 0);
}

void
restore_rescan(void)
{
  struct known k = { 0, 0, 0, 0 };

  sched_each(know, &k);
  job_each(know, &k);
  if (k.short_of_memory) {
    /* without the whole list a message could be scheduled twice */
    log_line("warning: out of memory looking over the queue; will try again", (char *)0);
    free(k.id);
    return;
  }
  if (k.len)
    qsort(k.id, k.len, sizeof *k.id, compare_ids);
  queue_scan("info", rescan_one, scan_trouble, &k);
  free(k.id);
}
