/* Unit tests for wait: exit codes, crashes, EINTR, no-hang reaping. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wait.h"
#include "unit.h"

static void
nap_ms(long ms)
{
  struct timespec t;

  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, 0);
}

static pid_t
child_exiting(int code)
{
  pid_t pid = fork();

  if (pid == 0)
    _exit(code);
  return pid;
}

static void
test_exit_codes(void)
{
  unsigned char codes[24];
  size_t i;
  int status, mismatches = 0;

  /* 0, 100 and 111 matter most to qmail; the rest are random */
  unit_rand_fill((char *)codes, sizeof codes, 0);
  codes[0] = 0;
  codes[1] = 100;
  codes[2] = 111;
  codes[3] = 255;
  for (i = 0; i < sizeof codes; ++i) {
    pid_t pid = child_exiting(codes[i]);

    if (pid == -1 || wait_pid(pid, &status) != pid) {
      ++mismatches;
      continue;
    }
    if (wait_crashed(status) || wait_exitcode(status) != codes[i] ||
        wait_termsig(status) != 0)
      ++mismatches;
  }
  CHECK(mismatches == 0);
}

static void
test_crash(void)
{
  pid_t pid = fork();
  int status = 0;

  CHECK(pid != -1);
  if (pid == 0) {
    kill(getpid(), SIGKILL);
    _exit(0);
  }
  CHECK(wait_pid(pid, &status) == pid);
  CHECK(wait_crashed(status));
  CHECK(wait_termsig(status) == SIGKILL);

  pid = fork();
  CHECK(pid != -1);
  if (pid == 0) {
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
    _exit(0);
  }
  CHECK(wait_pid(pid, &status) == pid);
  CHECK(wait_crashed(status) && wait_termsig(status) == SIGSEGV);
}

static volatile sig_atomic_t interrupts;

static void
on_usr1(int sig)
{
  (void)sig;
  ++interrupts;
}

/* Signals with a non-restarting handler do not break the wait. */
static void
test_retries_eintr(void)
{
  struct sigaction sa;
  pid_t me = getpid(), pid;
  int status = 0;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  CHECK(sigaction(SIGUSR1, &sa, 0) == 0);
  interrupts = 0;
  pid = fork();
  CHECK(pid != -1);
  if (pid == 0) {
    int i;

    for (i = 0; i < 3; ++i) {
      nap_ms(40);
      kill(me, SIGUSR1);
    }
    nap_ms(40);
    _exit(42);
  }
  CHECK(wait_pid(pid, &status) == pid);
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 42);
  CHECK(interrupts == 3);
  signal(SIGUSR1, SIG_DFL);
}

static void
test_nohang(void)
{
  int p[2];
  pid_t pid, got;
  int status = 0, tries;
  char c;

  errno = 0;
  CHECK(wait_nohang(&status) == -1 && errno == ECHILD);
  errno = 0;
  CHECK(wait_pid(12345678, &status) == -1 && errno == ECHILD);

  /* a child that waits for our go-ahead */
  CHECK(pipe(p) == 0);
  pid = fork();
  CHECK(pid != -1);
  if (pid == 0) {
    close(p[1]);
    _exit(read(p[0], &c, 1) == 1 && c == 'g' ? 9 : 1);
  }
  close(p[0]);
  CHECK(wait_nohang(&status) == 0);
  CHECK(write(p[1], "g", 1) == 1);
  close(p[1]);
  got = 0;
  for (tries = 0; tries < 200 && got == 0; ++tries) {
    got = wait_nohang(&status);
    if (got == 0)
      nap_ms(5);
  }
  CHECK(got == pid);
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 9);
  errno = 0;
  CHECK(wait_nohang(&status) == -1 && errno == ECHILD);
}

/* Any child: several exits, each reaped exactly once. */
static void
test_any_child(void)
{
  pid_t pids[5];
  int seen[5] = { 0 };
  int i, k, status, others = 0;
  char names[6];

  for (i = 0; i < 5; ++i)
    pids[i] = child_exiting(10 + i);
  for (i = 0; i < 5; ++i) {
    pid_t got = wait_pid(-1, &status);

    for (k = 0; k < 5; ++k)
      if (got == pids[k] && wait_exitcode(status) == 10 + k) {
        ++seen[k];
        break;
      }
    if (k == 5)
      ++others;
  }
  CHECK(others == 0);
  for (i = 0; i < 5; ++i)
    names[i] = seen[i] == 1 ? 'y' : 'n';
  names[5] = 0;
  CHECK_STR(names, "yyyyy");
  CHECK(wait_pid(-1, &status) == -1 && errno == ECHILD);
}

int
main(void)
{
  /* a test that blocks forever fails instead of hanging the run */
  alarm(10);
  RUN(test_exit_codes);
  RUN(test_crash);
  RUN(test_retries_eintr);
  RUN(test_nohang);
  RUN(test_any_child);
  return unit_done();
}
