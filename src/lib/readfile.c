/* readfile.c -- read a whole file into memory; see readfile.h. */
#include <errno.h>
#include <unistd.h>

#include "open.h"
#include "readfile.h"

int
readfile_fd(int fd, stralloc *out)
{
  out->len = 0;
  for (;;) {
    ssize_t r;

    if (!stralloc_readyplus(out, 4096))
      return 0;
    r = read(fd, out->s + out->len, 4096);
    if (r == -1 && errno == EINTR)
      continue;
    if (r < 0)
      return 0;
    if (r == 0)
      return 1;
    out->len += (size_t)r;
  }
}

int
readfile(const char *path, stralloc *out)
{
  int fd = open_read(path);
  int ok, saved;

  if (fd == -1)
    return 0;
  ok = readfile_fd(fd, out);
  saved = errno;
  close(fd);
  errno = saved;
  return ok;
}
