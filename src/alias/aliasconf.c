/* aliasconf.c -- the qualification settings newaliases and newinclude
 * read; see aliases.h. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

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
