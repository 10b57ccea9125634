/* Unit tests for errmsg: the exact message text and exit codes. */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errmsg.h"
#include "unit.h"

/* Run fn in a child with stderr on a pipe; return what it wrote and its
 * exit status. */
static int
capture(void (*fn)(void), char *out, size_t size, int *status)
{
  int fds[2];
  pid_t pid;
  size_t len = 0;
  ssize_t r;

  if (pipe(fds) == -1)
    return -1;
  pid = fork();
  if (pid == 0) {
    dup2(fds[1], 2);
    close(fds[0]);
    fn();
    _exit(0);
  }
  close(fds[1]);
  while (len < size - 1 && (r = read(fds[0], out + len, size - 1 - len)) > 0)
    len += (size_t)r;
  out[len] = 0;
  close(fds[0]);
  waitpid(pid, status, 0);
  return (int)len;
}

static void call_die(void) { errmsg_init("/var/qmail/bin/qmail-queue"); die(111, "unable to open ", "mess/3/123", ". (#4.3.0)"); }
static void call_die_sys(void) { errmsg_init("qmail-send"); errno = ENOENT; die_sys(100, "unable to read ", "control/me"); }
static void call_warn(void) { errmsg_init("qmail-local"); warn("quota ", "low"); errno = EACCES; warn_sys("x"); if (errno != EACCES) _exit(3); }

static void
test_die_format_and_code(void)
{
  char out[512];
  int status;

  capture(call_die, out, sizeof out, &status);
  CHECK_STR(out, "qmail-queue: fatal: unable to open mess/3/123. (#4.3.0)\n");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 111);
}

static void
test_die_sys_appends_errno(void)
{
  char out[512];
  int status;

  capture(call_die_sys, out, sizeof out, &status);
  CHECK_STR(out, "qmail-send: fatal: unable to read control/me: No such file or directory\n");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 100);
}

static void
test_warn_continues(void)
{
  char out[512];
  int status;

  capture(call_warn, out, sizeof out, &status);
  CHECK_STR(out, "qmail-local: warning: quota low\nqmail-local: warning: x: Permission denied\n");
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void long_message(void)
{
  char big[4000];

  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  errmsg_init("p");
  die(111, big, big);
}

static void
test_long_message_truncated_not_overflowed(void)
{
  char out[8192];
  int status;
  int len = capture(long_message, out, sizeof out, &status);

  CHECK(len > 100 && len <= 1024);
  CHECK(out[len - 1] == '\n');
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 111);
}

int
main(void)
{
  RUN(test_die_format_and_code);
  RUN(test_die_sys_appends_errno);
  RUN(test_warn_continues);
  RUN(test_long_message_truncated_not_overflowed);
  return unit_done();
}
