/* usermsg.c -- forwarding and running programs for the .qmail helpers.
 * See usermsg.h. */
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "buffer.h"
#include "child.h"
#include "env.h"
#include "errmsg.h"
#include "fd.h"
#include "fmt.h"
#include "qmailqueue.h"
#include "sig.h"
#include "usermsg.h"
#include "wait.h"

void
usermsg_rewind(void)
{
  if (lseek(0, 0, SEEK_SET) != 0)
    die_sys(111, "unable to rewind the message on standard input"
            " (it must be a file, as qmail-local provides). (#4.3.0)");
}

int
usermsg_forward(char *const *addrs, int count)
{
  struct qmailqueue qq;
  const char *sender = env_get("NEWSENDER");
  const char *dtline = env_get("DTLINE");
  char in[BUFFER_INSIZE];
  buffer message;
  ssize_t r;
  int code;
  int i;

  if (!sender) {
    warn("NEWSENDER is not set: run me from a .qmail file. (#5.3.5)");
    return 100;
  }
  sig_ignore(SIGPIPE);
  if (!qmailqueue_open(&qq)) {
    warn_sys("unable to run the queue program. (#4.3.0)");
    return 111;
  }
  if (dtline)
    qmailqueue_puts(&qq, dtline);
  buffer_init(&message, buffer_unixread, 0, 0, in, sizeof in);
  for (;;) {
    r = buffer_feed(&message);
    if (r < 0) {
      qmailqueue_abort(&qq);
      qmailqueue_close(&qq);
      warn_sys("unable to read the message. (#4.3.0)");
      return 111;
    }
    if (r == 0)
      break;
    qmailqueue_put(&qq, buffer_peek(&message), (size_t)r);
    buffer_seek(&message, (size_t)r);
  }
  qmailqueue_from(&qq, sender);
  for (i = 0; i < count; ++i)
    qmailqueue_to(&qq, addrs[i]);
  code = qmailqueue_close(&qq);
  if (code == 0)
    return 0;
  warn(qmailqueue_text(code));
  return qmailqueue_permanent(code) ? 100 : 111;
}

int
usermsg_run(char *const *argv, int use_shell)
{
  char *shell[4];
  char num[FMT_ULONG];
  int status;

  if (use_shell) {
    shell[0] = (char *)"/bin/sh";
    shell[1] = (char *)"-c";
    shell[2] = argv[0];
    shell[3] = 0;
    argv = shell;
  }
  if (!child_run(argv, 0, 0, &status)) {
    warn_sys("unable to run ", argv[0], ". (#4.3.0)");
    return -1;
  }
  if (wait_crashed(status)) {
    num[fmt_ulong(num, (unsigned long)wait_termsig(status))] = 0;
    warn(argv[0], " was killed by signal ", num, ". (#4.3.0)");
    return -1;
  }
  return wait_exitcode(status);
}

/* Copy the prefix and then fd 0 into the pipe; stop quietly when the
 * program stops reading (EPIPE): its exit code decides then.  Returns 0
 * on a read or write failure. */
static int
feed(int fd, const char *const *prefix, int nprefix)
{
  char out[BUFFER_OUTSIZE];
  char in[BUFFER_INSIZE];
  buffer to = BUFFER_INIT(buffer_unixwrite, fd, 0, out, sizeof out);
  buffer from = BUFFER_INIT(buffer_unixread, 0, 0, in, sizeof in);
  ssize_t r;
  int i;

  for (i = 0; i < nprefix; ++i)
    if (prefix[i] && !buffer_puts(&to, prefix[i]))
      goto failed;
  for (;;) {
    r = buffer_feed(&from);
    if (r < 0) {
      warn_sys("unable to read the message. (#4.3.0)");
      return 0;
    }
    if (r == 0)
      break;
    if (!buffer_put(&to, buffer_peek(&from), (size_t)r))
      goto failed;
    buffer_seek(&from, (size_t)r);
  }
  if (!buffer_flush(&to))
    goto failed;
  return 1;
failed:
  if (errno == EPIPE)
    return 1;
  warn_sys("unable to write to the program. (#4.3.0)");
  return 0;
}

int
usermsg_pipe(char *const *argv, const char *const *prefix, int nprefix)
{
  int fds[3] = { CHILD_KEEP, CHILD_KEEP, CHILD_KEEP };
  char num[FMT_ULONG];
  int pi[2];
  int status, fed;
  pid_t pid;

  sig_ignore(SIGPIPE);
  if (pipe(pi) == -1) {
    warn_sys("unable to make a pipe. (#4.3.0)");
    return -1;
  }
  fd_coe(pi[1]);
  fds[0] = pi[0];
  pid = child_spawn(argv, 0, fds);
  close(pi[0]);
  if (pid == -1) {
    close(pi[1]);
    warn_sys("unable to run ", argv[0], ". (#4.3.0)");
    return -1;
  }
  fed = feed(pi[1], prefix, nprefix);
  close(pi[1]);
  if (wait_pid(pid, &status) == -1) {
    warn_sys("unable to wait for ", argv[0], ". (#4.3.0)");
    return -1;
  }
  if (wait_crashed(status)) {
    num[fmt_ulong(num, (unsigned long)wait_termsig(status))] = 0;
    warn(argv[0], " was killed by signal ", num, ". (#4.3.0)");
    return -1;
  }
  if (!fed)
    return -1;
  return wait_exitcode(status);
}
