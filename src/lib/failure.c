/* failure.c -- explaining a failed mailbox write; see failure.h. */
#include <errno.h>
#include <string.h>

#include "failure.h"

const char *
failure_status(int err)
{
  switch (err) {
#ifdef EDQUOT
  case EDQUOT:
#endif
  case EFBIG:
    return "4.2.2";
  case ENOSPC:
    return "4.3.1";
  case ENOENT:
  case ENOTDIR:
  case EACCES:
  case EPERM:
  case EISDIR:
    return "4.2.1";
  default:
    return "4.3.0";
  }
}

void
failure_explain(stralloc *why, const char *what, const char *path,
                const char *reason, int err, const char *code)
{
  if (!stralloc_copys(why, what) || !stralloc_cats(why, path)
      || !stralloc_cats(why, ": ")
      || !stralloc_cats(why, reason ? reason : strerror(err))
      || !stralloc_cats(why, ". (#") || !stralloc_cats(why, code)
      || !stralloc_cats(why, ")"))
    why->len = 0;
  errno = err;
}
