/* qmail-start -- start the queue daemons with their privileges split.
 *
 * Usage: qmail-start [defaultdelivery [logger [arg ...]]]
 *
 * Run as root by a boot script or a supervise run script (or, for an
 * instance, by any user).  Creates the pipes between the daemons, then
 * starts qmail-lspawn (stays root), qmail-rspawn (qmailr), qmail-clean
 * (qmailq) and, when given, the logger program (qmaill) reading
 * qmail-send's log; finally it becomes qmail-send itself (qmails), so a
 * supervisor's signals reach qmail-send.  Without a logger, qmail-send
 * logs to qmail-start's standard output.  defaultdelivery (default
 * "./Mailbox") is the delivery for users without a .qmail file, one
 * dot-qmail line per line.  Every daemon runs from HOME/bin.
 *
 * In an instance started by a non-root user every daemon runs as that
 * user; started by root, as the owner of the instance directory.  An
 * instance directory owned by root therefore runs everything as root:
 * qmail-start still starts it (queueing and remote delivery work), but
 * warns, and qmail-lspawn defers every local delivery, because nothing
 * is ever delivered as root.  The same warning comes when the alias
 * user of an installed system has uid 0.  Every switch of user is
 * prot_become (setgroups, setgid, setuid, checked).
 *
 * qmail-send gets: fd 0 the log, fds 1/2 requests to / results from
 * qmail-lspawn, 3/4 the same for qmail-rspawn, 5/6 for qmail-clean.
 *
 * Exit codes: 111 when something cannot be started (the message says
 * what); otherwise it does not return, being qmail-send.
 */
#include <fcntl.h>
#include <unistd.h>

#include "errmsg.h"
#include "fd.h"
#include "instance.h"
#include "prot.h"
#include "stralloc.h"

static struct instance_ids ids;
static const char *home;

static void
program_path(stralloc *path, const char *name)
{
  if (!stralloc_copys(path, home) || !stralloc_cats(path, "/bin/")
      || !stralloc_cats(path, name) || !stralloc_0(path))
    die_nomem();
}

static void
become(enum instance_user user, enum instance_group group)
{
  if (geteuid() != 0)
    return;
  if (!prot_become(ids.uid[user], ids.gid[group]))
    die_sys(111, "unable to switch to user ", instance_user_name(user));
}

/* Put the given descriptors on 0, 1, 2, ... in order and close the rest. */
static void
arrange(const int *fds, int count)
{
  int i, copies[16];

  /* move everything out of the way first: sources may overlap targets */
  for (i = 0; i < count; ++i) {
    copies[i] = fcntl(fds[i], F_DUPFD, 20);
    if (copies[i] == -1)
      die_sys(111, "unable to duplicate a descriptor");
  }
  for (i = 0; i < count; ++i)
    if (!fd_move(i, copies[i]))
      die_sys(111, "unable to move a descriptor");
  for (i = count; i < 64; ++i)
    close(i);
}

static void
start(const char *what, enum instance_user user, enum instance_group group,
      const int *fds, int count, char **argv)
{
  pid_t pid = fork();

  if (pid == -1)
    die_sys(111, "unable to fork for ", what);
  if (pid)
    return;
  arrange(fds, count);
  become(user, group);
  execv(argv[0], argv);
  die_sys(111, "unable to run ", argv[0]);
}

int
main(int argc, char **argv)
{
  int lspawn_in[2], lspawn_out[2], rspawn_in[2], rspawn_out[2];
  int clean_in[2], clean_out[2], log[2];
  int fds[7];
  const char *missing;
  const char *delivery = argc > 1 ? argv[1] : "./Mailbox";
  stralloc lspawn = STRALLOC_ZERO, rspawn = STRALLOC_ZERO;
  stralloc clean = STRALLOC_ZERO, send = STRALLOC_ZERO;
  char *args[3];

  errmsg_init("qmail-start");
  home = instance_home();
  if (!instance_ids(&ids, &missing))
    die(111, "unable to find user or group ", missing ? missing : "?",
        ": create the qmail users first (porting/users-linux.sh). (#4.3.0)");
  if (chdir(home) == -1)
    die_sys(111, "unable to enter ", home);
  if (geteuid() == 0 && ids.uid[USER_ALIAS] == 0) {
    if (instance_overridden())
      warn("the instance directory ", home, " is owned by root, so every "
           "daemon runs as root and every local delivery will be deferred "
           "(nothing is delivered as root): give the directory to an "
           "unprivileged user (chown -R) and start again.");
    else
      warn("the alias user ", instance_user_name(USER_ALIAS), " has uid 0, "
           "so its mail will be deferred (nothing is delivered as root): "
           "give it an unprivileged uid of its own.");
  }
  if (pipe(lspawn_in) == -1 || pipe(lspawn_out) == -1 || pipe(rspawn_in) == -1
      || pipe(rspawn_out) == -1 || pipe(clean_in) == -1 || pipe(clean_out) == -1)
    die_sys(111, "unable to create pipes");

  /* the logger reads what qmail-send writes on its fd 0 */
  if (argc > 2) {
    if (pipe(log) == -1)
      die_sys(111, "unable to create the log pipe");
    fds[0] = log[0]; fds[1] = 1; fds[2] = 2;
    start("the logger", USER_LOG, GROUP_NOFILES, fds, 3, argv + 2);
    close(log[0]);
  } else {
    log[1] = dup(1);
    if (log[1] == -1)
      die_sys(111, "unable to duplicate standard output");
  }

  program_path(&lspawn, "qmail-lspawn");
  program_path(&rspawn, "qmail-rspawn");
  program_path(&clean, "qmail-clean");
  program_path(&send, "qmail-send");

  /* daemons: requests on 0, results on 1, warnings into the log on 2 */
  fds[0] = lspawn_in[0]; fds[1] = lspawn_out[1]; fds[2] = log[1];
  args[0] = lspawn.s; args[1] = (char *)delivery; args[2] = 0;
  start("qmail-lspawn", USER_OWNER, GROUP_QMAIL, fds, 3, args);
  fds[0] = rspawn_in[0]; fds[1] = rspawn_out[1];
  args[0] = rspawn.s; args[1] = 0;
  start("qmail-rspawn", USER_REMOTE, GROUP_QMAIL, fds, 3, args);
  fds[0] = clean_in[0]; fds[1] = clean_out[1];
  args[0] = clean.s;
  start("qmail-clean", USER_QUEUE, GROUP_QMAIL, fds, 3, args);

  fds[0] = log[1];
  fds[1] = lspawn_in[1]; fds[2] = lspawn_out[0];
  fds[3] = rspawn_in[1]; fds[4] = rspawn_out[0];
  fds[5] = clean_in[1]; fds[6] = clean_out[0];
  arrange(fds, 7);
  become(USER_SEND, GROUP_QMAIL);
  args[0] = send.s; args[1] = 0;
  execv(args[0], args);
  die_sys(111, "unable to run ", send.s);
}
