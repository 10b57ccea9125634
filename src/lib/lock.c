/* lock.c -- advisory whole-file locks; see lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock.h"

/* One fcntl lock request over the whole file (start 0, length 0 means
 * "to the end, however far it grows"). */
static int
fcntl_lock(int fd, int command, short type)
{
  struct flock fl;

  memset(&fl, 0, sizeof fl);
  fl.l_type = type;
  fl.l_whence = SEEK_SET;
  fl.l_start = 0;
  fl.l_len = 0;
  while (fcntl(fd, command, &fl) == -1)
    if (errno != EINTR || command != F_SETLKW)
      return 0;
  return 1;
}

int
lock_fcntl_ex(int fd)
{
  return fcntl_lock(fd, F_SETLKW, F_WRLCK);
}

int
lock_fcntl_exnb(int fd)
{
  return fcntl_lock(fd, F_SETLK, F_WRLCK);
}

int
lock_fcntl_un(int fd)
{
  return fcntl_lock(fd, F_SETLK, F_UNLCK);
}

#ifdef LOCK_EX

static int
flock_retry(int fd, int operation)
{
  while (flock(fd, operation) == -1)
    if (errno != EINTR)
      return 0;
  return 1;
}

int
lock_ex(int fd)
{
  return flock_retry(fd, LOCK_EX);
}

int
lock_exnb(int fd)
{
  return flock_retry(fd, LOCK_EX | LOCK_NB);
}

int
lock_un(int fd)
{
  return flock_retry(fd, LOCK_UN);
}

#else

int
lock_ex(int fd)
{
  return lock_fcntl_ex(fd);
}

int
lock_exnb(int fd)
{
  if (lock_fcntl_exnb(fd))
    return 1;
  if (errno == EACCES || errno == EAGAIN)
    errno = EWOULDBLOCK;
  return 0;
}

int
lock_un(int fd)
{
  return lock_fcntl_un(fd);
}

#endif
