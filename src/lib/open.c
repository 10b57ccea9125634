/* open.c -- opening files and syncing them; see open.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE           /* syncfs */
#endif
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "open.h"

static int
open_retry(const char *path, int flags, mode_t mode)
{
  int fd;

  do
    fd = open(path, flags, mode);
  while (fd == -1 && errno == EINTR);
  return fd;
}

int
open_read(const char *path)
{
  return open_retry(path, O_RDONLY, 0);
}

int
open_write(const char *path)
{
  return open_retry(path, O_WRONLY, 0);
}

int
open_append(const char *path)
{
  return open_retry(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
}

int
open_trunc(const char *path)
{
  return open_retry(path, O_WRONLY | O_TRUNC | O_CREAT, 0644);
}

int
open_excl(const char *path, mode_t mode)
{
  return open_retry(path, O_WRONLY | O_CREAT | O_EXCL, mode);
}

int
fsync_dir(const char *path)
{
  int fd = open_retry(path, O_RDONLY | O_DIRECTORY, 0);
  int ok, err;

  if (fd == -1)
    return 0;
  ok = fsync(fd) == 0 || errno == EINVAL;
  err = errno;
  close(fd);
  errno = err;
  return ok;
}

int
fs_sync(const char *path)
{
#ifdef __linux__
  int fd = open_retry(path, O_RDONLY, 0);
  int ok, err;

  if (fd == -1)
    return 0;
  ok = syncfs(fd) == 0;
  err = errno;
  close(fd);
  errno = err;
  return ok;
#else
  (void)path;
  errno = ENOSYS;
  return 0;
#endif
}

int
file_fsync_close(int fd)
{
  int ok = fsync(fd) == 0;
  int err = errno;

  /* close is not retried: after EINTR the descriptor is already gone
   * on Linux, and the data was synced (or its failure noted) above */
  if (close(fd) == -1 && errno != EINTR && ok) {
    ok = 0;
    err = errno;
  }
  errno = err;
  return ok;
}
