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
 * with the message on fd 0.  User resolution (src/users/resolve.h):
 * first qmail-users, HOME/users/cdb as built by qmail-newu (a simple
 * assignment, else the wildcard with the longest matching prefix),
 * opened afresh for every delivery because qmail-newu replaces it by
 * rename; then a system account, as qmail-getpw finds it (uid not 0,
 * owner of its home; /etc/passwd only with static musl: no NSS); else
 * the alias user, home HOME/alias, with the whole local part as ext.
 * A qmail-users assignment to uid 0 is never obeyed: that mail is
 * deferred with a report saying so.  An unreadable or corrupt
 * users/cdb defers every delivery rather than guess.
 *
 * An instance ($QMAILHOME) runs as one user (see instance.h) and delivers
 * only to that user's account, to qmail-users assignments with that
 * user's uid and to its alias directory, HOME/alias; mail for any other
 * account is deferred with a log line saying why.
 *
 * Exit codes: 0 at end of input, 111 when requests cannot be read.
 * Each delivery's exit code is reported to qmail-send, not returned.
 */
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <unistd.h>

#include "caseless.h"
#include "../users/resolve.h"
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

/* Defer this delivery with the report a b c d. */
static void defer(const char *a, const char *b, const char *c, const char *d)
  __attribute__((noreturn));

static void
defer(const char *a, const char *b, const char *c, const char *d)
{
  stralloc msg = STRALLOC_ZERO;

  if (!stralloc_copys(&msg, a) || !stralloc_cats(&msg, b)
      || !stralloc_cats(&msg, c) || !stralloc_cats(&msg, d) || !stralloc_0(&msg))
    nomem();
  spawn_fail(111, msg.s);
}

static void
only_instance_user(const struct resolve *who)
{
  if (instance_overridden() && who->uid != (unsigned long)ids.uid[USER_ALIAS])
    defer("This instance runs as one user and delivers only to it or to its "
          "alias; deferring mail for ", who->user.s, ".", " (#4.3.0)");
}

/* Is the local part the alias user's name, alone or followed by the
 * extension character ("alias", "alias-outgoing-joe")?  Case does not
 * matter, as for every account name. */
static int
is_alias_address(const char *local)
{
  const char *name = instance_user_name(USER_ALIAS);
  size_t n = strlen(name);

  if (strlen(local) < n || !case_equalb(local, name, n))
    return 0;
  return local[n] == 0 || local[n] == CONF_EXT_CHAR;
}

static void
run_local(const struct spawn_request *req)
{
  const char *recipient = req->recipient;
  const char *at = strrchr(recipient, '@');
  stralloc local = STRALLOC_ZERO, domain = STRALLOC_ZERO, prog = STRALLOC_ZERO;
  struct resolve who = RESOLVE_ZERO;
  int r;
  char *argv[11];

  if (!at)
    at = recipient + strlen(recipient);
  if (!stralloc_copyb(&local, recipient, (size_t)(at - recipient))
      || !stralloc_0(&local))
    nomem();
  if (!stralloc_copys(&domain, *at ? at + 1 : "") || !stralloc_0(&domain))
    nomem();

  r = resolve_users(&who, "users/cdb", local.s);
  if (r == -1) {
    if (errno == ENOMEM)
      nomem();
    if (errno == EINVAL)
      defer("users/cdb has a malformed assignment for ", local.s,
            "; rebuild it with qmail-newu.", " (#4.3.0)");
    if (errno == EPROTO)
      defer("users/cdb is corrupt or truncated; rebuild it with qmail-newu.",
            "", "", " (#4.3.0)");
    defer("Unable to read users/cdb: ", strerror(errno), ".", " (#4.3.0)");
  }
  if (r == 1) {
    if (who.uid == 0)
      defer("users/cdb assigns ", local.s,
            " to uid 0; qmail-lspawn never delivers as root.", " (#4.3.0)");
    only_instance_user(&who);
    become((uid_t)who.uid, (gid_t)who.gid);
  } else if (is_alias_address(local.s)) {
    /* "alias-outgoing-joe": the alias user by name, as qmail finds it
     * in /etc/passwd; its home is always HOME/alias */
    const char *rest = local.s + strlen(instance_user_name(USER_ALIAS));

    if (resolve_alias(&who, *rest ? rest + 1 : "", instance_user_name(USER_ALIAS),
                      instance_home(), ids.uid[USER_ALIAS],
                      ids.gid[GROUP_NOFILES]) != 1)
      nomem();
    if (!*rest && (!stralloc_copys(&who.dash, "") || !stralloc_0(&who.dash)))
      nomem();
    become(ids.uid[USER_ALIAS], ids.gid[GROUP_NOFILES]);
  } else {
    r = resolve_passwd(&who, local.s);
    if (r == -1) {
      if (errno == ENOMEM)
        nomem();
      defer("Unable to examine the recipient's home directory: ",
            strerror(errno), ".", " (#4.3.0)");
    }
    if (r == 1) {
      only_instance_user(&who);
      become((uid_t)who.uid, (gid_t)who.gid);
    } else {
      /* everything else belongs to the alias user */
      if (resolve_alias(&who, local.s, instance_user_name(USER_ALIAS),
                        instance_home(), ids.uid[USER_ALIAS],
                        ids.gid[GROUP_NOFILES]) != 1)
        nomem();
      become(ids.uid[USER_ALIAS], ids.gid[GROUP_NOFILES]);
    }
  }

  if (!stralloc_copys(&prog, instance_home()) || !stralloc_cats(&prog, "/bin/qmail-local")
      || !stralloc_0(&prog))
    nomem();
  argv[0] = "qmail-local";
  argv[1] = "--";
  argv[2] = who.user.s;
  argv[3] = who.home.s;
  argv[4] = local.s;
  argv[5] = who.dash.s;
  argv[6] = who.ext.s;
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
