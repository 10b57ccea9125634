/* send_todo.c -- preprocessing: todo/ into info/, local/, remote/.
 *
 * For each todo/N/ID (the envelope qmail-queue committed):
 *   - log "new msg ID" and "info msg ID: bytes ... qp ... uid ...";
 *   - route every recipient (send_conf.c) to the local or remote channel;
 *   - write info/N/ID (sender, mtime = birth), local/N/ID and
 *     remote/N/ID (one "T" record per recipient), fsync them and their
 *     directories: after this the todo entry may go;
 *   - ask qmail-clean to remove intd/N/ID and todo/N/ID;
 *   - schedule the message for immediate delivery, in order of birth
 *     (the todo file's mtime, kept as info's mtime to the nanosecond).
 * A crash before the todo entry is gone only means the message is
 * preprocessed again: the files are rewritten from scratch.  So does
 * any failure: a file that cannot be examined or written leaves the
 * todo entry where it is, for the next scan (at most RESCAN_SECONDS
 * later, or at once on ALRM).  Only a message file that is really
 * absent (ENOENT) makes a todo entry garbage.
 *
 * Messages are taken in small batches between delivery work, so a burst
 * of new mail cannot starve deliveries already under way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "open.h"
#include "readfile.h"
#include "queue.h"
#include "scan.h"
#include "send.h"

static unsigned long *pending;
static size_t pending_len, pending_size, pending_next;

int
todo_pending(void)
{
  return pending_next < pending_len;
}

static void
pending_add(unsigned long id)
{
  if (pending_len == pending_size) {
    size_t grown = pending_size ? 2 * pending_size : 256;
    unsigned long *p = realloc(pending, grown * sizeof *p);

    if (!p)
      return;     /* found again by the next scan */
    pending = p;
    pending_size = grown;
  }
  pending[pending_len++] = id;
}

static void
scan_found(unsigned long id, void *arg)
{
  size_t i;

  (void)arg;
  for (i = pending_next; i < pending_len; ++i)
    if (pending[i] == id)
      return;
  pending_add(id);
}

static void
scan_trouble(const char *path, void *arg)
{
  (void)arg;
  log_line("warning: unable to scan ", path, (char *)0);
}

void
todo_scan(void)
{
  /* forget what was processed; keep what was not */
  if (pending_next) {
    memmove(pending, pending + pending_next,
            (pending_len - pending_next) * sizeof *pending);
    pending_len -= pending_next;
    pending_next = 0;
  }
  queue_scan("todo", scan_found, scan_trouble, 0);
}

/* Write data to path (replacing it), set its times, fsync it. */
static int
write_synced(const char *path, const stralloc *data, time_t when, long nsec)
{
  struct timespec ts[2];
  int fd = open_trunc(path);

  if (fd == -1)
    return 0;
  if (data->len && write(fd, data->s, data->len) != (ssize_t)data->len) {
    if (errno == 0)
      errno = ENOSPC;
    close(fd);
    return 0;
  }
  ts[0].tv_sec = ts[1].tv_sec = when;
  ts[0].tv_nsec = ts[1].tv_nsec = nsec;
  if (futimens(fd, ts) == -1) {
    close(fd);
    return 0;
  }
  return file_fsync_close(fd);
}

static int
sync_dir_of(const char *dir, unsigned long id)
{
  stralloc path = STRALLOC_ZERO;
  int ok = queue_path_sub(&path, dir, queue_split_of(id)) && fsync_dir(path.s);

  stralloc_free(&path);
  return ok;
}

