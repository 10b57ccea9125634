/* maildirmake -- create a maildir.
 *
 * Usage: maildirmake dir
 *
 * Run by a user (or by root for a user, followed by chown) before the
 * first delivery: qmail-local does not create maildirs.  Creates dir
 * and dir/tmp, dir/new, dir/cur with mode 700 (less the umask).  An
 * existing dir is an error, so an old maildir is never taken over by
 * mistake.
 *
 * Exit codes: 0 created; 100 usage error; 111 a directory could not be
 * created (what was created stays).
 */
#include <sys/stat.h>

#include "errmsg.h"
#include "stralloc.h"

int
main(int argc, char **argv)
{
  static const char *const sub[3] = { "/tmp", "/new", "/cur" };
  stralloc path = STRALLOC_ZERO;
  int i;

  errmsg_init("maildirmake");
  if (argc != 2 || !argv[1][0])
    die(100, "usage: maildirmake dir");
  if (mkdir(argv[1], 0700) == -1)
    die_sys(111, "unable to create ", argv[1]);
  for (i = 0; i < 3; ++i) {
    if (!stralloc_copys(&path, argv[1]) || !stralloc_cats(&path, sub[i])
        || !stralloc_0(&path))
      die_nomem();
    if (mkdir(path.s, 0700) == -1)
      die_sys(111, "unable to create ", path.s);
  }
  return 0;
}
