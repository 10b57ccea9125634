/* qmail-queue -- put one message into the queue.
 *
 * Reads the message on fd 0 and its envelope on fd 1: "F" sender NUL,
 * then "T" recipient NUL for each recipient, then one more NUL.  Writes
 * the message, with a Received line of its own on top, to
 * queue/mess/N/ID and the envelope to queue/intd/N/ID, then links the
 * envelope into queue/todo/N/ID and pokes qmail-send through the
 * lock/trigger fifo.  ID is the inode number of the message file.
 *
 * Crash safety: the message file, the mess/N entry naming it and the
 * envelope are durable before the envelope is linked into todo/N, and
 * the todo/N entry is fsync'd before the exit.  Once this program exits
 * 0 the message survives a power loss.  Where the system has fs_sync()
 * (open.h) one barrier makes the message and the envelope durable
 * together; elsewhere each is fsync'd, and the mess/N directory too.  On any failure everything created so
 * far is removed: there is never a half-queued message.
 *
 * Installed setuid qmailq (the only setuid program of the system).  Run
 * by root it switches to qmailq itself.  Honours $QMAILHOME only when not
 * running setuid/setgid.
 *
 * Exit codes (qmail's table): 0 queued; 11 address too long; 51 out of
 * memory; 52 timeout; 53 write error (disk full); 54 unable to read the
 * message or envelope; 61 problem with the home directory; 62 with the
 * queue directory; 63 with queue/pid; 64 with queue/mess; 65 with
 * queue/intd; 66 with queue/todo; 81 internal bug; 91 envelope format
 * error, which includes an address holding a control character (a byte
 * below 32, such as CR or LF, or 127): addresses are copied into header
 * lines, and a local user must not be able to forge headers or a body
 * in a bounce that way.  It prints nothing: callers translate the
 * code.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "buffer.h"
#include "date822.h"
#include "fmt.h"
#include "instance.h"
#include "open.h"
#include "prot.h"
#include "queue.h"
#include "sig.h"
#include "stralloc.h"

#define EXIT_ADDRESS 11
#define EXIT_NOMEM 51
#define EXIT_TIMEOUT 52
#define EXIT_WRITE 53
#define EXIT_READ 54
#define EXIT_HOME 61
#define EXIT_QUEUE 62
#define EXIT_PID 63
#define EXIT_MESS 64
#define EXIT_INTD 65
#define EXIT_TODO 66
#define EXIT_BUG 81
#define EXIT_FORMAT 91

/* Files created so far, removed again on failure. */
static stralloc pid_path = STRALLOC_ZERO;
static stralloc mess_path = STRALLOC_ZERO;
static stralloc intd_path = STRALLOC_ZERO;
static int committed;

static void __attribute__((noreturn))
fail(int code)
{
  if (!committed) {
    if (intd_path.s) unlink(intd_path.s);
    if (mess_path.s) unlink(mess_path.s);
  }
  if (pid_path.s) unlink(pid_path.s);
  _exit(code);
}

static void
on_alarm(int sig)
{
  (void)sig;
  fail(EXIT_TIMEOUT);
}

static void
need(int ok)
{
  if (!ok)
    fail(EXIT_NOMEM);
}

/* Become qmailq when started by root (an instance run by root, or a
 * root caller of a non-setuid copy); a setuid install already is. */
static void
drop_root(const struct instance_ids *ids)
{
  if (geteuid() != 0)
    return;
  if (!prot_become(ids->uid[USER_QUEUE], ids->gid[GROUP_QMAIL]))
    fail(EXIT_HOME);
}

