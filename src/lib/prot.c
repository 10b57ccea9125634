/* prot.c -- giving up privileges; see prot.h. */
#include <errno.h>
#include <grp.h>
#include <unistd.h>

#include "prot.h"

static int
is_already(uid_t uid, gid_t gid)
{
  return getuid() == uid && geteuid() == uid
    && getgid() == gid && getegid() == gid;
}

int
prot_become(uid_t uid, gid_t gid)
{
  if (geteuid() != 0) {
    if (is_already(uid, gid))
      return 1;
    errno = EPERM;
    return 0;
  }
  if (setgroups(1, &gid) == -1)
    return 0;
  if (setgid(gid) == -1)
    return 0;
  if (setuid(uid) == -1)
    return 0;
  if (!is_already(uid, gid)) {
    errno = EPERM;
    return 0;
  }
  /* a saved set-user-ID of 0 left behind would let root come back */
  if (uid != 0 && setuid(0) != -1) {
    errno = EPERM;
    return 0;
  }
  return 1;
}
