/* fd.c -- descriptor moves and flags; see fd.h. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "fd.h"

int
fd_copy(int to, int from)
{
  if (to == from)
    return fcntl(from, F_GETFD) != -1;
  while (dup2(from, to) == -1)
    if (errno != EINTR)
      return 0;
  return 1;
}

int
fd_move(int to, int from)
{
  if (to == from)
    return fcntl(from, F_GETFD) != -1;
  if (!fd_copy(to, from))
    return 0;
  close(from);
  return 1;
}

/* Set or clear bit in the descriptor flags (F_GETFD/F_SETFD). */
static int
fd_flag(int fd, int bit, int on)
{
  int flags = fcntl(fd, F_GETFD);

  if (flags == -1)
    return 0;
  flags = on ? flags | bit : flags & ~bit;
  return fcntl(fd, F_SETFD, flags) != -1;
}

/* Set or clear bit in the file status flags (F_GETFL/F_SETFL). */
static int
fd_status_flag(int fd, int bit, int on)
{
  int flags = fcntl(fd, F_GETFL);

  if (flags == -1)
    return 0;
  flags = on ? flags | bit : flags & ~bit;
  return fcntl(fd, F_SETFL, flags) != -1;
}

int
fd_coe(int fd)
{
  return fd_flag(fd, FD_CLOEXEC, 1);
}

int
fd_coe_off(int fd)
{
  return fd_flag(fd, FD_CLOEXEC, 0);
}

int
fd_ndelay_on(int fd)
{
  return fd_status_flag(fd, O_NONBLOCK, 1);
}

int
fd_ndelay_off(int fd)
{
  return fd_status_flag(fd, O_NONBLOCK, 0);
}
