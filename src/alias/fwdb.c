/* fwdb.c -- fastforward's table formats; see fwdb.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "open.h"

#include "fwdb.h"

/* Each command NUL-terminated, non-empty, with a first byte from
 * allowed. */
static int
commands_valid(const char *data, size_t len, const char *allowed)
{
  size_t pos = 0;

  while (pos < len) {
    const char *end = memchr(data + pos, 0, len - pos);

    if (!end || end == data + pos || !strchr(allowed, data[pos]))
      return 0;
    pos = (size_t)(end - data) + 1;
  }
  return 1;
}

int
fwdb_forward_valid(const char *data, size_t len)
{
  return commands_valid(data, len, "&|!/.");
}

int
fwdb_maillist_valid(const char *data, size_t len)
{
  return commands_valid(data, len, "&/.");
}

int
fwdb_escape(stralloc *out, const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i) {
    unsigned char c = (unsigned char)s[i];

    if ((c <= 32 || c >= 128 || strchr("#,:;\\", c))
        && !stralloc_append(out, '\\'))
      return 0;
    if (!stralloc_append(out, (char)c))
      return 0;
  }
  return 1;
}

static unsigned long
uint32_at(const char *p)
{
  const unsigned char *u = (const unsigned char *)p;

  return (unsigned long)u[0] | (unsigned long)u[1] << 8
    | (unsigned long)u[2] << 16 | (unsigned long)u[3] << 24;
}

int
fwdb_image_walk(const char *image, size_t len, size_t *pos,
                const char **key, size_t *klen,
                const char **data, size_t *dlen)
{
  unsigned long end, kl, dl;

  if (len < 2048)
    goto bad;
  /* the records end where the first hash table starts */
  end = uint32_at(image);
  if (end < 2048 || end > len)
    goto bad;
  if (*pos == 0)
    *pos = 2048;
  if (*pos == end)
    return 0;
  if (end - *pos < 8)
    goto bad;
  kl = uint32_at(image + *pos);
  dl = uint32_at(image + *pos + 4);
  if (kl > end - *pos - 8 || dl > end - *pos - 8 - kl)
    goto bad;
  *key = image + *pos + 8;
  *klen = kl;
  *data = *key + kl;
  *dlen = dl;
  *pos += 8 + kl + dl;
  return 1;
bad:
  errno = EPROTO;
  return -1;
}

/* The directory holding path, for the sync after the rename. */
static int
sync_parent(const char *path)
{
  stralloc dir = STRALLOC_ZERO;
  const char *slash = strrchr(path, '/');
  int ok;

  if (!slash)
    return fsync_dir(".");
  if (!stralloc_copyb(&dir, path, slash == path ? 1 : (size_t)(slash - path))
      || !stralloc_0(&dir))
    return 0;
  ok = fsync_dir(dir.s);
  stralloc_free(&dir);
  return ok;
}

int
fwdb_replace(const char *path, const char *tmp, const char *data,
             size_t len)
{
  int fd, err;

  fd = open_trunc(tmp);
  if (fd == -1)
    return 0;
  if (fchmod(fd, 0644) == -1
      || !buffer_writeall(buffer_unixwrite, fd, 0, data, len)) {
    err = errno;
    close(fd);
    goto failed;
  }
  if (!file_fsync_close(fd)) {
    err = errno;
    goto failed;
  }
  if (rename(tmp, path) == -1) {
    err = errno;
    goto failed;
  }
  return sync_parent(path);
failed:
  unlink(tmp);
  errno = err;
  return 0;
}
