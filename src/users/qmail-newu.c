/* qmail-newu -- compile HOME/users/assign into HOME/users/cdb.
 *
 * Usage: qmail-newu
 *
 * Run by the administrator (as root on an installed system, as the
 * instance user in an instance) after every change to users/assign.
 * Reads the assignments (qmail-users format, see qmail-newu.8), checks
 * every line, and writes users/cdb.tmp, which is synced and renamed onto
 * users/cdb only when the whole file was good: qmail-lspawn sees the
 * old database or the complete new one, never a mixture, and a bad
 * assign file leaves the old database in place.  The cdb layout is
 * qmail's (see src/lib/recipient.h).
 *
 * Exit codes: 0 done; 111 for everything else (a syntax error, a
 * missing final "." line, unreadable assign, unwritable cdb), as
 * qmail's qmail-newu does; the message names the line.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "caseless.h"
#include "constdb.h"
#include "errmsg.h"
#include "instance.h"
#include "readfile.h"
#include "recipient.h"
#include "stralloc.h"

#define ASSIGN "users/assign"
#define CDB "users/cdb"

static struct constdb_make maker;
static int making;

static void fail(const char *a, const char *b, const char *c)
  __attribute__((noreturn));
static void syntax(unsigned long line, const char *why) __attribute__((noreturn));

static void
fail(const char *a, const char *b, const char *c)
{
  if (making)
    constdb_make_abort(&maker);
  die(111, a, b, c);
}

static void
nomem(void)
{
  fail("out of memory.", "", "");
}

/* "users/assign line N" */
static const char *
line_label(unsigned long line)
{
  static stralloc label = STRALLOC_ZERO;

  if (!stralloc_copys(&label, ASSIGN " line ") || !stralloc_catulong(&label, line)
      || !stralloc_0(&label))
    nomem();
  return label.s;
}

static void
syntax(unsigned long line, const char *why)
{
  fail(line_label(line), ": ", why);
}


/* One assignment line (without its newline): add its record. */
static void
add_assignment(const char *line, size_t len, unsigned long lineno,
               stralloc *wildchars)
{
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO;
  size_t colon[8];
  size_t i, ncolons = 0;
  unsigned long uid, gid;

  if (line[0] != '=' && line[0] != '+')
    syntax(lineno, "an assignment starts with '=' (one address) or '+' "
           "(a prefix); the list must end with a line holding a single '.'");
  for (i = 1; i < len; ++i)
    if (line[i] == ':') {
      if (ncolons == 7)
        syntax(lineno, "too many fields (the form is "
               "=local:user:uid:gid:homedir:dash:ext:)");
      colon[ncolons++] = i;
    }
  if (ncolons < 7)
    syntax(lineno, "too few fields (the form is =local:user:uid:gid:homedir:dash:ext:)");
  if (colon[6] != len - 1)
    syntax(lineno, "the line must end with ':' after the ext field");
  if (colon[1] == colon[0] + 1)
    syntax(lineno, "the user field is empty");
  if (!recipient_scan_id(line + colon[1] + 1, colon[2] - colon[1] - 1, &uid))
    syntax(lineno, "the uid is not a decimal number");
  if (!recipient_scan_id(line + colon[2] + 1, colon[3] - colon[2] - 1, &gid))
    syntax(lineno, "the gid is not a decimal number");
  if (line[colon[3] + 1] != '/')
    syntax(lineno, "the home directory must be an absolute path");
  if (uid == 0)
    warn(line_label(lineno), ": uid 0: qmail-lspawn defers such mail "
         "instead of delivering it as root");

  if (!stralloc_copys(&key, "!"))
    nomem();
  for (i = 1; i < colon[0]; ++i)
    if (!stralloc_append(&key, case_lower(line[i])))
      nomem();
  if (line[0] == '=') {
    if (!stralloc_0(&key))
      nomem();
  } else if (colon[0] > 1) {
    char last = key.s[key.len - 1];

    if (!memchr(wildchars->s ? wildchars->s : "", last, wildchars->len)
        && !stralloc_append(wildchars, last))
      nomem();
  }

  /* user NUL uid NUL gid NUL home NUL dash NUL ext: the line after the
   * address, colons turned into NULs, without the final colon */
  if (!stralloc_copyb(&data, line + colon[0] + 1, colon[6] - colon[0] - 1))
    nomem();
  for (i = 0; i < data.len; ++i)
    if (data.s[i] == ':')
      data.s[i] = 0;

  if (!constdb_make_add(&maker, key.s, key.len, data.s, data.len))
    fail("unable to write " CDB ".tmp: ", strerror(errno), "");
  stralloc_free(&key);
  stralloc_free(&data);
}

int
main(int argc, char **argv)
{
  stralloc assign = STRALLOC_ZERO, wildchars = STRALLOC_ZERO;
  size_t pos = 0;
  unsigned long lineno = 0;
  int done = 0;

  (void)argv;
  errmsg_init("qmail-newu");
  if (argc != 1)
    die(100, "usage: qmail-newu");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter ", instance_home());
  if (!readfile(ASSIGN, &assign))
    die_sys(111, "unable to read " ASSIGN);

  if (!constdb_make_start(&maker, CDB, 0, 0644))
    die_sys(111, "unable to create " CDB ".tmp");
  making = 1;
  if (!stralloc_copys(&wildchars, ""))
    nomem();

  while (pos < assign.len) {
    const char *line = assign.s + pos;
    const char *nl = memchr(line, '\n', assign.len - pos);
    size_t len = nl ? (size_t)(nl - line) : assign.len - pos;

    ++lineno;
    pos += len + (nl ? 1 : 0);
    if (len == 1 && line[0] == '.') {
      done = 1;
      break;
    }
    if (memchr(line, 0, len))
      syntax(lineno, "the line contains a NUL byte");
    if (!nl)
      syntax(lineno, "the last line has no newline, and the list does not "
             "end with a line holding a single '.'");
    if (len == 0)
      syntax(lineno, "empty line (the list ends with a line holding a single '.')");
    add_assignment(line, len, lineno, &wildchars);
  }
  if (!done)
    fail(ASSIGN " does not end with a line holding a single '.': "
         "refusing to build " CDB " from a file that may be cut short; ",
         CDB " is unchanged", "");

  if (!constdb_make_add(&maker, "", 0, wildchars.s, wildchars.len))
    fail("unable to write " CDB ".tmp: ", strerror(errno), "");
  making = 0;
  if (!constdb_make_finish(&maker))
    die_sys(111, "unable to finish " CDB);
  return 0;
}
