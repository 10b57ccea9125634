/* newaliases -- compile the sendmail-style aliases file into
 * fastforward's forwarding database.
 *
 * Usage: newaliases [aliases]
 *
 * Run by the administrator (root on an installed system; sendmail -bi
 * and the newaliases name of sendmail run it) after every change to
 * the aliases file: by default CONF_ALIASES (config.mk ALIASES,
 * /etc/aliases), or the file named.  Reads the file (aliases.h for the
 * syntax) and the qualification settings of the qmail home
 * (control/defaulthost, defaultdomain, plusdomain), writes FILE.tmp,
 * syncs it and renames it onto FILE.cdb, world-readable, for
 * "| fastforward -d FILE.cdb" in ~alias/.qmail-default.  Deliveries
 * see the old database or the whole new one, never a part.
 *
 * Exit codes: 0 done, or no file at the default path (said on fd 2);
 * 100 usage or a syntax error, reported as
 * "FILE:LINE: what" (FILE.cdb is unchanged); 111 a temporary failure
 * (the file unreadable, the database unwritable, memory).
 */
#define _GNU_SOURCE            /* memmem */
#include <errno.h>
#include <string.h>

#include "aliases.h"
#include "constdb.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "qconf.h"
#include "readfile.h"
#include "stralloc.h"

static int
add(void *maker, const char *key, size_t klen, const char *data,
    size_t dlen)
{
  return constdb_make_add(maker, key, klen, data, dlen);
}

/* The table is only used when the alias user's .qmail-default runs
 * fastforward on it: say so when it does not (a warning, not an
 * error; only ENOENT counts as "no such file"). */
static void
check_alias_user(const char *cdb)
{
  stralloc path = STRALLOC_ZERO, text = STRALLOC_ZERO;

  if (!stralloc_copys(&path, instance_home())
      || !stralloc_cats(&path, "/alias/.qmail-default") || !stralloc_0(&path))
    return;
  if (!readfile(path.s, &text)) {
    if (errno == ENOENT)
      warn(path.s, " does not exist, so ", cdb, " is not used; put "
           "\"| fastforward -d ", cdb, "\" into it");
  } else if (!memmem(text.s, text.len, "fastforward", 11)
             || !memmem(text.s, text.len, cdb, strlen(cdb))) {
    warn(path.s, " does not run fastforward on ", cdb, ", so the table "
         "is not used; put \"| fastforward -d ", cdb, "\" into it");
  }
  stralloc_free(&path);
  stralloc_free(&text);
}

int
main(int argc, char **argv)
{
  struct aliases_config cfg = ALIASES_CONFIG_ZERO;
  struct aliases_error error;
  struct constdb_make maker;
  stralloc text = STRALLOC_ZERO, cdb = STRALLOC_ZERO, tmp = STRALLOC_ZERO;
  const char *path = CONF_ALIASES;
  char num[FMT_ULONG];
  int r, err;

  errmsg_init("newaliases");
  if (argc > 2 || (argc == 2 && argv[1][0] == '-'))
    die(100, "usage: newaliases [aliases]");
  if (argc == 2)
    path = argv[1];
  if (!stralloc_copys(&cdb, path) || !stralloc_cats(&cdb, ".cdb")
      || !stralloc_0(&cdb) || !stralloc_copys(&tmp, path)
      || !stralloc_cats(&tmp, ".tmp") || !stralloc_0(&tmp))
    die_nomem();
  if (!readfile(path, &text)) {
    /* package scripts run newaliases on systems that have no aliases
     * file: with the default path that is nothing to do, not a failure */
    if (errno == ENOENT && argc == 1) {
      errmsg_put("newaliases: ", path, " does not exist: nothing to "
                 "compile\n", (char *)0);
      return 0;
    }
    die_sys(111, "unable to read ", path, " (", cdb.s, " is unchanged)");
  }
  if (!aliases_config_read(&cfg))
    die_sys(111, "unable to read the control files (", cdb.s,
            " is unchanged)");
  aliases_config_check_includes(&cfg);

  if (!constdb_make_start(&maker, cdb.s, tmp.s, 0644))
    die_sys(111, "unable to create ", tmp.s, " (", cdb.s, " is unchanged)");
  r = aliases_parse(text.s, text.len, &cfg, add, &maker, &error);
  if (r != 1) {
    err = errno;
    constdb_make_abort(&maker);
    if (r == 0) {
      num[fmt_ulong(num, aliases_line(text.s, error.offset))] = 0;
      die(100, path, ":", num, ": ", error.why, "; ", cdb.s,
          " is unchanged");
    }
    errno = err;
    die_sys(111, "unable to write ", tmp.s, " (", cdb.s, " is unchanged)");
  }
  if (!constdb_make_finish(&maker))
    die_sys(111, "unable to finish ", cdb.s);
  if (argc == 1)
    check_alias_user(cdb.s);
  return 0;
}
