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
 * with the message on fd 0.  The recipient is found by the library's
 * resolver (src/lib/recipient.h), the same code qmail-getpw reports
 * with: qmail-users (HOME/users/cdb, opened afresh for every delivery
 * because qmail-newu replaces it by rename), then the alias user asked
 * for by name ("alias", "alias-ext"), then a system account (uid not 0,
 * owner of its home; /etc/passwd only with static musl: no NSS), else
 * the alias user, home HOME/alias, with the whole local part as ext.
 * An unreadable or corrupt users/cdb defers every delivery rather than
 * guess.
 *
 * Never as root: whatever the source of the answer (a qmail-users
 * assignment, an alias user with uid 0, an instance directory owned by
 * root, which maps every role to root), a delivery whose user is uid 0
 * is deferred with a report saying what to fix; no program of a .qmail
 * file ever runs as root.  The switch happens in the delivery's own
 * process on its way to qmail-local (spawn_exec_as: setgroups, setgid,
 * setuid, then a check that root cannot come back), so qmail-lspawn,
 * which reports the result, stays out of the recipient's reach; a switch
 * that fails defers the delivery.
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
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "instance.h"
#include "recipient.h"
#include "spawn.h"
#include "stralloc.h"

static const char *default_delivery;
static struct instance_ids ids;

static void
nomem(void)
{
  spawn_fail(111, "Out of memory. (#4.3.0)");
}

/* Defer this delivery with the report a b c d. */
static void defer(const char *a, const char *b, const char *c, const char *d)
  __attribute__((noreturn));

static void
defer(const char *a, const char *b, const char *c, const char *d)
{
  static stralloc msg = STRALLOC_ZERO;   /* reused: spawn_fail does not return */

  if (!stralloc_copys(&msg, a) || !stralloc_cats(&msg, b)
      || !stralloc_cats(&msg, c) || !stralloc_cats(&msg, d) || !stralloc_0(&msg))
    nomem();
  spawn_fail(111, msg.s);
}

/* The resolver could not answer: say which step failed and why. */
static void __attribute__((noreturn))
defer_unresolved(const struct recipient *who, const char *local)
{
  if (errno == ENOMEM)
    nomem();
  switch (who->source) {
  case RECIPIENT_USERS:
    if (errno == EINVAL)
      defer("users/cdb has a malformed assignment for ", local,
            "; rebuild it with qmail-newu.", " (#4.3.0)");
    if (errno == EPROTO)
      defer("users/cdb is corrupt or truncated; rebuild it with qmail-newu.",
            "", "", " (#4.3.0)");
    defer("Unable to read users/cdb: ", strerror(errno), ".", " (#4.3.0)");
  case RECIPIENT_PASSWD:
    defer("Unable to examine the recipient's home directory: ",
          strerror(errno), ".", " (#4.3.0)");
  default:
    defer("Unable to find the alias user: ", strerror(errno), ".", " (#4.3.0)");
  }
}

/* A delivery to uid 0 is never made; the report says what to fix. */
static void __attribute__((noreturn))
refuse_root(const struct recipient *who, const char *local)
{
  if (who->source == RECIPIENT_USERS)
    defer("users/cdb assigns ", local,
          " to uid 0; qmail-lspawn never delivers as root.", " (#4.3.0)");
  if (who->source == RECIPIENT_PASSWD)
    defer("Refusing to deliver as root (uid 0) for the account ", who->user.s,
          ".", " (#4.3.0)");
  if (instance_overridden())
    defer("Refusing to deliver as root (uid 0): the instance directory ",
          instance_home(), " is owned by root, so every role of the instance "
          "is root; give the directory to an unprivileged user (chown -R) and "
          "restart the instance.", " (#4.3.0)");
  defer("Refusing to deliver as root (uid 0): the alias user ",
        instance_user_name(USER_ALIAS), " has uid 0; give it an unprivileged "
        "uid of its own.", " (#4.3.0)");
}

static void
only_instance_user(const struct recipient *who)
{
  if (instance_overridden() && who->uid != (unsigned long)ids.uid[USER_ALIAS])
    defer("This instance runs as one user and delivers only to it or to its "
          "alias; deferring mail for ", who->user.s, ".", " (#4.3.0)");
}

/* May the delivery run as who?  1 with a switch to do (as root), 0
 * when this process already is who (an instance run by its user). */
static int
check_user(const struct recipient *who, const char *local)
{
  if (who->uid == 0)
    refuse_root(who, local);
  if (geteuid() != 0) {
    if (who->uid != (unsigned long)geteuid())
      spawn_fail(111, "This instance delivers only to its own user. (#4.3.0)");
    return 0;
  }
  return 1;
}

static void
run_local(const struct spawn_request *req)
{
  const char *recipient = req->recipient;
  const char *at = strrchr(recipient, '@');
  /* reused from one delivery to the next: this runs in the daemon, and
   * spawn_exec and spawn_fail do not return here */
  static stralloc local = STRALLOC_ZERO, domain = STRALLOC_ZERO, prog = STRALLOC_ZERO;
  static struct recipient who = RECIPIENT_ZERO;
  char *argv[11];
  int switch_user;

  if (!at)
    at = recipient + strlen(recipient);
  if (!stralloc_copyb(&local, recipient, (size_t)(at - recipient))
      || !stralloc_0(&local))
    nomem();
  if (!stralloc_copys(&domain, *at ? at + 1 : "") || !stralloc_0(&domain))
    nomem();

  if (!recipient_find(&who, instance_home(), &ids, local.s))
    defer_unresolved(&who, local.s);
  if (who.uid == 0)
    refuse_root(&who, local.s);
  if (who.source == RECIPIENT_USERS || who.source == RECIPIENT_PASSWD)
    only_instance_user(&who);
  switch_user = check_user(&who, local.s);

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
  if (switch_user) {
    spawn_exec_as(prog.s, argv, (long)who.uid, (long)who.gid);
    if (errno == EPERM || errno == EINVAL)
      defer("Unable to switch to the recipient's user id: ", strerror(errno),
            ".", " (#4.3.0)");
  } else
    spawn_exec(prog.s, argv);
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
