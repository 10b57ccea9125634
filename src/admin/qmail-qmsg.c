/* qmail-qmsg -- look at and remove queued messages, safely while
 * qmail-send runs.
 *
 * Usage: qmail-qmsg -l | -L | -R | -s | -v ID... | -d ID... | -b ID...
 *
 *   -l       list every message as qmail-qread does
 *   -L, -R   only preprocessed messages with local (remote) recipients,
 *            and only those recipients
 *   -s       statistics: messages per state, recipients per channel
 *   -v ID    the message's envelope, then the message itself
 *   -d ID    delete: every recipient still to do is marked done
 *   -b ID    bounce: like -d, after recording for each such recipient
 *            that the postmaster removed the message, so the sender
 *            gets a bounce
 * The ID may also follow the option directly (-d12345).
 *
 * Deleting never removes a file: qmail-send owns the queue's state.
 * Each "T" record of local/N/ID and remote/N/ID becomes "D" by a
 * one-byte write at its offset, exactly as qmail-send marks a finished
 * delivery, and the file is fsync'd.  For -b the QSBMF paragraphs are
 * appended to bounce/ID and synced first, so a crash in between can
 * cause a bounce for a recipient that still gets the message, never a
 * silently dropped recipient.  Then "R" ID newline in lock/trigger asks
 * qmail-send to look at the message now: it finds nothing left to do,
 * sends the bounce (if any) and removes the message the usual way.  A
 * message still in todo/ may be rewritten by preprocessing at any
 * moment, so it is refused with exit 111 ("try again in a moment").
 *
 * Run by root (it then becomes qmails) or by qmails.  Honours
 * $QMAILHOME (instances).
 *
 * Exit codes: 0 done; 100 usage error, or no such message; 111 a
 * temporary error (unreadable queue, a message not yet preprocessed, a
 * failed write).  With several IDs every one is tried; the exit code is
 * 111 if any had a temporary error, else 100 if any was missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "errmsg.h"
#include "fmt.h"
#include "open.h"
#include "qconf.h"
#include "queue.h"
#include "queueview.h"
#include "stralloc.h"

#define USAGE "usage: qmail-qmsg -l | -L | -R | -s | -v ID... | -d ID... | -b ID..."

#define EXIT_OK 0
#define EXIT_PERM 100
#define EXIT_TEMP 111

static const char removed_reason[] =
  "This message was removed from the queue by the postmaster. (#5.7.1)\n";

/* One channel file of a message being removed. */
struct channel_file {
  const char *dir;         /* "local" or "remote" */
  int fd;                  /* -1: no such file */
  stralloc records;
  size_t pending;          /* "T" records */
};

static void
out_puts(const char *s)
{
  if (!buffer_puts(buffer_1, s))
    die_sys(EXIT_TEMP, "unable to write the output");
}

static void
out_ulong(unsigned long n)
{
  char number[FMT_ULONG];

  if (!buffer_put(buffer_1, number, fmt_ulong(number, n)))
    die_sys(EXIT_TEMP, "unable to write the output");
}

static void
out_flush(void)
{
  if (!buffer_flush(buffer_1))
    die_sys(EXIT_TEMP, "unable to write the output");
}

static int
worse(int code, int other)
{
  if (code == EXIT_TEMP || other == EXIT_TEMP)
    return EXIT_TEMP;
  return code > other ? code : other;
}

/* The decimal form of id in space (FMT_ULONG bytes). */
static const char *
id_text(char *space, unsigned long id)
{
  space[fmt_ulong(space, id)] = 0;
  return space;
}

/* -v: the envelope as qmail-qread shows it, a blank line, the message. */
static int
view(unsigned long id)
{
  struct queueview_msg m = QUEUEVIEW_MSG_ZERO;
  stralloc path = STRALLOC_ZERO;
  char text[FMT_ULONG], buf[8192];
  int r, fd, code = EXIT_OK;

  id_text(text, id);
  r = queueview_load(&m, id);
  if (r == -1) {
    if (errno == ENOMEM)
      die_nomem();
    warn_sys("unable to read ", m.failed.s);
    code = EXIT_TEMP;
    goto done;
  }
  if (r == 0) {
    warn("no message ", text, " in the queue");
    code = EXIT_PERM;
    goto done;
  }
  if (!queueview_print(buffer_1, &m, QUEUEVIEW_SHOW_ALL))
    die_sys(EXIT_TEMP, "unable to write the output");
  out_puts("\n");
  if (!queue_path_split(&path, "mess", id))
    die_nomem();
  fd = open_read(path.s);
  if (fd == -1) {
    out_flush();
    warn_sys("unable to read ", path.s);
    code = EXIT_TEMP;
    goto done;
  }
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);

    if (n == -1 && errno == EINTR)
      continue;
    if (n == -1) {
      out_flush();
      warn_sys("unable to read ", path.s);
      code = EXIT_TEMP;
      break;
    }
    if (n == 0)
      break;
    if (!buffer_put(buffer_1, buf, (size_t)n))
      die_sys(EXIT_TEMP, "unable to write the output");
  }
  close(fd);
  out_flush();