/* The Received line says who handed the message over. */
static void
received_line(stralloc *out, uid_t uid, pid_t pid,
              const struct instance_ids *ids, int have_ids)
{
  int roles_distinct = have_ids
    && ids->uid[USER_ALIAS] != ids->uid[USER_DAEMON]
    && ids->uid[USER_ALIAS] != ids->uid[USER_SEND];

  need(stralloc_cats(out, "Received: (qmail "));
  need(stralloc_catulong(out, (unsigned long)pid));
  if (roles_distinct && uid == ids->uid[USER_ALIAS])
    need(stralloc_cats(out, " invoked by alias"));
  else if (roles_distinct && uid == ids->uid[USER_DAEMON])
    need(stralloc_cats(out, " invoked from network"));
  else if (roles_distinct && uid == ids->uid[USER_SEND])
    need(stralloc_cats(out, " invoked for bounce"));
  else {
    need(stralloc_cats(out, " invoked by uid "));
    need(stralloc_catulong(out, (unsigned long)uid));
  }
  need(stralloc_cats(out, "); "));
  need(date822_fmt(out, time(0)));
  need(stralloc_cats(out, "\n"));
}

/* Read one NUL-terminated address from the envelope into out; a
 * control character in it is a format error. */
static void
read_address(buffer *env, stralloc *out)
{
  for (;;) {
    char c;
    ssize_t r = buffer_get(env, &c, 1);

    if (r < 0 || r == 0)
      fail(EXIT_READ);
    if (!c)
      return;
    if ((unsigned char)c < 0x20 || (unsigned char)c == 0x7f)
      fail(EXIT_FORMAT);
    if (out->len >= ADDRESS_MAX)
      fail(EXIT_ADDRESS);
    need(stralloc_append(out, c));
  }
}

/* The message and the envelope, with their directory entries, reach
 * the disk: one barrier, or where there is none an fsync of each file
 * and of mess/N. */
static void
make_durable(const stralloc *mess_path, const stralloc *intd_path,
             unsigned long id)
{
  stralloc dir = STRALLOC_ZERO;
  int fd;

  if (fs_sync("."))
    return;
  if (errno != ENOSYS)
    fail(EXIT_WRITE);
  fd = open_read(mess_path->s);
  if (fd == -1 || !file_fsync_close(fd))
    fail(EXIT_WRITE);
  need(queue_path_sub(&dir, "mess", queue_split_of(id)));
  if (!fsync_dir(dir.s))
    fail(EXIT_MESS);
  fd = open_read(intd_path->s);
  if (fd == -1 || !file_fsync_close(fd))
    fail(EXIT_WRITE);
  stralloc_free(&dir);
}

