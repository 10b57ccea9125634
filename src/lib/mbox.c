/* mbox.c -- appending one message to an mbox file; see mbox.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "dotlock.h"
#include "failure.h"
#include "lock.h"
#include "mbox.h"
#include "open.h"
#include "stralloc.h"

/* Linux keeps flock and fcntl locks apart, so both are taken there;
 * elsewhere they are one lock and asking for the second one would wait
 * on the first (lock.h). */
#ifdef __linux__
#define MBOX_LOCK_FLOCK_TOO 1
#else
#define MBOX_LOCK_FLOCK_TOO 0
#endif

/* How often a busy lock is tried again, in milliseconds. */
#define MBOX_LOCK_POLL_MS 100

/* How often a mailbox replaced under our feet is opened again. */
#define MBOX_REOPEN_TRIES 5

static const char day_names[] = "SunMonTueWedThuFriSat";
static const char month_names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

static int
cat_2digits(stralloc *out, int n, char pad)
{
  char two[2];

  two[0] = n >= 10 ? (char)('0' + n / 10) : pad;
  two[1] = (char)('0' + n % 10);
  return stralloc_catb(out, two, 2);
}

int
mbox_fromline(stralloc *out, const char *sender, time_t when)
{
  size_t oldlen = out->len;
  struct tm tm;
  const char *s;

  if (!gmtime_r(&when, &tm) || tm.tm_year < -1900) {
    errno = EOVERFLOW;
    return 0;
  }
  if (!stralloc_cats(out, "From "))
    goto nomem;
  if (!*sender) {
    if (!stralloc_cats(out, "MAILER-DAEMON"))
      goto nomem;
  }
  for (s = sender; *s; ++s) {
    unsigned char c = (unsigned char)*s;

    if (!stralloc_append(out, c <= ' ' || c == 127 ? '-' : (char)c))
      goto nomem;
  }
  if (!stralloc_append(out, ' ')
      || !stralloc_catb(out, day_names + 3 * tm.tm_wday, 3)
      || !stralloc_append(out, ' ')
      || !stralloc_catb(out, month_names + 3 * tm.tm_mon, 3)
      || !stralloc_append(out, ' ')
      || !cat_2digits(out, tm.tm_mday, ' ')
      || !stralloc_append(out, ' ')
      || !cat_2digits(out, tm.tm_hour, '0')
      || !stralloc_append(out, ':')
      || !cat_2digits(out, tm.tm_min, '0')
      || !stralloc_append(out, ':')
      || !cat_2digits(out, tm.tm_sec, '0')
      || !stralloc_append(out, ' ')
      || !stralloc_catulong(out, (unsigned long)(tm.tm_year + 1900))
      || !stralloc_append(out, '\n'))
    goto nomem;
  return 1;

nomem:
  out->len = oldlen;
  errno = ENOMEM;
  return 0;
}

/* The message copier: quotes ^>*From  lines on the way through.  At the
 * start of a line the leading '>' and the part of "From " seen so far
 * are held back (as counts) until it is clear whether the line needs
 * its extra '>'. */
struct quoter {
  buffer *out;
  int at_line_start;  /* inside the leading ">*From " part of a line */
  size_t quotes;      /* '>' held back */
  size_t matched;     /* bytes of "From " held back */
  char last;          /* the last byte written */
};

static const char from_space[] = "From ";

static int
put_quotes(buffer *out, size_t n)
{
  static const char many[] = ">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>";

  while (n) {
    size_t k = n < sizeof many - 1 ? n : sizeof many - 1;

    if (!buffer_put(out, many, k))
      return 0;
    n -= k;
  }
  return 1;
}

/* Write what was held back, with one more '>' if it was ">*From ". */
static int
quoter_release(struct quoter *q, int quote)
{
  if (quote && !buffer_put(q->out, ">", 1))
    return 0;
  if (!put_quotes(q->out, q->quotes)
      || !buffer_put(q->out, from_space, q->matched))
    return 0;
  if (q->matched)
    q->last = from_space[q->matched - 1];
  else if (q->quotes)
    q->last = '>';
  q->at_line_start = 0;
  q->quotes = q->matched = 0;
  return 1;
}

static int
quoter_put(struct quoter *q, const char *s, size_t len)
{
  while (len) {
    if (q->at_line_start) {
      char c = *s;

      if (!q->matched && c == '>') {
        ++q->quotes;
      } else if (c == from_space[q->matched]) {
        if (++q->matched == sizeof from_space - 1 && !quoter_release(q, 1))
          return 0;
      } else {
        if (!quoter_release(q, 0))
          return 0;
        continue; /* c is an ordinary byte of the line */
      }
      ++s;
      --len;
    } else {
      const char *nl = memchr(s, '\n', len);
      size_t n = nl ? (size_t)(nl - s) + 1 : len;

      if (!buffer_put(q->out, s, n))
        return 0;
      q->last = s[n - 1];
      if (nl)
        q->at_line_start = 1;
      s += n;
      len -= n;
    }
  }
  return 1;
}

/* Take the lock with try (lock_fcntl_exnb or lock_exnb), trying again
 * every MBOX_LOCK_POLL_MS while another process holds it, for at most
 * timeout seconds.  0 with errno ETIMEDOUT when time ran out. */
