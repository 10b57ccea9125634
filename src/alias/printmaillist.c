/* printmaillist -- print a binary mailing list as setmaillist input.
 *
 * Usage: printmaillist < bin
 *
 * Reads a list made by setmaillist or newinclude (fwdb.h) from standard
 * input and prints each entry on a line of its own ("&address",
 * "/path.bin"), as Debian's fastforward 0.51 does.
 *
 * Exit codes: 0 done; 100 the input is not a binary mailing list; 111
 * reading or writing failed.
 */
#include "buffer.h"
#include "errmsg.h"
#include "fwdb.h"
#include "readfile.h"
#include "stralloc.h"

int
main(int argc, char **argv)
{
  stralloc list = STRALLOC_ZERO;
  size_t i;

  (void)argv;
  errmsg_init("printmaillist");
  if (argc != 1)
    die(100, "usage: printmaillist < list.bin");
  if (!readfile_fd(0, &list))
    die_sys(111, "unable to read input");
  if (!fwdb_maillist_valid(list.s, list.len))
    die(100, "bad mailing list format");
  for (i = 0; i < list.len; ++i)
    if (!list.s[i])
      list.s[i] = '\n';
  if (!buffer_writeall(buffer_unixwrite, 1, 0, list.s, list.len))
    die_sys(111, "unable to write output");
  return 0;
}
