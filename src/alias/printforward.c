/* printforward -- print a fastforward database as setforward input.
 *
 * Usage: printforward < cdb
 *
 * Reads the database (fwdb.h) from standard input, which may be a pipe,
 * and prints every instruction in file order: a ":" record as
 * "target:", one ", command" line per command and ";", an owner record
 * as "target: ?owner;".  Bytes setforward would not read back as
 * themselves are escaped with a backslash, so that
 * "printforward < a.cdb | setforward b.cdb b.tmp" makes b.cdb equal to
 * a.cdb.  The output is Debian's fastforward 0.51's, byte for byte.
 *
 * Exit codes: 0 done; 100 the input is not a forwarding database; 111
 * reading or writing failed.
 */
#include <errno.h>

#include "buffer.h"
#include "errmsg.h"
#include "fwdb.h"
#include "readfile.h"
#include "stralloc.h"

static char space[BUFFER_OUTSIZE];
static buffer out = BUFFER_INIT(buffer_unixwrite, 1, 0, space, sizeof space);

static void
put(const stralloc *s)
{
  if (!buffer_put(&out, s->s, s->len))
    die_sys(111, "unable to write output");
}

int
main(int argc, char **argv)
{
  stralloc image = STRALLOC_ZERO, line = STRALLOC_ZERO;
  const char *key, *data;
  size_t klen, dlen, pos = 0;
  int r;

  (void)argv;
  errmsg_init("printforward");
  if (argc != 1)
    die(100, "usage: printforward < data.cdb");
  if (!readfile_fd(0, &image))
    die_sys(111, "unable to read input");
  while ((r = fwdb_image_walk(image.s, image.len, &pos, &key, &klen,
                              &data, &dlen)) == 1) {
    line.len = 0;
    if (klen < 1 || (key[0] != ':' && key[0] != '?'))
      die(100, "bad database format");
    if (!fwdb_escape(&line, key + 1, klen - 1))
      die_nomem();
    if (key[0] == '?') {
      if (!stralloc_cats(&line, ": ?") || !fwdb_escape(&line, data, dlen)
          || !stralloc_cats(&line, ";\n"))
        die_nomem();
    } else {
      size_t i = 0;

      if (!fwdb_forward_valid(data, dlen))
        die(100, "bad database format");
      if (!stralloc_cats(&line, ":\n"))
        die_nomem();
      while (i < dlen) {
        size_t n = 0;

        while (data[i + n])
          ++n;
        if (!stralloc_cats(&line, ", ") || !fwdb_escape(&line, data + i, n)
            || !stralloc_append(&line, '\n'))
          die_nomem();
        i += n + 1;
      }
      if (!stralloc_cats(&line, ";\n"))
        die_nomem();
    }
    put(&line);
  }
  if (r == -1)
    die(100, "bad database format");
  if (!buffer_flush(&out))
    die_sys(111, "unable to write output");
  return 0;
}
