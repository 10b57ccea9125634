/* Unit tests for fd: moves and copies carry data, flags really change. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fd.h"
#include "unit.h"

static int
is_open(int fd)
{
  return fcntl(fd, F_GETFD) != -1;
}

/* Write random bytes into w and check that they come out of r. */
static void
check_carries(int w, int r)
{
  char out[512], in[512];
  ssize_t got;

  unit_rand_fill(out, sizeof out, 0);
  CHECK(write(w, out, sizeof out) == (ssize_t)sizeof out);
  got = read(r, in, sizeof in);
  CHECK(got == (ssize_t)sizeof in);
  if (got == (ssize_t)sizeof in)
    CHECK_MEM(in, sizeof in, out, sizeof out);
}

static void
test_move(void)
{
  int p[2];

  CHECK(pipe(p) == 0);
  CHECK(!is_open(40));
  CHECK(fd_move(40, p[1]));
  CHECK(is_open(40));
  CHECK(!is_open(p[1]));
  check_carries(40, p[0]);
  /* moving onto itself keeps it open */
  CHECK(fd_move(40, 40));
  CHECK(is_open(40));
  check_carries(40, p[0]);
  /* moving onto an open fd replaces it */
  CHECK((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_RDONLY);
  CHECK(fd_move(p[0], 40) == 1);
  CHECK(!is_open(40));
  CHECK((fcntl(p[0], F_GETFL) & O_ACCMODE) == O_WRONLY);
  close(p[0]);
  errno = 0;
  CHECK(!fd_move(41, 40) && errno == EBADF);
  errno = 0;
  CHECK(!fd_move(40, 40) && errno == EBADF);
  CHECK(!is_open(41));
}

static void
test_copy(void)
{
  int p[2];

  CHECK(pipe(p) == 0);
  CHECK(fd_coe(p[1]));
  CHECK(fd_copy(42, p[1]));
  CHECK(is_open(42) && is_open(p[1]));
  /* the copy is not close-on-exec even though the original is */
  CHECK((fcntl(42, F_GETFD) & FD_CLOEXEC) == 0);
  check_carries(42, p[0]);
  check_carries(p[1], p[0]);
  CHECK(fd_copy(42, 42));
  errno = 0;
  CHECK(!fd_copy(43, 44) && errno == EBADF);
  close(42);
  close(p[0]);
  close(p[1]);
}

static void
test_coe(void)
{
  int p[2];

  CHECK(pipe(p) == 0);
  CHECK((fcntl(p[0], F_GETFD) & FD_CLOEXEC) == 0);
  CHECK(fd_coe(p[0]));
  CHECK((fcntl(p[0], F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(fd_coe(p[0]));
  CHECK((fcntl(p[0], F_GETFD) & FD_CLOEXEC) != 0);
  CHECK(fd_coe_off(p[0]));
  CHECK((fcntl(p[0], F_GETFD) & FD_CLOEXEC) == 0);
  close(p[0]);
  close(p[1]);
  errno = 0;
  CHECK(!fd_coe(p[0]) && errno == EBADF);
}

static void
test_ndelay(void)
{
  int p[2];
  char c;

  CHECK(pipe(p) == 0);
  CHECK(fd_ndelay_on(p[0]));
  CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
  /* an empty pipe now says "try again" instead of blocking */
  errno = 0;
  CHECK(read(p[0], &c, 1) == -1 && (errno == EAGAIN || errno == EWOULDBLOCK));
  check_carries(p[1], p[0]);
  CHECK(fd_ndelay_off(p[0]));
  CHECK((fcntl(p[0], F_GETFL) & O_NONBLOCK) == 0);
  /* other status flags survive */
  CHECK((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
  CHECK(fd_ndelay_on(p[1]) && fd_ndelay_off(p[1]));
  CHECK((fcntl(p[1], F_GETFL) & O_ACCMODE) == O_WRONLY);
  close(p[0]);
  close(p[1]);
  errno = 0;
  CHECK(!fd_ndelay_on(p[0]) && errno == EBADF);
}

int
main(void)
{
  RUN(test_move);
  RUN(test_copy);
  RUN(test_coe);
  RUN(test_ndelay);
  return unit_done();
}