int
main(void)
{
  struct instance_ids ids;
  const char *missing;
  int have_ids;
  uid_t uid = getuid();
  pid_t pid = getpid();
  unsigned long id;
  struct stat st;
  stralloc line = STRALLOC_ZERO;
  stralloc envelope = STRALLOC_ZERO;
  stralloc dir = STRALLOC_ZERO;
  stralloc todo_path = STRALLOC_ZERO;
  char inspace[BUFFER_INSIZE], outspace[BUFFER_OUTSIZE], envspace[1024];
  buffer in, out, env;
  int messfd, intdfd, trigger;
  time_t now = time(0);

  sig_ignore(SIGPIPE);
  sig_catch(SIGALRM, on_alarm);
  alarm(86400);

  have_ids = instance_ids(&ids, &missing);
  if (chdir(instance_home()) == -1)
    fail(EXIT_HOME);
  if (have_ids)
    drop_root(&ids);
  else if (geteuid() == 0)
    fail(EXIT_HOME);       /* root without the qmail users: refuse */
  if (chdir("queue") == -1)
    fail(EXIT_QUEUE);
  umask(033);

  /* S1: a file of our own in pid/, whose inode becomes the id */
  need(stralloc_copys(&pid_path, "pid/"));
  need(stralloc_catulong(&pid_path, (unsigned long)pid));
  need(stralloc_append(&pid_path, '.'));
  need(stralloc_catulong(&pid_path, (unsigned long)now));
  need(stralloc_0(&pid_path));
  unlink(pid_path.s);
  messfd = open_excl(pid_path.s, 0644);
  if (messfd == -1)
    fail(EXIT_PID);
  if (fstat(messfd, &st) == -1)
    fail(EXIT_PID);
  id = (unsigned long)st.st_ino;

  /* S2: the message in mess/N/ID */
  need(queue_path_split(&mess_path, "mess", id));
  if (link(pid_path.s, mess_path.s) == -1) {
    stralloc_free(&mess_path);     /* not ours: never remove it */
    fail(EXIT_MESS);
  }
  buffer_init(&out, buffer_unixwrite, messfd, 0, outspace, sizeof outspace);
  received_line(&line, uid, pid, &ids, have_ids);
  if (!buffer_put(&out, line.s, line.len))
    fail(EXIT_WRITE);
  buffer_init(&in, buffer_unixread, 0, 0, inspace, sizeof inspace);
  for (;;) {
    ssize_t r = buffer_feed(&in);

    if (r < 0)
      fail(EXIT_READ);
    if (r == 0)
      break;
    if (!buffer_put(&out, buffer_peek(&in), (size_t)r))
      fail(EXIT_WRITE);
    buffer_seek(&in, (size_t)r);
  }
  if (!buffer_flush(&out) || close(messfd) == -1)
    fail(EXIT_WRITE);

  /* The envelope, checked completely before anything is written. */
  buffer_init(&env, buffer_unixread, 1, 0, envspace, sizeof envspace);
  need(stralloc_cats(&envelope, "u"));
  need(stralloc_catulong(&envelope, (unsigned long)uid));
  need(stralloc_0(&envelope));
  need(stralloc_cats(&envelope, "p"));
  need(stralloc_catulong(&envelope, (unsigned long)pid));
  need(stralloc_0(&envelope));
  {
    char c;
    ssize_t r = buffer_get(&env, &c, 1);

    if (r <= 0)
      fail(EXIT_READ);
    if (c != 'F')
      fail(EXIT_FORMAT);
    line.len = 0;
    read_address(&env, &line);
    need(stralloc_append(&envelope, 'F'));
    need(stralloc_cat(&envelope, &line));
    need(stralloc_0(&envelope));
    for (;;) {
      r = buffer_get(&env, &c, 1);
      if (r <= 0)
        fail(EXIT_READ);
      if (!c)
        break;
      if (c != 'T')
        fail(EXIT_FORMAT);
      line.len = 0;
      read_address(&env, &line);
      need(stralloc_append(&envelope, 'T'));
      need(stralloc_cat(&envelope, &line));
      need(stralloc_0(&envelope));
    }
  }

  /* S3: the envelope in intd/N/ID */
  need(queue_path_split(&intd_path, "intd", id));
  intdfd = open_excl(intd_path.s, 0644);
  if (intdfd == -1) {
    stralloc_free(&intd_path);
    fail(EXIT_INTD);
  }
  if (!buffer_writeall(buffer_unixwrite, intdfd, 0, envelope.s, envelope.len)
      || close(intdfd) == -1)
    fail(EXIT_WRITE);
  make_durable(&mess_path, &intd_path, id);

  /* S4: committed once todo/N/ID exists and its directory is synced */
  need(queue_path_split(&todo_path, "todo", id));
  if (link(intd_path.s, todo_path.s) == -1)
    fail(EXIT_TODO);
  dir.len = 0;
  need(queue_path_sub(&dir, "todo", queue_split_of(id)));
  if (!fsync_dir(dir.s)) {
    unlink(todo_path.s);
    fail(EXIT_TODO);
  }
  committed = 1;

  /* wake qmail-send if it is listening; harmless if it is not */
  trigger = open("lock/trigger", O_WRONLY | O_NONBLOCK);
  if (trigger != -1) {
    if (write(trigger, "", 1) == -1) {
      /* the fifo is full: qmail-send has been poked already */
    }
    close(trigger);
  }
  unlink(pid_path.s);
  return 0;
}
