/* Unit tests for sig: handlers run, system calls are interrupted
 * rather than restarted, blocking holds signals back, defaults kill. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sig.h"
#include "unit.h"

static volatile sig_atomic_t caught_usr1;
static volatile sig_atomic_t caught_usr2;

static void
on_usr1(int sig)
{
  (void)sig;
  ++caught_usr1;
}

static void
on_usr2(int sig)
{
  (void)sig;
  ++caught_usr2;
}

static void
test_catch_runs_handler(void)
{
  caught_usr1 = 0;
  CHECK(sig_catch(SIGUSR1, on_usr1));
  CHECK(raise(SIGUSR1) == 0);
  CHECK(caught_usr1 == 1);
  CHECK(raise(SIGUSR1) == 0);
  CHECK(caught_usr1 == 2);
  CHECK(sig_default(SIGUSR1));
  errno = 0;
  CHECK(!sig_catch(SIGKILL, on_usr1) && errno == EINVAL);
  errno = 0;
  CHECK(!sig_catch(100000, on_usr1) && errno == EINVAL);
}

/* A blocking read must fail with EINTR when a caught signal arrives:
 * with SA_RESTART it would sit there until the helper's write.  The
 * helper signals a few times so that a slow start of the read cannot
 * make the test pass or fail by luck. */
static void
test_no_restart(void)
{
  int p[2];
  pid_t helper, me = getpid();
  char c = 0;
  ssize_t r;
  int status = -1;

  caught_usr1 = 0;
  CHECK(sig_catch(SIGUSR1, on_usr1));
  CHECK(pipe(p) == 0);
  helper = fork();
  CHECK(helper != -1);
  if (helper == 0) {
    struct timespec pause = { 0, 100 * 1000 * 1000 };
    int i;

    for (i = 0; i < 3; ++i) {
      nanosleep(&pause, 0);
      kill(me, SIGUSR1);
    }
    nanosleep(&pause, 0);
    if (write(p[1], "x", 1) != 1)
      _exit(1);
    _exit(0);
  }
  close(p[1]);
  errno = 0;
  r = read(p[0], &c, 1);
  CHECK(r == -1 && errno == EINTR);
  CHECK(caught_usr1 >= 1);
  /* the later signals interrupt this wait too */
  while (waitpid(helper, &status, 0) == -1 && errno == EINTR)
    ;
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  CHECK(read(p[0], &c, 1) == 1);
  CHECK_MEM(&c, 1, "x", 1);
  close(p[0]);
  CHECK(sig_default(SIGUSR1));
}

static void
test_block_and_unblock(void)
{
  sigset_t pending;

  caught_usr2 = 0;
  CHECK(sig_catch(SIGUSR2, on_usr2));
  CHECK(!sig_isblocked(SIGUSR2));
  CHECK(sig_block(SIGUSR2));
  CHECK(sig_isblocked(SIGUSR2));
  CHECK(raise(SIGUSR2) == 0);
  CHECK(caught_usr2 == 0);
  CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR2) == 1);
  /* delivered as soon as it is unblocked */
  CHECK(sig_unblock(SIGUSR2));
  CHECK(caught_usr2 == 1);
  CHECK(!sig_isblocked(SIGUSR2));

  CHECK(sig_block(SIGUSR2) && sig_block(SIGUSR1));
  CHECK(sig_isblocked(SIGUSR1) && sig_isblocked(SIGUSR2));
  CHECK(sig_blocknone());
  CHECK(!sig_isblocked(SIGUSR1) && !sig_isblocked(SIGUSR2));
  errno = 0;
  CHECK(!sig_block(100000) && errno == EINVAL);
  CHECK(sig_default(SIGUSR2));
}

static void
test_ignore_and_default(void)
{
  pid_t pid;
  int status = -1;

  CHECK(sig_ignore(SIGUSR2));
  CHECK(raise(SIGUSR2) == 0);  /* still here */
  CHECK(sig_default(SIGUSR2));

  /* with the default action restored the signal kills */
  pid = fork();
  CHECK(pid != -1);
  if (pid == 0) {
    sig_catch(SIGUSR2, on_usr2);
    sig_default(SIGUSR2);
    raise(SIGUSR2);
    _exit(0);
  }
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGUSR2);

  /* and an ignored one does not, even across exec */
  pid = fork();
  CHECK(pid != -1);
  if (pid == 0) {
    sig_ignore(SIGUSR2);
    execl("/bin/sh", "sh", "-c", "kill -USR2 $$; exit 7", (char *)0);
    _exit(1);
  }
  CHECK(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

/* Random block/unblock/blocknone sequences, checked against a model of
 * the mask. */
static void
test_random_mask_operations(void)
{
  static const int sigs[3] = { SIGUSR1, SIGUSR2, SIGHUP };
  int model[3] = { 0, 0, 0 };
  unsigned char ops[2000];
  size_t i;
  int k, mismatches = 0;

  unit_rand_fill((char *)ops, sizeof ops, 0);
  for (i = 0; i < sizeof ops; ++i) {
    int which = ops[i] % 3;

    switch ((ops[i] >> 2) % 5) {
    case 0: case 1:
      if (!sig_block(sigs[which]))
        ++mismatches;
      model[which] = 1;
      break;
    case 2: case 3:
      if (!sig_unblock(sigs[which]))
        ++mismatches;
      model[which] = 0;
      break;
    default:
      if (!sig_blocknone())
        ++mismatches;
      model[0] = model[1] = model[2] = 0;
    }
    for (k = 0; k < 3; ++k)
      if (sig_isblocked(sigs[k]) != model[k])
        ++mismatches;
  }
  CHECK(mismatches == 0);
  CHECK(sig_blocknone());
}

int
main(void)
{
  /* a test that blocks forever fails instead of hanging the run */
  alarm(10);
  RUN(test_catch_runs_handler);
  RUN(test_no_restart);
  RUN(test_block_and_unblock);
  RUN(test_ignore_and_default);
  RUN(test_random_mask_operations);
  return unit_done();
}
