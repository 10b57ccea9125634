/* queue.c -- names of files in the queue; see queue.h. */
#include "queue.h"
#include "qconf.h"

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