done:
  queueview_msg_free(&m);
  stralloc_free(&path);
  return code;
}

/* Open and read DIR/N/ID for update.  Returns 1 (cf->fd -1 when the
 * file does not exist), 0 on error after a warning. */
static int
channel_open(struct channel_file *cf, unsigned long id, stralloc *path)
{
  size_t i;

  cf->fd = -1;
  cf->pending = 0;
  cf->records.len = 0;
  path->len = 0;
  if (!queue_path_split(path, cf->dir, id))
    die_nomem();
  cf->fd = open(path->s, O_RDWR);
  if (cf->fd == -1) {
    if (errno == ENOENT)
      return 1;
    warn_sys("unable to open ", path->s);
    return 0;
  }
  for (;;) {
    ssize_t r;

    if (!stralloc_readyplus(&cf->records, 4096))
      die_nomem();
    r = read(cf->fd, cf->records.s + cf->records.len,
             cf->records.a - cf->records.len);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      warn_sys("unable to read ", path->s);
      close(cf->fd);
      cf->fd = -1;
      return 0;
    }
    if (r == 0)
      break;
    cf->records.len += (size_t)r;
  }
  /* a torn last record is no record, as for qmail-send */
  while (cf->records.len && cf->records.s[cf->records.len - 1])
    --cf->records.len;
  for (i = 0; i < cf->records.len; i += strlen(cf->records.s + i) + 1)
    if (cf->records.s[i] == 'T')
      ++cf->pending;
  return 1;
}

/* Mark every "T" record "D" in place and sync.  Returns 1, or 0 after
 * a warning. */
static int
channel_mark_done(struct channel_file *cf, unsigned long id, stralloc *path)
{
  size_t i;

  path->len = 0;
  if (!queue_path_split(path, cf->dir, id))
    die_nomem();
  for (i = 0; i < cf->records.len; i += strlen(cf->records.s + i) + 1) {
    if (cf->records.s[i] != 'T')
      continue;
    if (pwrite(cf->fd, "D", 1, (off_t)i) != 1) {
      warn_sys("unable to mark a recipient done in ", path->s);
      return 0;
    }
  }
  if (fsync(cf->fd) == -1) {
    warn_sys("unable to sync ", path->s);
    return 0;
  }
  return 1;
}

/* Append one QSBMF paragraph per pending recipient to bounce/ID, sync
 * the file and, if it is new, the directory.  Returns 1, or 0 after a
 * warning. */