/* Preprocess one message; 1 done (or dropped), 0 try again later. */
static int
preprocess(unsigned long id)
{
  stralloc todo = STRALLOC_ZERO, path = STRALLOC_ZERO, info = STRALLOC_ZERO;
  stralloc channel[CHANNELS] = { STRALLOC_ZERO, STRALLOC_ZERO };
  stralloc routed = STRALLOC_ZERO, text = STRALLOC_ZERO;
  const char *uid = "?", *pid = "?", *sender = 0;
  struct stat st, mess;
  time_t birth;
  long birth_nsec;
  size_t i;
  int c, r, ok = 0;
  char idtext[FMT_ULONG];

  log_num(idtext, id);
  r = queue_exists("todo", id, &st);
  if (r != 1) {
    if (r == -1)
      log_line("warning: unable to examine todo/", idtext, ": ", strerror(errno),
               "; will try again", (char *)0);
    ok = r == 0;                /* already done */
    goto done;
  }
  birth = st.st_mtime;
  birth_nsec = st.st_mtim.tv_nsec;
  if (!queue_path_split(&path, "todo", id) || !readfile(path.s, &todo)) {
    if (errno == ENOENT) {
      ok = 1;                   /* removed since: already done */
      goto done;
    }
    log_line("warning: unable to read todo/", idtext, ": ", strerror(errno),
             "; will try again", (char *)0);
    goto done;
  }
  r = queue_exists("mess", id, &mess);
  if (r == -1) {
    log_line("warning: unable to examine mess/", idtext, ": ", strerror(errno),
             "; will try again", (char *)0);
    goto done;
  }
  if (r == 0) {
    log_line("warning: todo/", idtext, " has no message file; removing it", (char *)0);
    ok = clean_request('m', id);
    goto done;
  }

  /* the envelope: u UID, p PID, F SENDER, T RECIPIENT... */
  for (i = 0; i < todo.len; ) {
    const char *field = todo.s + i;
    size_t n = strnlen(field, todo.len - i);

    if (i + n == todo.len)
      break;                       /* unterminated tail: ignore */
    switch (field[0]) {
    case 'u': uid = field + 1; break;
    case 'p': pid = field + 1; break;
    case 'F': if (!sender) sender = field + 1; break;
    case 'T':
      if (!conf_route(field + 1, &routed, &c))
        goto done;
      if (!stralloc_append(&channel[c], 'T') || !stralloc_cat(&channel[c], &routed)
          || !stralloc_0(&channel[c]))
        goto done;
      break;
    default: break;
    }
    i += n + 1;
  }
  if (!sender) {
    log_line("warning: todo/", idtext, " has no sender; treated as <>", (char *)0);
    sender = "";
  }

  log_line("new msg ", idtext, (char *)0);
  {
    char bytes[FMT_ULONG];

    log_safe(&text, sender, strlen(sender));
    log_line("info msg ", idtext, ": bytes ", log_num(bytes, (unsigned long)mess.st_size),
             " from <", text.s ? text.s : "", "> qp ", pid, " uid ", uid, (char *)0);
  }

  if (!stralloc_append(&info, 'F') || !stralloc_cats(&info, sender) || !stralloc_0(&info))
    goto done;
  path.len = 0;
  if (!queue_path_split(&path, "info", id) || !write_synced(path.s, &info, birth, birth_nsec))
    goto trouble;
  if (!sync_dir_of("info", id))
    goto trouble;
  for (c = 0; c < CHANNELS; ++c) {
    const char *dir = c == CHANNEL_LOCAL ? "local" : "remote";

    path.len = 0;
    if (!queue_path_split(&path, dir, id))
      goto done;
    if (!channel[c].len) {
      /* usually nothing is there; a file left by an interrupted
       * earlier attempt goes, and its removal is made durable */
      if (unlink(path.s) == 0) {
        if (!sync_dir_of(dir, id))
          goto trouble;
      } else if (errno != ENOENT) {
        goto trouble;
      }
      continue;
    }
    if (!write_synced(path.s, &channel[c], time(0), 0) || !sync_dir_of(dir, id))
      goto trouble;
  }
  if (!clean_request('t', id)) {
    log_line("warning: qmail-clean could not remove todo/", idtext, (char *)0);
    goto done;
  }
  for (c = 0; c < CHANNELS; ++c)
    if (channel[c].len)
      sched_add(c, id, birth, birth, birth_nsec);
  if (!channel[CHANNEL_LOCAL].len && !channel[CHANNEL_REMOTE].len)
    message_maybe_finish(id);
  ok = 1;
  goto done;
trouble:
  log_line("warning: trouble writing the queue files of message ", idtext, ": ",
           strerror(errno), "; will try again", (char *)0);
done:
  stralloc_free(&todo);
  stralloc_free(&path);
  stralloc_free(&info);
  stralloc_free(&channel[0]);
  stralloc_free(&channel[1]);
  stralloc_free(&routed);
  stralloc_free(&text);
  return ok;
}

int
todo_process(int max)
{
  int done = 0;

  while (done < max && pending_next < pending_len) {
    unsigned long id = pending[pending_next];

    /* a message that cannot be done now is found again by the next
     * periodic scan; it must not block the ones behind it */
    preprocess(id);
    ++pending_next;
    ++done;
  }
  return done;
}
