/* Unit tests for prot: changing user and groups, checked.  The tests
 * that change ids run in a forked child, so the test program keeps its
 * own; run by root, the "ordinary user" cases first drop to nobody. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prot.h"
#include "unit.h"

static uid_t nobody_uid = 65534;
static gid_t nobody_gid = 65534;

static void
skip(const char *name, const char *why)
{
  ++unit_cases;
  printf("ok %d - %s # SKIP %s\n", unit_cases, name, why);
}

/* Run fn in a child; 1 when it returned 1.  Its "#" lines explain a
 * failure. */
static int
in_child(int (*fn)(void))
{
  int status;
  pid_t pid;

  fflush(stdout);
  pid = fork();
  if (pid == -1)
    return 0;
  if (pid == 0) {
    int ok = fn();

    fflush(stdout);
    _exit(ok ? 0 : 1);
  }
  if (waitpid(pid, &status, 0) != pid)
    return 0;
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static int
say(const char *what)
{
  printf("# child: %s\n", what);
  return 0;
}

/* In the child: be an ordinary user (drop to nobody when root). */
static int
ordinary(void)
{
  if (geteuid() != 0)
    return 1;
  return prot_become(nobody_uid, nobody_gid) || say("cannot drop to nobody");
}

static int
child_become_self(void)
{
  uid_t uid;
  gid_t gid;

  if (!ordinary())
    return 0;
  uid = getuid();
  gid = getgid();
  if (!prot_become(uid, gid))
    return say("becoming oneself failed");
  if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
    return say("the ids changed");
  return 1;
}

static int
child_become_other(void)
{
  uid_t uid;
  gid_t gid;

  if (!ordinary())
    return 0;
  uid = getuid();
  gid = getgid();
  errno = 0;
  if (prot_become(uid + 1, gid) || errno != EPERM)
    return say("another uid: not refused with EPERM");
  errno = 0;
  if (prot_become(uid, gid + 1) || errno != EPERM)
    return say("another gid: not refused with EPERM");
  errno = 0;
  if (prot_become(0, 0) || errno != EPERM)
    return say("root: not refused with EPERM");
  if (getuid() != uid || geteuid() != uid || getgid() != gid || getegid() != gid)
    return say("a refused switch changed the ids");
  return 1;
}

static int
child_root_to_nobody(void)
{
  gid_t extra[3] = { 0, 1, 2 };
  gid_t now[8];
  int n;

  /* start with several supplementary groups: all must go */
  if (setgroups(3, extra) == -1)
    return say("setgroups for the setup failed");
  if (!prot_become(nobody_uid, nobody_gid))
    return say("root could not become nobody");
  if (getuid() != nobody_uid || geteuid() != nobody_uid)
    return say("uid is not nobody's");
  if (getgid() != nobody_gid || getegid() != nobody_gid)
    return say("gid is not nobody's");
  n = getgroups(8, now);
  if (n != 1 || now[0] != nobody_gid)
    return say("the supplementary groups are not just nobody's group");
  if (setuid(0) != -1 || seteuid(0) != -1)
    return say("root came back");
  return 1;
}

static int
child_root_stays_root(void)
{
  gid_t now[8];

  if (!prot_become(0, 0))
    return say("root could not become root");
  if (getuid() != 0 || getgid() != 0 || getgroups(8, now) != 1 || now[0] != 0)
    return say("ids or groups are wrong");
  return 1;
}

static void
test_become_self(void)
{
  CHECK(in_child(child_become_self));
}

static void
test_become_other_refused(void)
{
  CHECK(in_child(child_become_other));
}

static void
test_root_to_nobody(void)
{
  CHECK(in_child(child_root_to_nobody));
}

static void
test_root_stays_root(void)
{
  CHECK(in_child(child_root_stays_root));
}

int
main(void)
{
  struct passwd *pw = getpwnam("nobody");

  if (pw) {
    nobody_uid = pw->pw_uid;
    nobody_gid = pw->pw_gid;
  }
  RUN(test_become_self);
  RUN(test_become_other_refused);
  if (geteuid() == 0) {
    RUN(test_root_to_nobody);
    RUN(test_root_stays_root);
  } else {
    skip("test_root_to_nobody", "needs root");
    skip("test_root_stays_root", "needs root");
  }
  return unit_done();
}
