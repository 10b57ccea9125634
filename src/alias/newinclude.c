/* newinclude -- compile a sendmail-style :include: file into
 * fastforward's binary mailing list.
 *
 * Usage: newinclude list
 *
 * Run by the list's maintainer after every change to list.  Reads the
 * addresses and :include: names in list (aliases.h), qualified with the
 * qmail home's control/defaulthost, defaultdomain and plusdomain, and
 * writes list.tmp, then renames it onto list.bin, world-readable, where
 * fastforward reads it for an ":include:list" alias.
 *
 * Exit codes: 0 done; 100 usage or a syntax error, reported as
 * "list:LINE: what" (list.bin is unchanged); 111 a temporary failure.
 */
#include "aliases.h"
#include "errmsg.h"
#include "fmt.h"
#include "fwdb.h"
#include "readfile.h"
#include "stralloc.h"

int
main(int argc, char **argv)
{
  struct aliases_config cfg = ALIASES_CONFIG_ZERO;
  struct aliases_error error;
  stralloc text = STRALLOC_ZERO, list = STRALLOC_ZERO;
  stralloc bin = STRALLOC_ZERO, tmp = STRALLOC_ZERO;
  char num[FMT_ULONG];
  int r;

  errmsg_init("newinclude");
  if (argc != 2 || argv[1][0] == '-')
    die(100, "usage: newinclude list");
  if (!stralloc_copys(&bin, argv[1]) || !stralloc_cats(&bin, ".bin")
      || !stralloc_0(&bin) || !stralloc_copys(&tmp, argv[1])
      || !stralloc_cats(&tmp, ".tmp") || !stralloc_0(&tmp))
    die_nomem();
  if (!readfile(argv[1], &text))
    die_sys(111, "unable to read ", argv[1], " (", bin.s, " is unchanged)");
  if (!aliases_config_read(&cfg))
    die_sys(111, "unable to read the control files (", bin.s,
            " is unchanged)");
  aliases_config_check_includes(&cfg);
  r = aliases_parse_list(text.s, text.len, &cfg, &list, &error);
  if (r == -1)
    die_nomem();
  if (r == 0) {
    num[fmt_ulong(num, aliases_line(text.s, error.offset))] = 0;
    die(100, argv[1], ":", num, ": ", error.why, "; ", bin.s,
        " is unchanged");
  }
  if (!fwdb_replace(bin.s, tmp.s, list.s, list.len))
    die_sys(111, "unable to write ", bin.s, " through ", tmp.s);
  return 0;
}
