/* qmail-lspawn -- run local deliveries for qmail-send.
 *
 * Usage: qmail-lspawn defaultdelivery
 *
 * Started by qmail-start; the only daemon that keeps root, and only to
 * become each recipient.  For every request from qmail-send (see
 * spawn.h) it finds the user who owns the recipient's local part, becomes
 * that user and runs
 *
 *   qmail-local -- user home local dash ext domain sender defaultdelivery
 *
 * with the message on fd 0.  User resolution, like qmail-getpw: the local
 * part up to the first '-' (lowercased) names a system account if that
 * account has uid other than 0 and owns its home directory; then
 * dash is "-" and ext the rest.  Otherwise the message goes to the alias
 * user, home HOME/alias, with the whole local part as ext.  Accounts
 * come from /etc/passwd only (static musl: no NSS).
 *
 * An instance ($QMAILHOME) runs as one user (see instance.h) and delivers
 * only to that user's account and to its alias directory, HOME/alias;
 * mail for any other account is deferred with a log line saying why.
 *
 * Exit codes: 0 at end of input, 111 when requests cannot be read.
 * Each delivery's exit code is reported to qmail-send, not returned.
 */
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "instance.h"
#include "qconf.h"
#include "spawn.h"
#include "stralloc.h"

static const char *default_delivery;
static struct instance_ids ids;

static void
nomem(void)
{
  spawn_fail(111, "Out of memory. (#4.3.0)");
}

static void
become(uid_t uid, gid_t gid)
{
  if (geteuid() != 0) {
    if (uid != geteuid())
      spawn_fail(111, "This instance delivers only to its own user. (#4.3.0)");
    return;
  }
  if (setgroups(1, &gid) == -1 || setgid(gid) == -1 || setuid(uid) == -1)
    spawn_fail(111, "Unable to switch to the recipient's user id. (#4.3.0)");
}

static void
run_local(const struct spawn_request *req)
{
  const char *recipient = req->recipient;
  const char *at = strrchr(recipient, '@');
  stralloc local = STRALLOC_ZERO, domain = STRALLOC_ZERO;
  stralloc user = STRALLOC_ZERO, home = STRALLOC_ZERO, prog = STRALLOC_ZERO;
  const char ext_char[2] = { CONF_EXT_CHAR, 0 };
  const char *dash = ext_char, *ext;
  struct passwd *pw = 0;
  struct stat st;
  size_t i, userlen;
  char *argv[11];

  if (!at)
    at = recipient + strlen(recipient);
  if (!stralloc_copyb(&local, recipient, (size_t)(at - recipient))
      || !stralloc_0(&local))
    nomem();
  if (!stralloc_copys(&domain, *at ? at + 1 : "") || !stralloc_0(&domain))
    nomem();

  /* the account name: up to the first extension character, lowercased */
  for (userlen = 0; local.s[userlen] && local.s[userlen] != CONF_EXT_CHAR; ++userlen)
    ;
  if (!stralloc_copyb(&user, local.s, userlen) || !stralloc_0(&user))
    nomem();
  for (i = 0; i < userlen; ++i)
    if (user.s[i] >= 'A' && user.s[i] <= 'Z')
      user.s[i] = (char)(user.s[i] + 32);

  if (userlen && !strchr(user.s, '/'))
    pw = getpwnam(user.s);
  if (pw && pw->pw_uid != 0 && stat(pw->pw_dir, &st) == 0
      && st.st_uid == pw->pw_uid) {
    if (!stralloc_copys(&home, pw->pw_dir) || !stralloc_0(&home))
      nomem();
    if (local.s[userlen]) {
      ext = local.s + userlen + 1;
    } else {
      dash = "";
      ext = "";
    }
    if (instance_overridden() && pw->pw_uid != ids.uid[USER_ALIAS]) {
      stralloc msg = STRALLOC_ZERO;

      if (!stralloc_copys(&msg, "This instance runs as one user and delivers "
                          "only to it or to its alias; deferring mail for ")
          || !stralloc_cats(&msg, user.s) || !stralloc_cats(&msg, ". (#4.3.0)")
          || !stralloc_0(&msg))
        nomem();
      spawn_fail(111, msg.s);
    }
    become(pw->pw_uid, pw->pw_gid);
  } else {
    /* everything else belongs to the alias user */
    if (!stralloc_copys(&user, instance_user_name(USER_ALIAS)) || !stralloc_0(&user))
      nomem();
    if (!stralloc_copys(&home, instance_home()) || !stralloc_cats(&home, "/alias")
        || !stralloc_0(&home))
      nomem();
    ext = local.s;
    become(ids.uid[USER_ALIAS], ids.gid[GROUP_NOFILES]);
  }

  if (!stralloc_copys(&prog, instance_home()) || !stralloc_cats(&prog, "/bin/qmail-local")
      || !stralloc_0(&prog))
    nomem();
  argv[0] = "qmail-local";
  argv[1] = "--";
  argv[2] = user.s;
  argv[3] = home.s;
  argv[4] = local.s;
  argv[5] = (char *)dash;
  argv[6] = (char *)ext;
  argv[7] = domain.s;
  argv[8] = (char *)req->sender;
  argv[9] = (char *)default_delivery;
  argv[10] = 0;
  execv(prog.s, argv);
  spawn_fail(111, "Unable to run qmail-local. (#4.3.0)");
}

int
main(int argc, char **argv)
{
  const char *missing;

  errmsg_init("qmail-lspawn");
  if (argc != 2)
    die(100, "usage: qmail-lspawn defaultdelivery");
  default_delivery = argv[1];
  if (!instance_ids(&ids, &missing))
    die(111, "unable to find user or group ", missing ? missing : "?",
        ". (#4.3.0)");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter the home directory. (#4.3.0)");
  return spawn_main(run_local);
}
