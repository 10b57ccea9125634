/* Unit tests for child: exit codes, crashes, exec failures reported at
 * spawn time, redirections (including swapped fds), environment, PATH
 * search and the reset signal mask. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "child.h"
#include "env.h"
#include "fd.h"
#include "stralloc.h"
#include "wait.h"
#include "unit.h"

/* Read everything from fd into sa (emptied first), then close fd. */
static int
slurp(int fd, stralloc *sa)
{
  char chunk[256];
  ssize_t r;

  sa->len = 0;
  for (;;) {
    r = read(fd, chunk, sizeof chunk);
    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    if (!stralloc_catb(sa, chunk, (size_t)r))
      r = -1;
  }
  close(fd);
  return r == 0;
}

/* Run /bin/sh -c script with stdout to a pipe; collect the output. */
static int
run_sh(const char *script, char *const envp[], stralloc *out, int *status)
{
  char *argv[] = { "/bin/sh", "-c", (char *)script, 0 };
  int p[2], fds[3] = { CHILD_KEEP, CHILD_KEEP, CHILD_KEEP };
  pid_t pid;

  if (pipe(p) == -1)
    return 0;
  fds[1] = p[1];
  pid = child_spawn(argv, envp, fds);
  close(p[1]);
  if (pid == -1) {
    close(p[0]);
    return 0;
  }
  if (!slurp(p[0], out))
    return 0;
  return wait_pid(pid, status) == pid;
}

static void
test_exit_status(void)
{
  char *exit3[] = { "/bin/sh", "-c", "exit 3", 0 };
  char *exit0[] = { "/bin/sh", "-c", ":", 0 };
  char *crash[] = { "/bin/sh", "-c", "kill -9 $$", 0 };
  int status = -1;

  CHECK(child_run(exit3, 0, 0, &status));
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 3);
  CHECK(child_run(exit0, 0, 0, &status));
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 0);
  CHECK(child_run(crash, 0, 0, &status));
  CHECK(wait_crashed(status) && wait_termsig(status) == SIGKILL);
}

static void
test_exec_failure_reported(void)
{
  char *missing[] = { "/nonexistent/qmail-test-program", 0 };
  char *notexec[] = { "/dev/null", 0 };
  char *empty[] = { 0 };
  int status = -1;

  errno = 0;
  CHECK(child_spawn(missing, 0, 0) == -1 && errno == ENOENT);
  /* the failed child was reaped: no zombie left behind */
  errno = 0;
  CHECK(wait_nohang(&status) == -1 && errno == ECHILD);
  errno = 0;
  CHECK(!child_run(notexec, 0, 0, &status) && errno == EACCES);
  errno = 0;
  CHECK(child_spawn(empty, 0, 0) == -1 && errno == EINVAL);
  /* a redirection of a closed fd fails the same way */
  {
    int fds[3] = { CHILD_KEEP, 77, CHILD_KEEP };
    char *sh[] = { "/bin/sh", "-c", "exit 0", 0 };

    errno = 0;
    CHECK(child_spawn(sh, 0, fds) == -1 && errno == EBADF);
  }
  CHECK(wait_nohang(&status) == -1 && errno == ECHILD);
}

static void
test_redirection_and_arguments(void)
{
  char *argv[] = { "/bin/sh", "-c", "read line; echo \"got $line $1\"",
                   "sh", "arg one", 0 };
  stralloc out = STRALLOC_ZERO;
  int in[2], outp[2], fds[3] = { 0, 0, CHILD_KEEP };
  int status = -1;
  pid_t pid;

  CHECK(pipe(in) == 0 && pipe(outp) == 0);
  fds[0] = in[0];
  fds[1] = outp[1];
  CHECK(write(in[1], "hello\n", 6) == 6);
  close(in[1]);
  pid = child_spawn(argv, 0, fds);
  CHECK(pid > 0);
  close(in[0]);
  close(outp[1]);
  CHECK(slurp(outp[0], &out));
  CHECK(wait_pid(pid, &status) == pid && wait_exitcode(status) == 0);
  CHECK_SA(out, "got hello arg one\n");
  stralloc_free(&out);
}

/* fds {KEEP, 0, 1}: the child's stdout is our fd 0 and its stderr our
 * fd 1.  Placing stdout first must not clobber the source of stderr.
 * Done in a helper process so our own fds 0 and 1 stay untouched. */
static void
test_swapped_fds(void)
{
  stralloc got_out = STRALLOC_ZERO, got_err = STRALLOC_ZERO;
  int a[2], b[2], status = -1;
  pid_t helper;

  CHECK(pipe(a) == 0 && pipe(b) == 0);
  helper = fork();
  CHECK(helper != -1);
  if (helper == 0) {
    char *argv[] = { "/bin/sh", "-c", "echo out; echo err >&2", 0 };
    int fds[3] = { CHILD_KEEP, 0, 1 };
    int child_status;

    close(a[0]);
    close(b[0]);
    if (!fd_move(0, a[1]) || !fd_move(1, b[1]))
      _exit(101);
    if (!child_run(argv, 0, fds, &child_status))
      _exit(102);
    _exit(wait_exitcode(child_status));
  }
  close(a[1]);
  close(b[1]);
  CHECK(slurp(a[0], &got_out));
  CHECK(slurp(b[0], &got_err));
  CHECK(wait_pid(helper, &status) == helper);
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 0);
  CHECK_SA(got_out, "out\n");
  CHECK_SA(got_err, "err\n");
  stralloc_free(&got_out);
  stralloc_free(&got_err);
}

/* A redirected fd survives exec even when the original is
 * close-on-exec; other close-on-exec fds do not leak into the child. */
