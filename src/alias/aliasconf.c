/* aliasconf.c -- the qualification settings newaliases and newinclude
 * read; see aliases.h. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "stralloc.h"

#include "aliases.h"
#include "control.h"
#include "instance.h"

int
aliases_config_read(struct aliases_config *cfg)
{
  int here, ok = 0, err;

  here = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (here == -1)
    return 0;
  if (chdir(instance_home()) == -1)
    goto done;
  ok = control_init()
    && control_rldef(&cfg->defaulthost, "control/defaulthost", 1,
                     "localhost") != -1
    && control_rldef(&cfg->defaultdomain, "control/defaultdomain", 1,
                     "localhost") != -1
    && control_rldef(&cfg->plusdomain, "control/plusdomain", 1,
                     "localhost") != -1;
done:
  err = errno;
  if (fchdir(here) == -1 && ok) {
    ok = 0;
    err = errno;
  }
  close(here);
  errno = err;
  return ok;
}

/* An include is fine when its list or its compiled .bin exists; only
 * ENOENT for both says it is missing (fastforward would defer every
 * message for it).  A list newer than its .bin gets a warning. */
static int
include_ok(const char *path)
{
  stralloc bin = STRALLOC_ZERO;
  struct stat list_st, bin_st;
  int has_list, has_bin;

  if (!stralloc_copys(&bin, path) || !stralloc_cats(&bin, ".bin")
      || !stralloc_0(&bin))
    return 1;               /* memory: the caller's next step fails */
  has_list = stat(path, &list_st) == 0 || errno != ENOENT;
  has_bin = stat(bin.s, &bin_st) == 0 || errno != ENOENT;
  if (has_list && !has_bin)
    warn(path, " is not compiled: run newinclude ", path);
  else if (has_list && has_bin && list_st.st_mtime > bin_st.st_mtime)
    warn(path, " is newer than ", bin.s, ": run newinclude ", path);
  stralloc_free(&bin);
  return has_list || has_bin;
}

void
aliases_config_check_includes(struct aliases_config *cfg)
{
  cfg->include_ok = include_ok;
  cfg->include_why = "the :include: file does not exist";
}