static int
bounce_record(struct channel_file *files, int count, unsigned long id)
{
  stralloc path = STRALLOC_ZERO, text = STRALLOC_ZERO;
  struct stat st;
  size_t i, written = 0;
  int c, fd, created, ok = 0;

  for (c = 0; c < count; ++c) {
    const stralloc *r = &files[c].records;

    if (files[c].fd == -1)
      continue;
    for (i = 0; i < r->len; i += strlen(r->s + i) + 1) {
      if (r->s[i] != 'T')
        continue;
      if (!stralloc_append(&text, '<') || !stralloc_cats(&text, r->s + i + 1)
          || !stralloc_cats(&text, ">:\n") || !stralloc_cats(&text, removed_reason)
          || !stralloc_append(&text, '\n'))
        die_nomem();
    }
  }
  if (!queue_path_flat(&path, "bounce", id))
    die_nomem();
  created = stat(path.s, &st) == -1 && errno == ENOENT;
  fd = open(path.s, O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (fd == -1) {
    warn_sys("unable to open ", path.s);
    goto done;
  }
  while (written < text.len) {
    ssize_t w = write(fd, text.s + written, text.len - written);

    if (w == -1 && errno == EINTR)
      continue;
    if (w == -1) {
      warn_sys("unable to write ", path.s);
      close(fd);
      goto done;
    }
    written += (size_t)w;
  }
  if (!file_fsync_close(fd)) {
    warn_sys("unable to write ", path.s);
    goto done;
  }
  if (created && !fsync_dir("bounce")) {
    warn_sys("unable to sync the directory bounce");
    goto done;
  }
  ok = 1;
done:
  stralloc_free(&path);
  stralloc_free(&text);
  return ok;
}

/* Ask qmail-send to look at the message now.  Returns what to tell the
 * user about when the change takes effect. */
static const char *
poke_qmail_send(unsigned long id)
{
  char line[FMT_ULONG + 3];
  size_t len = 0;
  int fd;
  ssize_t w;

  line[len++] = 'R';
  len += fmt_ulong(line + len, id);
  line[len++] = '\n';
  fd = open("lock/trigger", O_WRONLY | O_NONBLOCK);
  if (fd == -1) {
    if (errno == ENXIO)
      return "qmail-send is not running: it finishes the message when it next runs";
    warn_sys("unable to open lock/trigger");
    return "qmail-send finishes the message at its next attempt";
  }
  do
    w = write(fd, line, len);
  while (w == -1 && errno == EINTR);
  close(fd);
  if (w != (ssize_t)len) {
    if (w == -1 && errno != EAGAIN)
      warn_sys("unable to write to lock/trigger");
    return "qmail-send finishes the message at its next attempt";
  }
  return "qmail-send was told to finish the message now";
}

/* -d and -b. */
static int
remove_message(unsigned long id, int bounce)
{
  struct queueview_msg m = QUEUEVIEW_MSG_ZERO;
  struct channel_file files[2] = {
    { "local", -1, STRALLOC_ZERO, 0 }, { "remote", -1, STRALLOC_ZERO, 0 }
  };
  stralloc path = STRALLOC_ZERO;
  char text[FMT_ULONG];
  size_t pending = 0;
  int c, r, code = EXIT_TEMP;

  id_text(text, id);
  r = queueview_load(&m, id);
  if (r == -1) {
    if (errno == ENOMEM)
      die_nomem();
    warn_sys("unable to read ", m.failed.s);
    goto done;
  }
  if (r == 0) {
    warn("no message ", text, " in the queue");
    code = EXIT_PERM;
    goto done;
  }
  if (m.state == QUEUEVIEW_TODO) {
    warn("message ", text, " is not yet preprocessed: try again in a moment");
    goto done;
  }
  for (c = 0; c < 2; ++c) {
    if (!channel_open(&files[c], id, &path))
      goto done;
    pending += files[c].pending;
  }
  if (!pending) {
    out_puts("message ");
    out_puts(text);
    out_puts(": no recipients left to deliver; nothing changed\n");
    code = EXIT_OK;
    goto done;
  }
  if (bounce && !bounce_record(files, 2, id))
    goto done;
  for (c = 0; c < 2; ++c)
    if (files[c].fd != -1 && files[c].pending
        && !channel_mark_done(&files[c], id, &path))
      goto done;
  out_puts("message ");
  out_puts(text);
  out_puts(": ");
  out_ulong((unsigned long)pending);
  out_puts(pending == 1 ? " recipient" : " recipients");
  out_puts(bounce ? " set to bounce; " : " removed; ");
  out_puts(poke_qmail_send(id));
  out_puts("\n");
  code = EXIT_OK;
done:
  out_flush();
  for (c = 0; c < 2; ++c) {
    if (files[c].fd != -1)
      close(files[c].fd);
    stralloc_free(&files[c].records);
  }
  queueview_msg_free(&m);
  stralloc_free(&path);
  return code;
}

/* QSBMF paragraphs in a bounce file: each starts at the top of the file
 * or after an empty line. */
static unsigned long
count_paragraphs(const stralloc *s)
{
  unsigned long n = 0;
  int at_start = 1;
  size_t i = 0;

  while (i < s->len) {
    const char *nl = memchr(s->s + i, '\n', s->len - i);
    size_t len = nl ? (size_t)(nl - (s->s + i)) : s->len - i;

    if (!len)
      at_start = 1;
    else if (at_start) {
      ++n;
      at_start = 0;
    }
    i += len + 1;
  }
  return n;
}

static void
scan_or_die(struct queueview_ids *ids, const char *dir, int split)
{
  stralloc failed = STRALLOC_ZERO;

  if (!queueview_scan(ids, dir, split, &failed)) {
    if (errno == ENOMEM)
      die_nomem();
    queueview_die_read(failed.s);
  }
  stralloc_free(&failed);
}

static void
put_stat(const char *label, unsigned long n)
{
  out_puts(label);
  out_ulong(n);
  out_puts("\n");
}

/* -s */
static int
statistics(void)
{
  struct queueview_ids mess = QUEUEVIEW_IDS_ZERO, todo = QUEUEVIEW_IDS_ZERO;
  struct queueview_ids info = QUEUEVIEW_IDS_ZERO, bounces = QUEUEVIEW_IDS_ZERO;
  stralloc path = STRALLOC_ZERO, data = STRALLOC_ZERO;
  unsigned long preprocessed = 0, paragraphs = 0;
  unsigned long pending[2] = { 0, 0 }, done[2] = { 0, 0 };
  static const char *const dirs[2] = { "local", "remote" };
  size_t i;
  int c, code = EXIT_OK;

  scan_or_die(&mess, "mess", CONF_QUEUE_SPLIT);
  scan_or_die(&todo, "todo", CONF_QUEUE_SPLIT);
  scan_or_die(&info, "info", CONF_QUEUE_SPLIT);
  scan_or_die(&bounces, "bounce", 0);
  queueview_sort(&todo);
  for (i = 0; i < info.len; ++i) {
    if (queueview_has(&todo, info.id[i]))
      continue;           /* being preprocessed: counted as todo */
    ++preprocessed;
    for (c = 0; c < 2; ++c) {
      path.len = 0;
      if (!queue_path_split(&path, dirs[c], info.id[i]))
        die_nomem();
      if (queueview_read(&data, path.s) == -1) {
        warn_sys("unable to read ", path.s);
        code = EXIT_TEMP;
        continue;
      }
      while (data.len && data.s[data.len - 1])
        --data.len;
      queueview_count(&data, &pending[c], &done[c]);
    }
  }
  for (i = 0; i < bounces.len; ++i) {
    path.len = 0;
    if (!queue_path_flat(&path, "bounce", bounces.id[i]))
      die_nomem();
    if (queueview_read(&data, path.s) == -1) {
      warn_sys("unable to read ", path.s);
      code = EXIT_TEMP;
      continue;
    }
    paragraphs += count_paragraphs(&data);
  }
  put_stat("messages in queue: ", (unsigned long)mess.len);
  put_stat("messages in queue but not yet preprocessed: ", (unsigned long)todo.len);
  put_stat("messages preprocessed: ", preprocessed);
  for (c = 0; c < 2; ++c) {
    out_puts(dirs[c]);
    out_puts(" recipients: ");
    out_ulong(pending[c]);
    out_puts(" pending, ");
    out_ulong(done[c]);
    out_puts(" done\n");
  }
  out_puts("bounces waiting to be sent: ");
  out_ulong((unsigned long)bounces.len);
  out_puts(" (");
  out_ulong(paragraphs);
  out_puts(paragraphs == 1 ? " recipient)\n" : " recipients)\n");
  out_flush();
  queueview_ids_free(&mess);
  queueview_ids_free(&todo);
  queueview_ids_free(&info);
  queueview_ids_free(&bounces);
  stralloc_free(&path);
  stralloc_free(&data);
  return code;
}

int
main(int argc, char **argv)
{
  const char *option;
  char action;
  int i, first, code = EXIT_OK;
  unsigned long id;

  errmsg_init("qmail-qmsg");
  if (argc < 2 || argv[1][0] != '-' || !argv[1][1])
    die(EXIT_PERM, USAGE);
  option = argv[1];
  action = option[1];
  switch (action) {
  case 'l': case 'L': case 'R': case 's':
    if (option[2] || argc > 2)
      die(EXIT_PERM, USAGE);
    break;
  case 'v': case 'd': case 'b':
    if (!option[2] && argc < 3)
      die(EXIT_PERM, USAGE);
    /* every ID must be valid before anything is changed */
    for (i = option[2] ? 1 : 2; i < argc; ++i)
      if (!queueview_parse_id(i == 1 ? option + 2 : argv[i], &id))
        die(EXIT_PERM, "not a message number: ", i == 1 ? option + 2 : argv[i]);
    break;
  default:
    die(EXIT_PERM, USAGE);
  }

  queueview_enter(1);
  switch (action) {
  case 'l':
    return queueview_list(buffer_1, QUEUEVIEW_SHOW_ALL) ? EXIT_OK : EXIT_TEMP;
  case 'L':
    return queueview_list(buffer_1, QUEUEVIEW_SHOW_LOCAL) ? EXIT_OK : EXIT_TEMP;
  case 'R':
    return queueview_list(buffer_1, QUEUEVIEW_SHOW_REMOTE) ? EXIT_OK : EXIT_TEMP;
  case 's':
    return statistics();
  default:
    break;
  }
  first = option[2] ? 1 : 2;
  for (i = first; i < argc; ++i) {
    const char *arg = i == 1 ? option + 2 : argv[i];

    queueview_parse_id(arg, &id);
    if (action == 'v')
      code = worse(code, view(id));
    else
      code = worse(code, remove_message(id, action == 'b'));
  }
  return code;
}
