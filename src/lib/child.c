/* child.c -- fork and exec with fd redirections; see child.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "fd.h"
#include "wait.h"

extern char **environ;

#ifdef NSIG
#define SIGNAL_LIMIT NSIG
#else
#define SIGNAL_LIMIT 65
#endif

/* In the child: no handler of the parent may run between fork and
 * exec (it could remove the parent's lock files or write to its
 * pipes), so caught signals go back to their default action while
 * everything is still blocked. */
void
child_reset_handlers(void)
{
  struct sigaction sa;
  int sig;

  for (sig = 1; sig < SIGNAL_LIMIT; ++sig) {
    if (sigaction(sig, 0, &sa) == -1)
      continue;
    if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
      continue;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, 0);
  }
}

/* In the child: make fds 0, 1, 2 what fds asks.  Each source is first
 * copied above 2 (close-on-exec, so the copy itself is not leaked), so
 * that placing one cannot clobber the source of another. */
static int
place_fds(const int fds[3])
{
  int staged[3];
  int i;

  for (i = 0; i < 3; ++i) {
    staged[i] = -1;
    if (fds[i] < 0 || fds[i] == i)
      continue;
    staged[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (staged[i] == -1)
      return 0;
  }
  for (i = 0; i < 3; ++i) {
    if (staged[i] >= 0) {
      if (!fd_copy(i, staged[i]))
        return 0;
    } else if (fds[i] == i) {
      if (!fd_coe_off(i))
        return 0;
    }
  }
  return 1;
}

/* In the child: set up and exec, or report errno on report and exit. */
static void __attribute__((noreturn))
child_exec(char *const argv[], char *const envp[], const int fds[3],
           int report)
{
  sigset_t none;
  int err;

  child_reset_handlers();
  /* keep the report pipe out of the way of fds 0..2 */
  if (report <= 2) {
    int moved = fcntl(report, F_DUPFD_CLOEXEC, 3);

    if (moved == -1)
      goto fail;
    report = moved;
  }
  if (fds && !place_fds(fds))
    goto fail;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, 0);
  if (envp)
    environ = (char **)envp;
  execvp(argv[0], argv);
fail:
  err = errno;
  while (write(report, &err, sizeof err) == -1 && errno == EINTR)
    ;
  _exit(127);
}

pid_t
child_spawn(char *const argv[], char *const envp[], const int fds[3])
{
  int report[2];
  int child_errno = 0, err, status;
  sigset_t all, saved;
  ssize_t r;
  pid_t pid;

  if (!argv || !argv[0]) {
    errno = EINVAL;
    return -1;
  }
  if (pipe(report) == -1)
    return -1;
  if (!fd_coe(report[0]) || !fd_coe(report[1])) {
    err = errno;
    close(report[0]);
    close(report[1]);
    errno = err;
    return -1;
  }

  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &saved);
  pid = fork();
  if (pid == 0)
    child_exec(argv, envp, fds, report[1]);
  err = errno;
  sigprocmask(SIG_SETMASK, &saved, 0);
  close(report[1]);
  if (pid == -1) {
    close(report[0]);
    errno = err;
    return -1;
  }

  /* the pipe closes without data when the exec succeeds */
  do
    r = read(report[0], &child_errno, sizeof child_errno);
  while (r == -1 && errno == EINTR);
  close(report[0]);
  if (r <= 0)
    return pid;
  wait_pid(pid, &status);
  errno = r == (ssize_t)sizeof child_errno ? child_errno : EIO;
  return -1;
}

int
child_run(char *const argv[], char *const envp[], const int fds[3],
          int *status)
{
  pid_t pid = child_spawn(argv, envp, fds);

  if (pid == -1)
    return 0;
  return wait_pid(pid, status) == pid;
}
