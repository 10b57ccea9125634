/* queue.c -- names of files in the queue; see queue.h. */
#include <dirent.h>
#include <errno.h>
#include <string.h>

#include "queue.h"
#include "qconf.h"
#include "scan.h"

unsigned long
queue_split_of(unsigned long id)
{
  return id % CONF_QUEUE_SPLIT;
}

static int
terminate(stralloc *out)
{
  if (!stralloc_0(out))
    return 0;
  --out->len;
  return 1;
}

int
queue_path_sub(stralloc *out, const char *dir, unsigned long n)
{
  return stralloc_cats(out, dir) && stralloc_append(out, '/')
    && stralloc_catulong(out, n) && terminate(out);
}

int
queue_path_split(stralloc *out, const char *dir, unsigned long id)
{
  return stralloc_cats(out, dir) && stralloc_append(out, '/')
    && stralloc_catulong(out, queue_split_of(id)) && stralloc_append(out, '/')
    && stralloc_catulong(out, id) && terminate(out);
}

int
queue_path_flat(stralloc *out, const char *dir, unsigned long id)
{
  return stralloc_cats(out, dir) && stralloc_append(out, '/')
    && stralloc_catulong(out, id) && terminate(out);
}

int
queue_exists(const char *dir, unsigned long id, struct stat *st)
{
  stralloc path = STRALLOC_ZERO;
  struct stat scratch;
  int r;

  if (!queue_path_split(&path, dir, id))
    return -1;
  if (stat(path.s, st ? st : &scratch) == 0)
    r = 1;
  else
    r = errno == ENOENT ? 0 : -1;
  stralloc_free(&path);
  return r;
}

int
queue_scan(const char *dir, void (*fn)(unsigned long id, void *arg),
           void (*unreadable)(const char *path, void *arg), void *arg)
{
  stralloc path = STRALLOC_ZERO;
  unsigned long n;

  for (n = 0; n < CONF_QUEUE_SPLIT; ++n) {
    DIR *d;
    struct dirent *e;

    path.len = 0;
    if (!queue_path_sub(&path, dir, n)) {
      stralloc_free(&path);
      return 0;
    }
    d = opendir(path.s);
    if (!d) {
      if (unreadable)
        unreadable(path.s, arg);
      continue;
    }
    while ((e = readdir(d))) {
      unsigned long id;
      size_t len = strlen(e->d_name);

      if (len && scan_ulong(e->d_name, &id) == len)
        fn(id, arg);
    }
    closedir(d);
  }
  stralloc_free(&path);
  return 1;
}
