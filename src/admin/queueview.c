/* queueview.c -- reading the queue for the administration tools; see
 * queueview.h. */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "date822.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "open.h"
#include "prot.h"
#include "qconf.h"
#include "queue.h"
#include "queueview.h"
#include "scan.h"

/* Set by queueview_enter: the queue directory and whose it is. */
static stralloc queue_dir = STRALLOC_ZERO;
static int entered_need_send;

void
queueview_die_read(const char *what)
{
  stralloc full = STRALLOC_ZERO;
  int saved = errno;

  if (what[0] != '/' && queue_dir.len) {
    if (!stralloc_copyb(&full, queue_dir.s, queue_dir.len)
        || !stralloc_append(&full, '/') || !stralloc_cats(&full, what)
        || !stralloc_0(&full))
      die_nomem();
    what = full.s;
  }
  errno = saved;
  if (errno != EACCES && errno != EPERM)
    die_sys(111, "unable to read ", what, ". (#4.3.0)");
  if (instance_overridden())
    die(111, "permission denied reading ", what, ": run ", errmsg_prog,
        " as root or as the owner of ", instance_home(), ". (#4.3.0)");
  if (entered_need_send)
    die(111, "permission denied reading ", what, ": run ", errmsg_prog,
        " as root or as ", instance_user_name(USER_SEND), ". (#4.3.0)");
  die(111, "permission denied reading ", what, ": run ", errmsg_prog,
      " as root, as ", instance_user_name(USER_SEND), " or as a member of group ",
      instance_group_name(GROUP_QMAIL), ". (#4.3.0)");
}

void
queueview_enter(int need_send)
{
  struct instance_ids ids;
  const char *missing;

  entered_need_send = need_send;
  if (!instance_ids(&ids, &missing)) {
    if (errno == ENOENT)
      die(111, "no user or group named ", missing,
          ": create the qmail users first. (#4.3.0)");
    die_sys(111, "unable to look up ", missing, ". (#4.3.0)");
  }
  if (geteuid() == 0) {
    /* the owner of the files the tools read and change */
    if (!prot_become(ids.uid[USER_SEND], ids.gid[GROUP_QMAIL]))
      die_sys(111, "unable to switch to user ",
              instance_user_name(USER_SEND), ". (#4.3.0)");
  } else if (need_send && geteuid() != ids.uid[USER_SEND]) {
    die(111, "only root and ", instance_user_name(USER_SEND),
        " may read the queue's info, local and remote directories: run ",
        errmsg_prog, " as one of them. (#4.3.0)");
  }
  if (!stralloc_copys(&queue_dir, instance_home())
      || !stralloc_cats(&queue_dir, "/queue") || !stralloc_0(&queue_dir))
    die_nomem();
  if (chdir(queue_dir.s) == -1)
    queueview_die_read(queue_dir.s);
  --queue_dir.len;            /* the NUL */
  if (need_send && access("info", R_OK | X_OK) == -1)
    queueview_die_read("info");
}

static int
ids_add(struct queueview_ids *ids, unsigned long id)
{
  if (ids->len == ids->a) {
    size_t grown = ids->a ? 2 * ids->a : 64;
    unsigned long *p;

    if (grown > ((size_t)-1) / sizeof *p) {
      errno = ENOMEM;
      return 0;
    }
    p = realloc(ids->id, grown * sizeof *p);
    if (!p) {
      errno = ENOMEM;
      return 0;
    }
    ids->id = p;
    ids->a = grown;
  }
  ids->id[ids->len++] = id;
  return 1;
}

static int
scan_one(struct queueview_ids *ids, const char *path)
{
  DIR *d = opendir(path);
  struct dirent *e;

  if (!d)
    return 0;
  for (;;) {
    unsigned long id;
    size_t len;

    errno = 0;
    e = readdir(d);
    if (!e)
      break;
    len = strlen(e->d_name);
    if (len && scan_ulong(e->d_name, &id) == len && !ids_add(ids, id)) {
      closedir(d);
      errno = ENOMEM;
      return 0;
    }
  }
  if (errno) {
    int saved = errno;

    closedir(d);
    errno = saved;
    return 0;
  }
  closedir(d);
  return 1;
}

