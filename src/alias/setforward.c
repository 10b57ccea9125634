/* setforward -- compile a table of forwarding instructions into a
 * fastforward database.
 *
 * Usage: setforward cdb tmp
 *
 * Run by whoever maintains the table (an administrator, a virtual
 * domain's owner), with no privileges of its own.  Reads instructions
 * "target: command, command;" from standard input (setforward(1)),
 * writes the database (fwdb.h) to tmp, syncs it and renames it onto
 * cdb, so that fastforward sees the old table or the whole new one.
 *
 * Exit codes: 0 done; 100 usage or a syntax error in the table (the
 * old cdb is kept); 111 a temporary failure (reading, writing, memory).
 */
#include <string.h>
#include <unistd.h>

#include "caseless.h"
#include "constdb.h"
#include "errmsg.h"
#include "fwdb.h"
#include "readfile.h"
#include "stralloc.h"

static struct constdb_make maker;
static const char *cdb_path;

static void
fail_syntax(const char *why)
{
  constdb_make_abort(&maker);
  die(100, why, "; ", cdb_path, " is unchanged");
}

static void
fail_write(void)
{
  constdb_make_abort(&maker);
  die_sys(111, "unable to write the table (", cdb_path, " is unchanged)");
}

static void
add_record(char kind, const stralloc *target, const char *data, size_t len)
{
  stralloc key = STRALLOC_ZERO;

  if (!stralloc_append(&key, kind) || !stralloc_cat(&key, target))
    fail_write();
  case_lowerb(key.s, key.len);
  if (!constdb_make_add(&maker, key.s, key.len, data, len))
    fail_write();
  stralloc_free(&key);
}

/* One command is complete: an owner goes out at once, everything else
 * joins the target's data. */
static void
finish_command(const stralloc *target, stralloc *command, stralloc *data)
{
  const char *s = command->s;
  size_t len = command->len;

  if (!len)
    return;
  switch (s[0]) {
  case '?':
    add_record('?', target, s + 1, len - 1);
    break;
  case '|': case '!': case '/': case '.':
    if (!stralloc_catb(data, s, len) || !stralloc_0(data))
      fail_write();
    break;
  case '&':
    ++s;
    --len;
    /* fall through */
  default:
    if (len > FWDB_ADDRESS_MAX)
      fail_syntax("addresses over 800 bytes are not permitted");
    if (!stralloc_append(data, '&') || !stralloc_catb(data, s, len)
        || !stralloc_0(data))
      fail_write();
  }
  command->len = 0;
}

int
main(int argc, char **argv)
{
  stralloc input = STRALLOC_ZERO, target = STRALLOC_ZERO;
  stralloc command = STRALLOC_ZERO, data = STRALLOC_ZERO;
  int in_target = 1, comment = 0, escaped = 0;
  size_t i;

  errmsg_init("setforward");
  if (argc != 3)
    die(100, "usage: setforward data.cdb data.tmp");
  cdb_path = argv[1];
  if (!readfile_fd(0, &input))
    die_sys(111, "unable to read the table (", cdb_path, " is unchanged)");
  if (memchr(input.s, 0, input.len))
    die(100, "NUL bytes are not permitted; ", cdb_path, " is unchanged");
  if (!constdb_make_start(&maker, argv[1], argv[2], 0644))
    die_sys(111, "unable to create ", argv[2]);

  for (i = 0; i < input.len; ++i) {
    char c = input.s[i];
    stralloc *word = in_target ? &target : &command;

    if (comment) {
      if (c == '\n')
        comment = 0;
      continue;
    }
    if (escaped) {
      escaped = 0;
      if (!stralloc_append(word, c))
        fail_write();
      continue;
    }
    switch (c) {
    case '\\': escaped = 1; break;
    case '#': comment = 1; break;
    case ' ': case '\t': case '\n': break;
    case ':':
      if (!in_target)
        fail_syntax("double colons are not permitted");
      in_target = 0;
      break;
    case ',':
    case ';':
      if (in_target)
        fail_syntax("commas and semicolons are not permitted before "
                    "colons");
      finish_command(&target, &command, &data);
      if (c == ';') {
        if (data.len)
          add_record(':', &target, data.s, data.len);
        target.len = data.len = 0;
        in_target = 1;
      }
      break;
    default:
      if (!stralloc_append(word, c))
        fail_write();
    }
  }
  if (escaped || !in_target || target.len)
    fail_syntax("final instruction must end with semicolon");
  if (!constdb_make_finish(&maker))
    die_sys(111, "unable to finish ", cdb_path);
  return 0;
}