static int
lock_within(int fd, int (*try)(int), unsigned int timeout)
{
  unsigned long waited_ms = 0;
  struct timespec pause;

  for (;;) {
    if (try(fd))
      return 1;
    if (errno != EAGAIN && errno != EACCES && errno != EWOULDBLOCK)
      return 0;
    if (waited_ms >= (unsigned long)timeout * 1000) {
      errno = ETIMEDOUT;
      return 0;
    }
    pause.tv_sec = 0;
    pause.tv_nsec = MBOX_LOCK_POLL_MS * 1000000L;
    nanosleep(&pause, 0);
    waited_ms += MBOX_LOCK_POLL_MS;
  }
}

static void
unlock_mailbox(int fd)
{
  if (MBOX_LOCK_FLOCK_TOO)
    lock_un(fd);
  lock_fcntl_un(fd);
}

/* Copy head and the quoted message from msgfd to out.  On failure errno
 * is set and *reading tells whether msgfd (1) or out (0) failed. */
static int
append_message(buffer *out, int msgfd, const char *head, size_t headlen,
               int *reading)
{
  char inspace[BUFFER_INSIZE];
  buffer in = BUFFER_INIT(buffer_unixread, msgfd, 0, inspace, sizeof inspace);
  struct quoter q;
  ssize_t r;

  *reading = 0;
  q.out = out;
  q.at_line_start = 1;
  q.quotes = q.matched = 0;
  q.last = '\n';
  if (headlen) {
    if (!buffer_put(out, head, headlen))
      return 0;
    q.last = head[headlen - 1];
  }
  for (;;) {
    r = buffer_feed(&in);
    if (r == 0)
      break;
    if (r < 0) {
      *reading = 1;
      return 0;
    }
    if (!quoter_put(&q, buffer_peek(&in), (size_t)r))
      return 0;
    buffer_seek(&in, (size_t)r);
  }
  if (!quoter_release(&q, 0))
    return 0;
  if (q.last != '\n' && !buffer_put(out, "\n", 1))
    return 0;
  return buffer_put(out, "\n", 1) && buffer_flush(out);
}

/* Lock fd (opened on path) for the delivery; on failure why is set. */
static int
lock_mailbox(int fd, const char *path, unsigned int lock_timeout,
             stralloc *why)
{
  struct stat opened, named;
  int err;

  if (!lock_within(fd, lock_fcntl_exnb, lock_timeout)
      || (MBOX_LOCK_FLOCK_TOO && !lock_within(fd, lock_exnb, lock_timeout))) {
    err = errno;
    lock_fcntl_un(fd);
    if (err == ETIMEDOUT)
      failure_explain(why, "Unable to lock ", path,
                      "another program has held its lock for too long", err,
                      "4.3.0");
    else
      failure_explain(why, "Unable to lock ", path, 0, err, "4.3.0");
    return 0;
  }
  /* A mail reader may have removed or replaced the file while we
   * waited (mutt deletes an mbox it emptied); appending to the old one
   * would lose the message. */
  if (fstat(fd, &opened) == -1 || stat(path, &named) == -1
      || opened.st_dev != named.st_dev || opened.st_ino != named.st_ino) {
    unlock_mailbox(fd);
    failure_explain(why, "Unable to lock ", path,
                    "the file was replaced while waiting for its lock",
                    ESTALE, "4.3.0");
    return 0;
  }
  return 1;
}

/* The message was not appended, and what was written of it could not
 * be removed (err): the file may end in a partial message that no
 * retry will take away.  why, which says why the write failed, loses
 * its status code and gets this added, so that the log says it. */
static void
explain_partial(stralloc *why, const char *path, int err)
{
  size_t i;

  for (i = why->len; i >= 3; --i)
    if (!memcmp(why->s + i - 3, " (#", 3)) {
      why->len = i - 3;
      break;
    }
  if (why->len && why->s[why->len - 1] == '.')
    --why->len;
  if (!why->len && (!stralloc_cats(why, "Unable to deliver to ")
                    || !stralloc_cats(why, path)))
    goto nomem;
  if (!stralloc_cats(why, "; then unable to truncate ")
      || !stralloc_cats(why, path)
      || !stralloc_cats(why, " back to its old size: ")
      || !stralloc_cats(why, strerror(err))
      || !stralloc_cats(why, ". The mailbox may end in a partial message"
                        " and needs attention. (#4.3.0)"))
    goto nomem;
  return;
nomem:
  why->len = 0;
}

