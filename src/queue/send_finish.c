/* send_finish.c -- the end of a message's life.
 *
 * A message is finished when it has been preprocessed (info/ exists and
 * todo/ no longer does: a todo entry means preprocessing was interrupted
 * and will be redone), and neither a local/ nor a remote/ file nor an
 * open job is left.  Then its bounce is sent, info/ is removed, and
 * qmail-clean removes mess/.  The id is an inode number and is reused
 * once the message is gone, so a stale call must find nothing to do.
 *
 * Any step that fails for a reason other than "the file is not there"
 * (a file that cannot be examined, a bounce that cannot be queued yet,
 * qmail-clean refusing) is noted and tried again FINISH_RETRY_SECONDS
 * later; nothing is removed on a guess.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "queue.h"
#include "send.h"

#define FINISH_RETRY_SECONDS 10

struct later {
  unsigned long id;
  char what;            /* 'f' finish the message, 'm' remove mess/ */
  time_t when;
};

static struct later *later;
static size_t later_len, later_size;

static void
later_add(unsigned long id, char what)
{
  size_t i;
  char text[FMT_ULONG];

  for (i = 0; i < later_len; ++i)
    if (later[i].id == id && later[i].what == what)
      return;
  if (later_len == later_size) {
    size_t grown = later_size ? 2 * later_size : 16;
    struct later *bigger = realloc(later, grown * sizeof *bigger);

    if (!bigger) {
      /* a message left unfinished is found by the next queue scan; a
       * message file left over by the restart's leftover removal */
      log_line("alert: out of memory: message ", log_num(text, id),
               " is finished by a later queue scan", (char *)0);
      return;
    }
    later = bigger;
    later_size = grown;
  }
  later[later_len].id = id;
  later[later_len].what = what;
  later[later_len].when = time(0) + FINISH_RETRY_SECONDS;
  ++later_len;
}

/* 1 present, 0 absent, -1 unknown (logged, the finish noted for later). */
static int
look(const char *dir, unsigned long id)
{
  int r = queue_exists(dir, id, 0);

  if (r == -1) {
    char text[FMT_ULONG];

    log_line("warning: unable to examine ", dir, "/ of message ", log_num(text, id),
             ": ", strerror(errno), "; will try again", (char *)0);
    later_add(id, 'f');
  }
  return r;
}

static void
remove_message(unsigned long id)
{
  char text[FMT_ULONG];

  if (!clean_request('m', id)) {
    log_line("warning: qmail-clean could not remove message ", log_num(text, id),
             "; will try again", (char *)0);
    later_add(id, 'm');
  }
}

void
message_maybe_finish(unsigned long id)
{
  stralloc path = STRALLOC_ZERO;
  char text[FMT_ULONG];

  if (look("info", id) != 1 || look("todo", id) != 0
      || look("local", id) != 0 || look("remote", id) != 0 || job_open_for(id))
    return;
  if (!bounce_send(id)) {
    later_add(id, 'f');
    return;
  }
  log_num(text, id);
  if (!queue_path_split(&path, "info", id) || (unlink(path.s) == -1 && errno != ENOENT)) {
    log_line("warning: unable to remove info/ of message ", text, ": ",
             strerror(errno), "; will try again", (char *)0);
    stralloc_free(&path);
    later_add(id, 'f');
    return;
  }
  stralloc_free(&path);
  log_line("end msg ", text, (char *)0);
  remove_message(id);
}

int
finish_retry(time_t now, long *seconds)
{
  size_t i = 0;
  int any = 0;

  while (i < later_len) {
    struct later item = later[i];

    if (item.when > now) {
      long wait = (long)(item.when - now);

      if (!any || wait < *seconds)
        *seconds = wait;
      any = 1;
      ++i;
      continue;
    }
    /* take it off the list first: a retry that fails adds it again */
    later[i] = later[--later_len];
    if (item.what == 'm')
      remove_message(item.id);
    else
      message_maybe_finish(item.id);
  }
  return any;
}