int
queueview_scan(struct queueview_ids *ids, const char *dir, int split,
               stralloc *failed)
{
  int n;

  failed->len = 0;
  if (!split) {
    if (scan_one(ids, dir))
      return 1;
    if (!stralloc_copys(failed, dir) || !stralloc_0(failed))
      errno = ENOMEM;
    return 0;
  }
  for (n = 0; n < split; ++n) {
    failed->len = 0;
    if (!queue_path_sub(failed, dir, (unsigned long)n))
      return 0;
    if (!scan_one(ids, failed->s))
      return 0;
  }
  failed->len = 0;
  return 1;
}

static int
compare_ids(const void *a, const void *b)
{
  unsigned long x = *(const unsigned long *)a;
  unsigned long y = *(const unsigned long *)b;

  return x < y ? -1 : x > y;
}

void
queueview_sort(struct queueview_ids *ids)
{
  size_t i, kept = 0;

  if (!ids->len)
    return;
  qsort(ids->id, ids->len, sizeof *ids->id, compare_ids);
  for (i = 0; i < ids->len; ++i)
    if (!kept || ids->id[kept - 1] != ids->id[i])
      ids->id[kept++] = ids->id[i];
  ids->len = kept;
}

int
queueview_has(const struct queueview_ids *ids, unsigned long id)
{
  size_t low = 0, high = ids->len;

  while (low < high) {
    size_t mid = low + (high - low) / 2;

    if (ids->id[mid] == id)
      return 1;
    if (ids->id[mid] < id)
      low = mid + 1;
    else
      high = mid;
  }
  return 0;
}

void
queueview_ids_free(struct queueview_ids *ids)
{
  free(ids->id);
  ids->id = 0;
  ids->len = ids->a = 0;
}

int
queueview_read(stralloc *out, const char *path)
{
  int fd = open_read(path);

  out->len = 0;
  if (fd == -1)
    return errno == ENOENT ? 0 : -1;
  for (;;) {
    ssize_t r;

    if (!stralloc_readyplus(out, 4096)) {
      close(fd);
      errno = ENOMEM;
      return -1;
    }
    r = read(fd, out->s + out->len, out->a - out->len);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      int saved = errno;

      close(fd);
      errno = saved;
      return -1;
    }
    if (r == 0)
      break;
    out->len += (size_t)r;
  }
  close(fd);
  return 1;
}

int
queueview_parse_id(const char *s, unsigned long *id)
{
  size_t len = strlen(s);
  unsigned long value;

  if (!len || scan_ulong(s, &value) != len || !value)
    return 0;
  *id = value;
  return 1;
}

/* Keep only the complete records of a queue file: a torn tail (never
 * written by qmail-send, but possible after a crash) is ignored, as
 * qmail-send ignores it. */
static void
complete_records(stralloc *records)
{
  while (records->len && records->s[records->len - 1])
    --records->len;
}

/* stat the file DIR/N/ID (split) or DIR/ID (flat) into st.  Returns 1,
 * 0 missing, -1 error with the path in failed. */
static int
stat_queue_file(const char *dir, int split, unsigned long id, struct stat *st,
                stralloc *path, stralloc *failed)
{
  path->len = 0;
  if (!(split ? queue_path_split(path, dir, id) : queue_path_flat(path, dir, id))) {
    errno = ENOMEM;
    return -1;
  }
  if (stat(path->s, st) == 0)
    return 1;
  if (errno == ENOENT)
    return 0;
  if (!stralloc_copys(failed, path->s) || !stralloc_0(failed))
    errno = ENOMEM;
  return -1;
}

/* Read DIR/N/ID into out.  Returns 1, 0 missing, -1 error (path in
 * failed). */
