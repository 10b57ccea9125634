/* setmaillist -- compile a mailing list into fastforward's binary list
 * format.
 *
 * Usage: setmaillist bin tmp
 *
 * Run by a list's maintainer, with no privileges of its own.  Reads
 * one entry a line from standard input (setmaillist(1)): blank lines
 * and lines starting with '#' are skipped, trailing spaces and tabs
 * removed; a line starting with '.' or '/' names another binary list, a
 * line starting with '&' gives the address after it, any other line is
 * an address as it stands.  Writes the list (fwdb.h) to tmp and renames
 * it onto bin, world-readable.
 *
 * Exit codes: 0 done; 100 usage, a NUL byte or an address over 800
 * bytes (bin is unchanged); 111 a temporary failure.
 */
#include <string.h>

#include "errmsg.h"
#include "fwdb.h"
#include "readfile.h"
#include "stralloc.h"

int
main(int argc, char **argv)
{
  stralloc input = STRALLOC_ZERO, list = STRALLOC_ZERO;
  size_t pos = 0;

  errmsg_init("setmaillist");
  if (argc != 3)
    die(100, "usage: setmaillist list.bin list.tmp");
  if (!readfile_fd(0, &input))
    die_sys(111, "unable to read the list (", argv[1], " is unchanged)");
  if (memchr(input.s, 0, input.len))
    die(100, "NUL in input; ", argv[1], " is unchanged");

  while (pos < input.len) {
    const char *line = input.s + pos;
    const char *nl = memchr(line, '\n', input.len - pos);
    size_t len = nl ? (size_t)(nl - line) : input.len - pos;

    pos += len + 1;
    while (len && (line[len - 1] == ' ' || line[len - 1] == '\t'))
      --len;
    if (!len || line[0] == '#')
      continue;
    if (line[0] != '.' && line[0] != '/') {
      if (line[0] == '&') {
        ++line;
        --len;
      }
      if (len > FWDB_ADDRESS_MAX)
        die(100, "addresses must be under 800 bytes; ", argv[1],
            " is unchanged");
      if (!stralloc_append(&list, '&'))
        die_nomem();
    }
    if (!stralloc_catb(&list, line, len) || !stralloc_0(&list))
      die_nomem();
  }
  if (!fwdb_replace(argv[1], argv[2], list.s, list.len))
    die_sys(111, "unable to write ", argv[1], " through ", argv[2]);
  return 0;
}