int
mbox_append(int fd, const char *path, int msgfd, const char *head,
            size_t headlen, unsigned int lock_timeout, stralloc *why)
{
  char outspace[BUFFER_OUTSIZE];
  buffer out;
  off_t size;
  int err, reading;

  why->len = 0;
  if (!lock_mailbox(fd, path, lock_timeout, why))
    return 0;
  size = lseek(fd, 0, SEEK_END);
  if (size == (off_t)-1) {
    err = errno;
    unlock_mailbox(fd);
    failure_explain(why, "Unable to find the end of ", path, 0, err, "4.3.0");
    return 0;
  }
  buffer_init(&out, buffer_unixwrite, fd, 0, outspace, sizeof outspace);
  if (!append_message(&out, msgfd, head, headlen, &reading)) {
    err = errno;
    if (reading)
      failure_explain(why, "Unable to read message", "", 0, err, "4.3.0");
    else
      failure_explain(why, "Unable to write ", path, 0, err,
                      failure_status(err));
    goto undo;
  }
  /* EINVAL: a file that cannot be synced (/dev/null as the mbox) */
  if (fsync(fd) == -1 && errno != EINVAL) {
    err = errno;
    failure_explain(why, "Unable to write ", path, 0, err,
                    failure_status(err));
    goto undo;
  }
  unlock_mailbox(fd);
  return 1;

undo:
  /* still under both locks: nobody has seen the partial message; a
   * special file (a terminal, /dev/null) has nothing to cut back */
  if (ftruncate(fd, size) == -1 || (fsync(fd) == -1 && errno != EINVAL)) {
    int cut_err = errno;
    struct stat st;

    if (fstat(fd, &st) == -1 || S_ISREG(st.st_mode))
      explain_partial(why, path, cut_err);
  }
  unlock_mailbox(fd);
  errno = err;
  return 0;
}

/* Take path's dot-lock where its directory lets us; 1 with *held set
 * when taken or not needed, 0 with why set when it cannot be had. */
static int
dotlock_mailbox(stralloc *lock, const char *path, unsigned int lock_timeout,
                int *held, stralloc *why)
{
  struct stat st;
  int err;

  *held = 0;
  /* /dev/null and other special files have no lock beside them */
  if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
    return 1;
  if (dotlock_take(lock, path, lock_timeout)) {
    *held = 1;
    return 1;
  }
  err = errno;
  switch (err) {
  case EACCES:
  case EPERM:
  case EROFS:
  case ENOENT:
  case ENOTDIR:
    /* no dot-lock can be made there, by us or by anyone we share the
     * file with; the kernel locks still apply (a missing directory is
     * reported by the open that follows) */
    return 1;
  case ETIMEDOUT:
    failure_explain(why, "Unable to lock ", lock->len ? lock->s : path,
                    "another program has held its lock for too long", err,
                    "4.3.0");
    return 0;
  default:
    failure_explain(why, "Unable to lock ", lock->len ? lock->s : path, 0,
                    err, "4.3.0");
    return 0;
  }
}

/* The directory holding path: "." when path has no slash. */
static int
directory_of(stralloc *dir, const char *path)
{
  const char *slash = strrchr(path, '/');

  if (!slash)
    return stralloc_copys(dir, ".") && stralloc_0(dir);
  if (slash == path)
    return stralloc_copys(dir, "/") && stralloc_0(dir);
  return stralloc_copyb(dir, path, (size_t)(slash - path)) && stralloc_0(dir);
}

/* Open path for appending, creating it (mode 0600 less the umask) when
 * missing.  An empty file may be one just created, by us or by another
 * deliverer whose directory sync failed, so its directory is synced
 * before anything is written: a message appended to a file whose name
 * has not reached the disk is lost with the name in a crash.  (A mail
 * reader that empties its mbox instead of removing it costs one more
 * sync.)  -1 with why set. */
static int
open_mailbox(const char *path, stralloc *why)
{
  stralloc dir = STRALLOC_ZERO;
  struct stat st;
  int fd = open_append(path), err;

  if (fd == -1) {
    failure_explain(why, "Unable to open ", path, 0, errno,
                    failure_status(errno));
    return -1;
  }
  if (fstat(fd, &st) == -1) {
    err = errno;
    close(fd);
    failure_explain(why, "Unable to open ", path, 0, err, "4.3.0");
    return -1;
  }
  if (S_ISREG(st.st_mode) && st.st_size == 0) {
    if (!directory_of(&dir, path) || !fsync_dir(dir.s)) {
      err = errno;
      close(fd);
      stralloc_free(&dir);
      failure_explain(why, "Unable to sync the directory of ", path, 0, err,
                      failure_status(err));
      return -1;
    }
    stralloc_free(&dir);
  }
  return fd;
}

int
mbox_deliver(const char *path, int msgfd, const char *head, size_t headlen,
             unsigned int lock_timeout, stralloc *why)
{
  stralloc lock = STRALLOC_ZERO;
  unsigned int attempt;
  int fd, err = 0, held, ok = 0;

  why->len = 0;
  for (attempt = 0; attempt < MBOX_REOPEN_TRIES; ++attempt) {
    if (!dotlock_mailbox(&lock, path, lock_timeout, &held, why)) {
      err = errno;
      break;
    }
    fd = open_mailbox(path, why);
    if (fd == -1) {
      err = errno;
    } else {
      ok = mbox_append(fd, path, msgfd, head, headlen, lock_timeout, why);
      err = errno;
      close(fd);
    }
    if (held)
      dotlock_release(&lock);
    if (ok || fd == -1 || err != ESTALE)
      break;
  }
  stralloc_free(&lock);
  errno = ok ? 0 : err;
  return ok;
}