static void
test_close_on_exec(void)
{
  char *argv[] = { "/bin/sh", "-c", "echo visible; echo leaked >&9", 0 };
  stralloc out = STRALLOC_ZERO;
  int p[2], q[2], fds[3] = { CHILD_KEEP, 0, 0 };
  int status = -1;
  pid_t pid;

  /* the shell's complaint about fd 9 goes nowhere */
  fds[2] = open("/dev/null", O_WRONLY);
  CHECK(fds[2] != -1);
  CHECK(pipe(p) == 0 && pipe(q) == 0);
  CHECK(fd_coe(p[1]));
  CHECK(fd_move(9, q[1]) && fd_coe(9));
  fds[1] = p[1];
  pid = child_spawn(argv, 0, fds);
  CHECK(pid > 0);
  close(p[1]);
  close(9);
  close(fds[2]);
  CHECK(slurp(p[0], &out));
  CHECK(wait_pid(pid, &status) == pid);
  CHECK_SA(out, "visible\n");
  /* "echo leaked >&9" failed in the child: fd 9 was not there */
  CHECK(wait_exitcode(status) != 0);
  CHECK(slurp(q[0], &out));
  CHECK(out.len == 0);
  stralloc_free(&out);
}

static void
test_environment_and_path(void)
{
  envbuild eb = ENVBUILD_ZERO;
  stralloc out = STRALLOC_ZERO;
  char *bare[] = { "sh", "-c", "printf %s \"$QTEST_VALUE\"", 0 };
  int status = -1;
  int p[2], fds[3] = { CHILD_KEEP, 0, CHILD_KEEP };
  pid_t pid;

  CHECK(env_set(&eb, "QTEST_VALUE", "from builder"));
  CHECK(env_set(&eb, "PATH", "/nonexistent:/bin:/usr/bin"));
  CHECK(run_sh("printf %s \"$QTEST_VALUE\"", env_build(&eb), &out, &status));
  CHECK_SA(out, "from builder");
  /* argv[0] without '/' is found through the child's PATH */
  CHECK(pipe(p) == 0);
  fds[1] = p[1];
  pid = child_spawn(bare, env_build(&eb), fds);
  close(p[1]);
  CHECK(pid > 0);
  CHECK(slurp(p[0], &out));
  CHECK(pid > 0 && wait_pid(pid, &status) == pid);
  CHECK_SA(out, "from builder");
  /* and not found when that PATH lacks it */
  CHECK(env_set(&eb, "PATH", "/nonexistent"));
  errno = 0;
  CHECK(child_spawn(bare, env_build(&eb), 0) == -1 && errno == ENOENT);

  /* a null envp passes our own environment */
  CHECK(setenv("QTEST_VALUE", "inherited", 1) == 0);
  CHECK(run_sh("printf %s \"$QTEST_VALUE\"", 0, &out, &status));
  CHECK_SA(out, "inherited");
  env_free(&eb);
  stralloc_free(&out);
}

/* With SIGUSR1 blocked here, a child that signals itself still dies:
 * it did not inherit the mask. */
static void
test_signal_mask_reset(void)
{
  char *argv[] = { "/bin/sh", "-c", "kill -USR1 $$; exit 0", 0 };
  sigset_t usr1, old;
  int status = -1;

  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  CHECK(sigprocmask(SIG_BLOCK, &usr1, &old) == 0);
  CHECK(child_run(argv, 0, 0, &status));
  CHECK(wait_crashed(status) && wait_termsig(status) == SIGUSR1);
  CHECK(sigprocmask(SIG_SETMASK, &old, 0) == 0);
}

/* Random argument bytes arrive in the child unchanged. */
static void
test_random_arguments(void)
{
  stralloc out = STRALLOC_ZERO, want = STRALLOC_ZERO;
  char args[4][40];
  int i, k, mismatches = 0;

  for (i = 0; i < 20; ++i) {
    char *argv[9] = { "/bin/sh", "-c", "printf '%s|' \"$@\"", "sh" };
    int p[2], fds[3] = { CHILD_KEEP, 0, CHILD_KEEP }, status = -1;
    pid_t pid;

    want.len = 0;
    for (k = 0; k < 4; ++k) {
      size_t len = unit_rand() % (sizeof args[k] - 1);

      /* any byte but NUL, which cannot be in an argument */
      unit_rand_fill(args[k], len,
                     "abcXYZ019 \t\n'\"\\$`*?[]{}|&;<>()~#%!-=+,./:@^_");
      args[k][len] = 0;
      argv[4 + k] = args[k];
      if (!stralloc_cats(&want, args[k]) || !stralloc_append(&want, '|'))
        ++mismatches;
    }
    argv[8] = 0;
    if (pipe(p) == -1) {
      ++mismatches;
      continue;
    }
    fds[1] = p[1];
    pid = child_spawn(argv, 0, fds);
    close(p[1]);
    if (pid == -1 || !slurp(p[0], &out) || wait_pid(pid, &status) != pid ||
        wait_exitcode(status) != 0 || out.len != want.len ||
        memcmp(out.s, want.s, out.len))
      ++mismatches;
    if (pid == -1)
      close(p[0]);
  }
  CHECK(mismatches == 0);
  stralloc_free(&out);
  stralloc_free(&want);
}

int
main(void)
{
  /* a test that blocks forever fails instead of hanging the run */
  alarm(10);
  RUN(test_exit_status);
  RUN(test_exec_failure_reported);
  RUN(test_redirection_and_arguments);
  RUN(test_swapped_fds);
  RUN(test_close_on_exec);
  RUN(test_environment_and_path);
  RUN(test_signal_mask_reset);
  RUN(test_random_arguments);
  return unit_done();
}
