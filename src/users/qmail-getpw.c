/* qmail-getpw -- say who receives the mail for a local part.
 *
 * Usage: qmail-getpw local
 *
 * A lookup tool for administrators and scripts; it needs no privilege
 * and changes nothing.  It asks the resolver qmail-lspawn delivers with
 * (src/lib/recipient.h), so the two cannot disagree: HOME/users/cdb
 * (qmail-users), then the alias user asked for by name, then a system
 * account (the longest prefix of local that is all of it or ends before
 * an extension character, lowercased, naming an account with a uid
 * other than 0 that owns its home directory), else the alias user with
 * home HOME/alias.  HOME is the instance's ($QMAILHOME) or the installed
 * system's.  Accounts come from /etc/passwd only when the program is
 * linked statically with musl.  It reports the answer even where
 * qmail-lspawn would then defer the delivery (uid 0; in an instance, a
 * uid other than the instance's).
 *
 * Output on fd 1: user NUL uid NUL gid NUL home NUL dash NUL ext NUL.
 *
 * Exit codes: 0 printed; 100 usage; 111 temporary trouble (users/cdb
 * unreadable, corrupt or holding a malformed assignment, a home
 * directory that cannot be examined, no alias user, out of memory, a
 * write error).
 */
#include <errno.h>

#include "buffer.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "recipient.h"
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
  struct recipient who = RECIPIENT_ZERO;

  errmsg_init("qmail-getpw");
  if (argc != 2)
    die(100, "usage: qmail-getpw local");

  if (!recipient_find(&who, instance_home(), 0, argv[1])) {
    if (errno == ENOMEM)
      die_nomem();
    switch (who.source) {
    case RECIPIENT_USERS:
      if (errno == EINVAL)
        die(111, "users/cdb has a malformed assignment for ", argv[1],
            "; rebuild it with qmail-newu. (#4.3.0)");
      if (errno == EPROTO)
        die(111, "users/cdb is corrupt or truncated; rebuild it with "
            "qmail-newu. (#4.3.0)");
      die_sys(111, "unable to read users/cdb. (#4.3.0)");
    case RECIPIENT_PASSWD:
      die_sys(111, "unable to examine the home directory of the account for ",
              argv[1], ". (#4.3.0)");
    default:
      if (who.missing && who.missing[0] == '/')
        die_sys(111, "unable to find the alias user: cannot examine the "
                "instance directory ", who.missing, ". (#4.3.0)");
      if (errno == ENOENT)
        die(111, "unable to find the alias user: ",
            who.missing ? who.missing : "?", " does not exist. (#4.3.0)");
      die_sys(111, "unable to find the alias user: cannot examine ",
              who.missing ? who.missing : "?", ". (#4.3.0)");
    }
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
