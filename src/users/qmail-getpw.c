/* qmail-getpw -- say which system account receives mail for a local part.
 *
 * Usage: qmail-getpw local
 *
 * A lookup tool for administrators and scripts; it needs no privilege
 * and changes nothing.  It applies qmail-lspawn's system-account rule
 * (resolve.h): the longest prefix of local that is all of it or ends
 * before an extension character, lowercased, names an account with a
 * uid other than 0 that owns its home directory; otherwise the alias
 * user.  qmail-users assignments (users/cdb) are not consulted: they
 * come before this rule in qmail-lspawn.  Accounts come from
 * /etc/passwd only when the program is linked statically with musl.
 *
 * Output on fd 1: user NUL uid NUL gid NUL home NUL dash NUL ext NUL.
 *
 * Exit codes: 0 printed; 100 usage; 111 temporary trouble (a home
 * directory that cannot be examined, no alias user, out of memory, a
 * write error).
 */
#include <errno.h>

#include "buffer.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "resolve.h"
#include "stralloc.h"

static void
put_field(const char *s, size_t len)
{
  if (!buffer_put(buffer_1, s, len) || !buffer_put(buffer_1, "", 1))
    die_sys(111, "unable to write output");
}

static void
put_string(const stralloc *sa)
{
  put_field(sa->s, sa->len - 1);   /* without the terminating NUL */
}

static void
put_number(unsigned long n)
{
  char num[FMT_ULONG];

  put_field(num, fmt_ulong(num, n));
}

int
main(int argc, char **argv)
{
  struct resolve who = RESOLVE_ZERO;
  int r;

  errmsg_init("qmail-getpw");
  if (argc != 2)
    die(100, "usage: qmail-getpw local");

  r = resolve_passwd(&who, argv[1]);
  if (r == -1) {
    if (errno == ENOMEM)
      die_nomem();
    die_sys(111, "unable to examine the home directory of the account for ",
            argv[1], ". (#4.3.0)");
  }
  if (r == 0) {
    struct instance_ids ids;
    const char *missing;

    if (!instance_ids(&ids, &missing))
      die(111, "unable to find the alias user: ", missing ? missing : "?",
          " does not exist or cannot be examined. (#4.3.0)");
    if (resolve_alias(&who, argv[1], instance_user_name(USER_ALIAS),
                      instance_home(), ids.uid[USER_ALIAS],
                      ids.gid[GROUP_NOFILES]) != 1)
      die_nomem();
  }

  put_string(&who.user);
  put_number(who.uid);
  put_number(who.gid);
  put_string(&who.home);
  put_string(&who.dash);
  put_string(&who.ext);
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write output");
  return 0;
}
