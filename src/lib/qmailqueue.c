/* qmailqueue.c -- hand a message to the queue program; see qmailqueue.h. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <string.h>
#include <unistd.h>

#include "env.h"
#include "fd.h"
#include "instance.h"
#include "qmailqueue.h"
#include "wait.h"

extern char **environ;

/* A close-on-exec copy of *fd numbered 4 or above, replacing it. */
static int
lift(int *fd)
{
  int copy;

  if (*fd > 3)
    return fd_coe(*fd);
  copy = fcntl(*fd, F_DUPFD_CLOEXEC, 4);
  if (copy == -1)
    return 0;
  close(*fd);
  *fd = copy;
  return 1;
}

/* Start the queue program with the read end of msg as its fd 0 and of
 * env as its fd 1.  posix_spawn, not fork and exec: the child never gets
 * a copy of this process's memory, whose page tables a fork copies and
 * the exec then tears down again (several times the cost of the rest of
 * the start on a loaded machine, once per message in an SMTP server).
 * All four pipe ends are close-on-exec and above 3, so the two dup2s
 * cannot clobber each other and nothing else leaks into the child.  An
 * exec failure (a missing program) is not an error here: the program
 * counts as one that could not run, as it always has, and
 * qmailqueue_close says so. */
static int
spawn_queue(struct qmailqueue *qq, const char *program, int msg[2],
            int env[2])
{
  posix_spawn_file_actions_t fa;
  char *argv[2];
  int r;

  if (!lift(&msg[0]) || !lift(&msg[1]) || !lift(&env[0]) || !lift(&env[1]))
    return 0;
  argv[0] = (char *)program;
  argv[1] = 0;
  r = posix_spawn_file_actions_init(&fa);
  if (r) {
    errno = r;
    return 0;
  }
  r = posix_spawn_file_actions_adddup2(&fa, msg[0], 0);
  if (!r)
    r = posix_spawn_file_actions_adddup2(&fa, env[0], 1);
  if (!r)
    r = posix_spawn(&qq->pid, program, &fa, 0, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (r == ENOMEM || r == EAGAIN) {
    errno = r;
    return 0;
  }
  if (r)
    qq->pid = -1;      /* could not run: reported by qmailqueue_close */
  return 1;
}

int
qmailqueue_open(struct qmailqueue *qq)
{
  int msgpipe[2], envpipe[2];
  const char *program = env_get("QMAILQUEUE");
  stralloc path = STRALLOC_ZERO;

  memset(qq, 0, sizeof *qq);
  qq->msgfd = qq->envfd = -1;
  if (!program || !*program) {
    if (!stralloc_copys(&path, instance_home())
        || !stralloc_cats(&path, "/bin/qmail-queue") || !stralloc_0(&path))
      return 0;
    program = path.s;
  }
  if (pipe(msgpipe) == -1) {
    stralloc_free(&path);
    return 0;
  }
  if (pipe(envpipe) == -1) {
    close(msgpipe[0]);
    close(msgpipe[1]);
    stralloc_free(&path);
    return 0;
  }
  if (!spawn_queue(qq, program, msgpipe, envpipe)) {
    int err = errno;

    close(msgpipe[0]); close(msgpipe[1]);
    close(envpipe[0]); close(envpipe[1]);
    stralloc_free(&path);
    errno = err;
    return 0;
  }
  stralloc_free(&path);
  close(msgpipe[0]);
  close(envpipe[0]);
  qq->msgfd = msgpipe[1];
  qq->envfd = envpipe[1];
  fd_coe(qq->msgfd);
  fd_coe(qq->envfd);
  buffer_init(&qq->msg, buffer_unixwrite, qq->msgfd, 0, qq->space,
              sizeof qq->space);
  return 1;
}

pid_t
qmailqueue_pid(const struct qmailqueue *qq)
{
  return qq->pid;
}

void
qmailqueue_put(struct qmailqueue *qq, const char *s, size_t len)
{
  if (qq->failed || qq->msgfd == -1)
    return;
  if (!buffer_put(&qq->msg, s, len))
    qq->failed = 1;
  qq->bytes += len;
}

void
qmailqueue_puts(struct qmailqueue *qq, const char *s)
{
  qmailqueue_put(qq, s, strlen(s));
}

static void
envelope_add(struct qmailqueue *qq, char kind, const char *address)
{
  if (!stralloc_append(&qq->envelope, kind)
      || !stralloc_cats(&qq->envelope, address)
      || !stralloc_0(&qq->envelope))
    qq->failed = 1;
}

void
qmailqueue_from(struct qmailqueue *qq, const char *sender)
{
  if (qq->msgfd != -1) {
    if (!qq->failed && !buffer_flush(&qq->msg))
      qq->failed = 1;
    close(qq->msgfd);
    qq->msgfd = -1;
  }
  envelope_add(qq, 'F', sender);
}

void
qmailqueue_to(struct qmailqueue *qq, const char *recipient)
{
  envelope_add(qq, 'T', recipient);
}

void
qmailqueue_abort(struct qmailqueue *qq)
{
  qq->failed = 1;
}

int
qmailqueue_close(struct qmailqueue *qq)
{
  int status;
  int failed;

  if (qq->msgfd != -1)
    qmailqueue_from(qq, "");
  failed = qq->failed;
  if (!failed && (!stralloc_0(&qq->envelope)
      || !buffer_writeall(buffer_unixwrite, qq->envfd, 0, qq->envelope.s,
                          qq->envelope.len)))
    failed = 1;
  close(qq->envfd);
  qq->envfd = -1;
  stralloc_free(&qq->envelope);
  if (qq->pid == -1 || wait_pid(qq->pid, &status) == -1)
    return QMAILQUEUE_CRASHED;
  if (wait_crashed(status))
    return QMAILQUEUE_CRASHED;
  if (wait_exitcode(status) == 120)
    return QMAILQUEUE_CRASHED;
  if (wait_exitcode(status) == 0 && failed)
    return QMAILQUEUE_WRITEFAIL;
  return wait_exitcode(status);
}

int
qmailqueue_permanent(int code)
{
  return code >= 11 && code <= 40;
}

const char *
qmailqueue_text(int code)
{
  switch (code) {
  case 0: return "ok";
  case 11: return "envelope address too long for qq (#5.1.3)";
  case 31: return "mail server permanently rejected message (#5.3.0)";
  case 51: return "qq out of memory (#4.3.0)";
  case 52: return "qq timeout (#4.3.0)";
  case 53: return "qq write error or disk full (#4.3.0)";
  case 54: return "qq read error (#4.3.0)";
  case 55: return "qq unable to read configuration (#4.3.0)";
  case 56: return "qq trouble making network connection (#4.3.0)";
  case 61: return "qq trouble in home directory (#4.3.0)";
  case 62: return "qq trouble creating files in queue (#4.3.0)";
  case 63: return "qq trouble with queue/pid (#4.3.0)";
  case 64: return "qq trouble with queue/mess (#4.3.0)";
  case 65: return "qq trouble with queue/intd (#4.3.0)";
  case 66: return "qq trouble with queue/todo (#4.3.0)";
  case 71: return "mail server temporarily rejected message (#4.3.0)";
  case 72: return "connection to mail server timed out (#4.4.1)";
  case 73: return "connection to mail server rejected (#4.4.1)";
  case 74: return "communication with mail server failed (#4.4.2)";
  case 81: return "qq internal bug (#4.3.0)";
  case 91: return "qq envelope format error: an address contains a control "
                  "character such as CR or LF, which is not allowed, or the "
                  "envelope is malformed (#4.3.0)";
  case QMAILQUEUE_CRASHED: return "unable to run or qq crashed (#4.3.0)";
  case QMAILQUEUE_WRITEFAIL: return "unable to write the message to qq (#4.3.0)";
  default:
    return qmailqueue_permanent(code) ? "qq permanent problem (#5.3.0)"
                                      : "qq temporary problem (#4.3.0)";
  }
}
