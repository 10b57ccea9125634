/* tcprules -- compile tcpserver's connection rules into a database.
 *
 * Usage: tcprules rules.cdb rules.tmp < rules.txt
 *
 * Run by the administrator or a start script after every change to the
 * rules, as a user who may write both files' directory; it needs no
 * other privilege.  Reads the rules (rulescdb.h, tcprules.1) from
 * standard input, writes rules.tmp, syncs it, renames it onto rules.cdb
 * and syncs the directory: a tcpserver running meanwhile sees the old
 * database or the complete new one.  Any line that is not a rule, a
 * comment or blank stops it before rules.cdb is touched, naming the
 * line.  The database is ucspi-tcp's format, byte for byte.
 *
 * Exit codes: 0 when the new database is in place; 100 for a usage
 * error; 111 for a malformed line, unreadable input, a rules.tmp that
 * cannot be written or renamed, or lack of memory.  In every failure
 * rules.cdb is left as it was and rules.tmp is removed.
 */
#include <errno.h>
#include <string.h>

#include "buffer.h"
#include "constdb.h"
#include "errmsg.h"
#include "fmt.h"
#include "rulescdb.h"
#include "stralloc.h"

#define EXCERPT 60

static struct constdb_make maker;
static int making;
static const char *cdbname;

static void fail(const char *a, const char *b, const char *c, const char *d)
  __attribute__((noreturn));

static void
fail(const char *a, const char *b, const char *c, const char *d)
{
  if (making)
    constdb_make_abort(&maker);
  die(111, a, b, c, d, "; ", cdbname, " is unchanged");
}

/* The first bytes of a line, control characters shown as '?'. */
static const char *
excerpt(const char *line, size_t len)
{
  static char out[EXCERPT + 4];
  size_t i, n = len > EXCERPT ? EXCERPT : len;

  for (i = 0; i < n; ++i) {
    unsigned char c = (unsigned char)line[i];

    out[i] = c < ' ' || c >= 127 ? '?' : (char)c;
  }
  if (n < len)
    memcpy(out + n, "...", 3), n += 3;
  out[n] = 0;
  return out;
}

int
main(int argc, char **argv)
{
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;
  stralloc line = STRALLOC_ZERO, key = STRALLOC_ZERO;
  unsigned long lineno = 0;

  errmsg_init("tcprules");
  if (argc != 3)
    die(100, "usage: tcprules rules.cdb rules.tmp < rules.txt");
  cdbname = argv[1];
  if (!constdb_make_start(&maker, argv[1], argv[2], 0644))
    die_sys(111, "unable to create ", argv[2]);
  making = 1;

  for (;;) {
    char number[FMT_ULONG];
    int more, r;
    unsigned int i, keys;

    line.len = 0;
    more = buffer_getline(buffer_0, &line, '\n');
    if (more == -1)
      fail("unable to read the rules: ", strerror(errno), "", "");
    if (more == 0 && line.len == 0)
      break;
    ++lineno;
    if (line.len && line.s[line.len - 1] == '\n')
      --line.len;
    r = rulescdb_parse(&rule, line.s, line.len);
    if (r == -1) {
      if (errno != EINVAL)
        fail("out of memory", "", "", "");
      number[fmt_ulong(number, lineno)] = 0;
      {
        stralloc why = STRALLOC_ZERO;

        if (!stralloc_copys(&why, rule.error) || !stralloc_cats(&why, ": ")
            || !stralloc_cats(&why, excerpt(line.s, line.len))
            || !stralloc_0(&why))
          fail("out of memory", "", "", "");
        fail("unable to parse line ", number, ": ", why.s);
      }
    }
    keys = r == 1 ? rulescdb_keys(&rule) : 0;
    for (i = 0; i < keys; ++i) {
      if (!rulescdb_key(&rule, i, &key))
        fail("out of memory", "", "", "");
      if (!constdb_make_add(&maker, key.s, key.len, rule.data.s,
                            rule.data.len))
        fail("unable to write ", argv[2], ": ", strerror(errno));
    }
    if (more == 0)
      break;
  }
  making = 0;
  if (!constdb_make_finish(&maker))
    die_sys(111, "unable to put ", argv[2], " in place as ", argv[1]);
  return 0;
}
