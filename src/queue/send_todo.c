/* send_todo.c -- preprocessing: todo/ into info/, local/, remote/.
 *
 * For each todo/N/ID (the envelope qmail-queue committed):
 *   - log "new msg ID" and "info msg ID: bytes ... qp ... uid ...";
 *   - route every recipient (send_conf.c) to the local or remote channel;
 *   - write info/N/ID (sender, mtime = birth), local/N/ID and
 *     remote/N/ID (one "T" record per recipient) and make them durable
 *     with their directory entries: after this the todo entry may go;
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
 * of new mail cannot starve deliveries already under way.  Where the
 * system has fs_sync() (open.h), the files of a whole batch are written
 * first and made durable by one barrier, after which the batch's todo
 * entries go: one disk flush for the batch instead of four per message,
 * which is what limits a busy queue.  Elsewhere, or when the barrier
 * says ENOSYS, every file and directory is fsync'd on its own.
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

/* Message files of a batch waiting for its barrier. */
struct prepared {
  unsigned long id;
  time_t birth;
  long birth_nsec;
  int channels;                 /* bit c: channel c has recipients */
};

/* 1 while the barrier is to be used; 0 after it said ENOSYS. */
static int use_barrier = 1;

/* Write data to path (replacing it), set its times, and fsync it unless
 * the batch's barrier will. */
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
  if (use_barrier)
    return close(fd) == 0;
  return file_fsync_close(fd);
}

static int
sync_dir_of(const char *dir, unsigned long id)
{
  stralloc path = STRALLOC_ZERO;
  int ok;

  if (use_barrier)
    return 1;
  ok = queue_path_sub(&path, dir, queue_split_of(id)) && fsync_dir(path.s);

  stralloc_free(&path);
  return ok;
}

/* The files are durable: the todo entry goes and the message is
 * scheduled. */
static int
commit(const struct prepared *p)
{
  char idtext[FMT_ULONG];
  int c;

  if (!clean_request('t', p->id)) {
    log_line("warning: qmail-clean could not remove todo/",
             log_num(idtext, p->id), (char *)0);
    return 0;
  }
  for (c = 0; c < CHANNELS; ++c)
    if (p->channels & (1 << c))
      sched_add(c, p->id, p->birth, p->birth, p->birth_nsec);
  if (!p->channels)
    message_maybe_finish(p->id);
  return 1;
}

/* Preprocess one message: 1 done (or dropped), 0 try again later, 2
 * its files are written and wait for the barrier (*p says what to
 * commit then). */
static int
preprocess(unsigned long id, struct prepared *p)
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
  p->id = id;
  p->birth = birth;
  p->birth_nsec = birth_nsec;
  p->channels = 0;
  for (c = 0; c < CHANNELS; ++c)
    if (channel[c].len)
      p->channels |= 1 << c;
  ok = use_barrier ? 2 : commit(p);
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
  struct prepared batch[TODO_BATCH_MAX];
  size_t n = 0, i;
  int done = 0;

  if (max > TODO_BATCH_MAX)
    max = TODO_BATCH_MAX;
  while (done < max && pending_next < pending_len) {
    unsigned long id = pending[pending_next];

    /* a message that cannot be done now is found again by the next
     * periodic scan; it must not block the ones behind it */
    if (preprocess(id, &batch[n]) == 2)
      ++n;
    ++pending_next;
    ++done;
  }
  if (!n)
    return done;
  if (!fs_sync("todo")) {
    if (errno == ENOSYS) {
      /* no barrier here: file by file from now on, these again */
      use_barrier = 0;
      for (i = 0; i < n; ++i)
        pending_add(batch[i].id);
    } else
      log_line("warning: unable to sync the queue: ", strerror(errno),
               "; will try again", (char *)0);
    return done;
  }
  for (i = 0; i < n; ++i)
    commit(&batch[i]);
  return done;
}
