/* Unit tests for lock: a lock held here really keeps another process
 * out, and releasing it lets that process in. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "lock.h"
#include "wait.h"
#include "unit.h"

static char path[] = "/tmp/test_lock.XXXXXX";

enum attempt { TRY_FLOCK, TRY_FCNTL, WAIT_FLOCK, WAIT_FCNTL };

/* What another process sees when it opens the file on its own and
 * tries to lock it: 'g' got it, 'b' refused as busy, 'e' an error. */
static char
other_process_tries(enum attempt how)
{
  int status = -1;
  pid_t pid = fork();

  if (pid == -1)
    return 'e';
  if (pid == 0) {
    int fd = open(path, O_RDWR);
    int ok;

    if (fd == -1)
      _exit(3);
    switch (how) {
    case TRY_FLOCK: ok = lock_exnb(fd); break;
    case TRY_FCNTL: ok = lock_fcntl_exnb(fd); break;
    case WAIT_FLOCK: ok = lock_ex(fd); break;
    default: ok = lock_fcntl_ex(fd); break;
    }
    if (ok)
      _exit(0);
    if (errno == EWOULDBLOCK || errno == EAGAIN || errno == EACCES)
      _exit(1);
    _exit(2);
  }
  if (wait_pid(pid, &status) != pid || wait_crashed(status))
    return 'e';
  switch (wait_exitcode(status)) {
  case 0: return 'g';
  case 1: return 'b';
  default: return 'e';
  }
}

static void
test_flock_excludes(void)
{
  char seen[4];
  int fd = open(path, O_RDWR);

  CHECK(fd != -1);
  seen[0] = other_process_tries(TRY_FLOCK);
  CHECK(lock_ex(fd));
  seen[1] = other_process_tries(TRY_FLOCK);
  CHECK(lock_un(fd));
  seen[2] = other_process_tries(TRY_FLOCK);
  CHECK(lock_exnb(fd));
  seen[3] = other_process_tries(TRY_FLOCK);
  CHECK_MEM(seen, 4, "gbgb", 4);
  /* closing the only fd drops the lock */
  close(fd);
  seen[0] = other_process_tries(TRY_FLOCK);
  CHECK_MEM(seen, 1, "g", 1);
}

static void
test_flock_nonblocking_refusal(void)
{
  int first = open(path, O_RDWR), second = open(path, O_RDWR);

  CHECK(first != -1 && second != -1);
  /* two open files in one process exclude each other as well */
  CHECK(lock_exnb(first));
  errno = 0;
  CHECK(!lock_exnb(second) && errno == EWOULDBLOCK);
  CHECK(lock_un(first));
  CHECK(lock_exnb(second));
  CHECK(lock_un(second));
  close(first);
  close(second);
  errno = 0;
  CHECK(!lock_ex(first) && errno == EBADF);
}

static void
test_fcntl_excludes(void)
{
  char seen[4];
  int fd = open(path, O_RDWR);
  int rdonly = open(path, O_RDONLY);

  CHECK(fd != -1 && rdonly != -1);
  seen[0] = other_process_tries(TRY_FCNTL);
  CHECK(lock_fcntl_ex(fd));
  seen[1] = other_process_tries(TRY_FCNTL);
  CHECK(lock_fcntl_un(fd));
  seen[2] = other_process_tries(TRY_FCNTL);
  CHECK(lock_fcntl_exnb(fd));
  seen[3] = other_process_tries(TRY_FCNTL);
  CHECK_MEM(seen, 4, "gbgb", 4);
  CHECK(lock_fcntl_un(fd));
  /* a write lock needs a descriptor open for writing */
  errno = 0;
  CHECK(!lock_fcntl_ex(rdonly) && errno == EBADF);
  close(fd);
  close(rdonly);
}

/* A waiting lock_ex / lock_fcntl_ex gets the lock once it is released,
 * not before: while we hold it, the child has nothing to report. */
static void
test_waiting_lock_gets_in(void)
{
  int fd = open(path, O_RDWR);
  int status = -1, round;

  CHECK(fd != -1);
  for (round = 0; round < 2; ++round) {
    struct pollfd ready;
    char c = 0;
    int p[2];
    pid_t pid;

    CHECK(round ? lock_fcntl_ex(fd) : lock_ex(fd));
    CHECK(pipe(p) == 0);
    pid = fork();
    CHECK(pid != -1);
    if (pid == 0) {
      int mine = open(path, O_RDWR);

      close(p[0]);
      if (mine == -1 || !(round ? lock_fcntl_ex(mine) : lock_ex(mine)))
        _exit(1);
      _exit(write(p[1], "c", 1) == 1 ? 0 : 1);
    }
    close(p[1]);
    ready.fd = p[0];
    ready.events = POLLIN;
    CHECK(poll(&ready, 1, 200) == 0);
    CHECK(round ? lock_fcntl_un(fd) : lock_un(fd));
    CHECK(read(p[0], &c, 1) == 1);
    CHECK_MEM(&c, 1, "c", 1);
    close(p[0]);
    CHECK(wait_pid(pid, &status) == pid && wait_exitcode(status) == 0);
  }
  close(fd);
}

/* The same exclusion with random contents written under the lock. */
static void
test_lock_protects_writes(void)
{
  char data[256], back[256];
  int fd = open(path, O_RDWR | O_TRUNC);

  CHECK(fd != -1);
  CHECK(lock_ex(fd));
  unit_rand_fill(data, sizeof data, 0);
  CHECK(write(fd, data, sizeof data) == (ssize_t)sizeof data);
  CHECK(other_process_tries(TRY_FLOCK) == 'b');
  CHECK(lock_un(fd));
  CHECK(pread(fd, back, sizeof back, 0) == (ssize_t)sizeof back);
  CHECK_MEM(back, sizeof back, data, sizeof data);
  close(fd);
}

int
main(void)
{
  int fd = mkstemp(path);

  /* a test that blocks forever fails instead of hanging the run */
  alarm(10);
  if (fd == -1) {
    printf("not ok 1 - mkstemp %s\n", path);
    return 1;
  }
  close(fd);
  RUN(test_flock_excludes);
  RUN(test_flock_nonblocking_refusal);
  RUN(test_fcntl_excludes);
  RUN(test_waiting_lock_gets_in);
  RUN(test_lock_protects_writes);
  unlink(path);
  return unit_done();
}
