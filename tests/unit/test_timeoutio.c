/* Unit tests for timeoutio: timeouts fire on time, data that arrives
 * in time is returned, and the buffer operations honour their ctx. */
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "fd.h"
#include "timeoutio.h"
#include "wait.h"
#include "unit.h"

static long long
now_ms(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nap_ms(long ms)
{
  struct timespec t;

  t.tv_sec = ms / 1000;
  t.tv_nsec = (ms % 1000) * 1000000L;
  nanosleep(&t, 0);
}

/* A pipe that nobody writes to: the read gives up after one second. */
static void
read_times_out(void)
{
  int p[2];
  char c;
  long long start, elapsed;
  ssize_t r;

  CHECK(pipe(p) == 0);
  start = now_ms();
  errno = 0;
  r = timeout_read(p[0], &c, 1, 1);
  elapsed = now_ms() - start;
  CHECK(r == -1 && errno == ETIMEDOUT);
  CHECK(elapsed >= 990 && elapsed < 1900);
  close(p[0]);
  close(p[1]);
}

/* A full pipe that nobody reads: the write gives up after one second
 * and writes nothing. */
static void
write_times_out(void)
{
  char block[4096];
  int p[2];
  long long start, elapsed;
  size_t queued = 0;
  ssize_t w;

  CHECK(pipe(p) == 0);
  CHECK(fd_ndelay_on(p[1]));
  unit_rand_fill(block, sizeof block, 0);
  while ((w = write(p[1], block, sizeof block)) > 0)
    queued += (size_t)w;
  CHECK(w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
  CHECK(fd_ndelay_off(p[1]));
  start = now_ms();
  errno = 0;
  w = timeout_write(p[1], block, sizeof block, 1);
  elapsed = now_ms() - start;
  CHECK(w == -1 && errno == ETIMEDOUT);
  CHECK(elapsed >= 990 && elapsed < 1900);
  /* nothing beyond what was queued before reached the pipe */
  {
    size_t drained = 0;
    char sink[4096];
    ssize_t r;

    CHECK(fd_ndelay_on(p[0]));
    while ((r = read(p[0], sink, sizeof sink)) > 0)
      drained += (size_t)r;
    CHECK(drained == queued);
  }
  close(p[0]);
  close(p[1]);
}

static volatile sig_atomic_t interrupts;

static void
on_usr1(int sig)
{
  (void)sig;
  ++interrupts;
}

/* Both one-second timeouts, run side by side in two processes to keep
 * the test short; the child reports failed checks by its exit code. */
static void
test_timeouts_fire(void)
{
  int status = -1;
  pid_t pid;

  fflush(stdout);
  pid = fork();
  CHECK(pid != -1);
  if (pid == 0) {
    write_times_out();
    fflush(stdout);
    _exit(unit_case_failed ? 1 : 0);
  }
  read_times_out();
  CHECK(wait_pid(pid, &status) == pid);
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 0);
}

/* Data that arrives well before the limit ends the wait at once, and
 * signals during the wait neither end it nor surface as EINTR. */
static void
test_data_in_time(void)
{
  struct sigaction sa;
  int p[2], status = -1;
  pid_t writer, me = getpid();
  char buf[16];
  long long start, elapsed;
  ssize_t r;

  /* a counting handler without SA_RESTART, so poll sees EINTR */
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  CHECK(sigaction(SIGUSR1, &sa, 0) == 0);
  interrupts = 0;
  CHECK(pipe(p) == 0);
  writer = fork();
  CHECK(writer != -1);
  if (writer == 0) {
    nap_ms(150);
    kill(me, SIGUSR1);
    nap_ms(150);
    _exit(write(p[1], "late", 4) == 4 ? 0 : 1);
  }
  close(p[1]);
  start = now_ms();
  r = timeout_read(p[0], buf, sizeof buf, 5);
  elapsed = now_ms() - start;
  CHECK(r == 4);
  if (r == 4)
    CHECK_MEM(buf, 4, "late", 4);
  CHECK(elapsed >= 250 && elapsed < 2000);
  CHECK(interrupts == 1);
  /* the writer has exited: end of input, not a timeout */
  CHECK(wait_pid(writer, &status) == writer && wait_exitcode(status) == 0);
  CHECK(timeout_read(p[0], buf, sizeof buf, 1) == 0);
  close(p[0]);
  signal(SIGUSR1, SIG_DFL);
}

/* A zero limit means "only if ready now". */
static void
test_zero_seconds(void)
{
  int p[2];
  char buf[8];
  long long start;

  CHECK(pipe(p) == 0);
  start = now_ms();
  errno = 0;
  CHECK(timeout_read(p[0], buf, sizeof buf, 0) == -1 && errno == ETIMEDOUT);
  CHECK(now_ms() - start < 500);
  CHECK(timeout_write(p[1], "ab", 2, 0) == 2);
  CHECK(timeout_read(p[0], buf, sizeof buf, 0) == 2);
  CHECK_MEM(buf, 2, "ab", 2);
  close(p[0]);
  close(p[1]);
  errno = 0;
  CHECK(timeout_read(p[0], buf, sizeof buf, 1) == -1 && errno == EBADF);
  errno = 0;
  CHECK(timeout_write(p[1], buf, 1, 1) == -1 && errno == EBADF);
}

/* Buffers over the timeout operations: lines pass through, and an
 * empty input fails with ETIMEDOUT according to the ctx. */
static void
test_buffer_ops(void)
{
  struct timeout limit = { 2 };
  char inspace[64], outspace[64];
  char payload[300];
  stralloc line = STRALLOC_ZERO;
  buffer in, out;
  int p[2];
  size_t i;
  long long start;

  CHECK(pipe(p) == 0);
  buffer_init(&in, timeout_bufread, p[0], &limit, inspace, sizeof inspace);
  buffer_init(&out, timeout_bufwrite, p[1], &limit, outspace,
              sizeof outspace);
  unit_rand_fill(payload, sizeof payload - 1, "abcdefghijklmnopqrstuvwxyz ");
  payload[sizeof payload - 1] = '\n';
  CHECK(buffer_put(&out, payload, sizeof payload));
  CHECK(buffer_puts(&out, "second\n"));
  CHECK(buffer_flush(&out));
  CHECK(buffer_getline(&in, &line, '\n') == 1);
  CHECK_MEM(line.s, line.len, payload, sizeof payload);
  line.len = 0;
  CHECK(buffer_getline(&in, &line, '\n') == 1);
  CHECK_SA(line, "second\n");

  /* the limit lives in ctx: set it to zero and the empty pipe fails
   * at once instead of after two seconds */
  limit.seconds = 0;
  line.len = 0;
  start = now_ms();
  errno = 0;
  CHECK(buffer_getline(&in, &line, '\n') == -1 && errno == ETIMEDOUT);
  CHECK(now_ms() - start < 500);

  /* a writer on a full pipe with a zero limit fails the same way */
  CHECK(fd_ndelay_on(p[1]));
  for (i = 0; i < 1000 && write(p[1], payload, sizeof payload) > 0; ++i)
    ;
  CHECK(fd_ndelay_off(p[1]));
  errno = 0;
  CHECK(!buffer_putflush(&out, "x", 1) && errno == ETIMEDOUT);
  close(p[0]);
  close(p[1]);
  stralloc_free(&line);
}

int
main(void)
{
  /* a test that blocks forever fails instead of hanging the run */
  alarm(10);
  RUN(test_timeouts_fire);
  RUN(test_data_in_time);
  RUN(test_zero_seconds);
  RUN(test_buffer_ops);
  return unit_done();
}