static int
read_queue_file(const char *dir, unsigned long id, stralloc *out,
                stralloc *path, stralloc *failed)
{
  int r;

  path->len = 0;
  if (!queue_path_split(path, dir, id)) {
    errno = ENOMEM;
    return -1;
  }
  r = queueview_read(out, path->s);
  if (r == -1) {
    int saved = errno;

    if (!stralloc_copys(failed, path->s) || !stralloc_0(failed))
      saved = ENOMEM;
    errno = saved;
  }
  return r;
}

/* The sender and the "T" records of a todo/ envelope ("u", "p", "F",
 * "T" records, each ending in NUL). */
static int
parse_envelope(struct queueview_msg *m, const stralloc *envelope)
{
  size_t i = 0;
  int have_sender = 0;

  m->sender.len = 0;
  m->todo.len = 0;
  while (i < envelope->len) {
    const char *field = envelope->s + i;
    size_t n = strnlen(field, envelope->len - i);

    if (i + n == envelope->len)
      break;                    /* unterminated tail */
    if (field[0] == 'F' && !have_sender) {
      if (!stralloc_copyb(&m->sender, field + 1, n - 1))
        return 0;
      have_sender = 1;
    } else if (field[0] == 'T') {
      if (!stralloc_catb(&m->todo, field, n + 1))
        return 0;
    }
    i += n + 1;
  }
  return 1;
}

int
queueview_load(struct queueview_msg *m, unsigned long id)
{
  stralloc path = STRALLOC_ZERO, data = STRALLOC_ZERO;
  struct stat st;
  int r, result = -1;

  m->id = id;
  m->size = -1;
  m->has_local = m->has_remote = m->bouncing = 0;
  m->sender.len = m->todo.len = m->local.len = m->remote.len = 0;
  m->failed.len = 0;

  r = read_queue_file("todo", id, &data, &path, &m->failed);
  if (r == -1)
    goto done;
  if (r == 1) {
    m->state = QUEUEVIEW_TODO;
    if (stat(path.s, &st) == 0)
      m->date = st.st_mtime;
    else
      m->date = 0;
    if (!parse_envelope(m, &data)) {
      errno = ENOMEM;
      goto done;
    }
  } else {
    m->state = QUEUEVIEW_PREPROCESSED;
    r = stat_queue_file("info", 1, id, &st, &path, &m->failed);
    if (r != 1) {
      result = r;
      goto done;
    }
    m->date = st.st_mtime;
    r = read_queue_file("info", id, &data, &path, &m->failed);
    if (r != 1) {
      result = r;
      goto done;
    }
    if (data.len && data.s[0] == 'F') {
      size_t n = strnlen(data.s + 1, data.len - 1);

      if (!stralloc_copyb(&m->sender, data.s + 1, n)) {
        errno = ENOMEM;
        goto done;
      }
    }
    r = read_queue_file("local", id, &m->local, &path, &m->failed);
    if (r == -1)
      goto done;
    m->has_local = r;
    complete_records(&m->local);
    r = read_queue_file("remote", id, &m->remote, &path, &m->failed);
    if (r == -1)
      goto done;
    m->has_remote = r;
    complete_records(&m->remote);
    r = stat_queue_file("bounce", 0, id, &st, &path, &m->failed);
    if (r == -1)
      goto done;
    m->bouncing = r;
  }
  m->failed.len = 0;
  r = stat_queue_file("mess", 1, id, &st, &path, &m->failed);
  if (r == 1)
    m->size = st.st_size;
  m->failed.len = 0;
  result = 1;
done:
  {
    int saved = errno;

    stralloc_free(&path);
    stralloc_free(&data);
    errno = saved;
  }
  return result;
}

void
queueview_msg_free(struct queueview_msg *m)
{
  stralloc_free(&m->sender);
  stralloc_free(&m->todo);
  stralloc_free(&m->local);
  stralloc_free(&m->remote);
  stralloc_free(&m->failed);
}

/* An address on one line: control characters become '?'. */
static int
put_address(buffer *out, const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i) {
    unsigned char c = (unsigned char)s[i];
    char shown = c < 32 || c == 127 ? '?' : (char)c;

    if (!buffer_put(out, &shown, 1))
      return 0;
  }
  return 1;
}

static int
put_records(buffer *out, const stralloc *records, const char *channel)
{
  size_t i = 0;

  while (i < records->len) {
    const char *record = records->s + i;
    size_t n = strlen(record);

    if (n && (record[0] == 'T' || record[0] == 'D')) {
      if (!buffer_puts(out, record[0] == 'D' ? "  done  " : "  ")
          || !buffer_puts(out, channel) || !buffer_puts(out, "\t")
          || !put_address(out, record + 1, n - 1) || !buffer_puts(out, "\n"))
        return 0;
    }
    i += n + 1;
  }
  return 1;
}

int
queueview_print(buffer *out, const struct queueview_msg *m, int show)
{
  stralloc date = STRALLOC_ZERO;
  char number[FMT_ULONG];
  int ok;

  if (!date822_fmt(&date, m->date) && !stralloc_copys(&date, "?"))
    die_nomem();
  ok = buffer_put(out, date.s, date.len) && buffer_puts(out, " #");
  stralloc_free(&date);
  ok = ok && buffer_put(out, number, fmt_ulong(number, m->id))
    && buffer_puts(out, " ");
  if (m->size >= 0)
    ok = ok && buffer_put(out, number, fmt_ulong(number, (unsigned long)m->size));
  else
    ok = ok && buffer_puts(out, "?");
  ok = ok && buffer_puts(out, " <") && put_address(out, m->sender.s, m->sender.len)
    && buffer_puts(out, ">");
  if (m->bouncing)
    ok = ok && buffer_puts(out, " bouncing");
  if (m->state == QUEUEVIEW_TODO)
    ok = ok && buffer_puts(out, " (not yet preprocessed)");
  ok = ok && buffer_puts(out, "\n");
  if (m->state == QUEUEVIEW_TODO)
    return ok && put_records(out, &m->todo, "todo");
  if (show & QUEUEVIEW_SHOW_LOCAL)
    ok = ok && put_records(out, &m->local, "local");
  if (show & QUEUEVIEW_SHOW_REMOTE)
    ok = ok && put_records(out, &m->remote, "remote");
  return ok;
}

void
queueview_count(const stralloc *records, unsigned long *pending,
                unsigned long *done)
{
  size_t i = 0;

  while (i < records->len) {
    size_t n = strlen(records->s + i);

    if (n && records->s[i] == 'T')
      ++*pending;
    else if (n && records->s[i] == 'D')
      ++*done;
    i += n + 1;
  }
}

int
queueview_list(buffer *out, int show)
{
  struct queueview_ids ids = QUEUEVIEW_IDS_ZERO;
  struct queueview_msg m = QUEUEVIEW_MSG_ZERO;
  stralloc failed = STRALLOC_ZERO;
  size_t i;
  int ok = 1;

  if (!queueview_scan(&ids, "todo", CONF_QUEUE_SPLIT, &failed)
      || !queueview_scan(&ids, "info", CONF_QUEUE_SPLIT, &failed)) {
    if (errno == ENOMEM)
      die_nomem();
    queueview_die_read(failed.s);
  }
  queueview_sort(&ids);
  for (i = 0; i < ids.len; ++i) {
    int r = queueview_load(&m, ids.id[i]);

    if (r == -1) {
      if (errno == ENOMEM)
        die_nomem();
      warn_sys("unable to read ", m.failed.s);
      ok = 0;
      continue;
    }
    if (r == 0)
      continue;             /* gone since the scan */
    if (show != QUEUEVIEW_SHOW_ALL) {
      if (m.state == QUEUEVIEW_TODO)
        continue;
      if (!(show & QUEUEVIEW_SHOW_LOCAL && m.has_local)
          && !(show & QUEUEVIEW_SHOW_REMOTE && m.has_remote))
        continue;
    }
    if (!queueview_print(out, &m, show))
      die_sys(111, "unable to write the output");
  }
  if (!buffer_flush(out))
    die_sys(111, "unable to write the output");
  queueview_ids_free(&ids);
  queueview_msg_free(&m);
  stralloc_free(&failed);
  return ok;
}
