/* Unit tests for rcptcheck: qmail-smtpd's "would local delivery refuse
 * this recipient?" in a temporary qmail home (control files, users/cdb
 * made with the constdb writer, alias and user homes with .qmail
 * files, fastforward tables made with constdb in fastforward's format
 * and, when Debian's fastforward package is installed, with its
 * setforward).  System accounts come from /etc/passwd and are only
 * looked at, never changed.  Run by root, the private-home case runs in
 * a child that has dropped to nobody.  Assumes config.mk's defaults for
 * the alias user's name and the extension character. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "constdb.h"
#include "rcptcheck.h"
#include "stralloc.h"
#include "unit.h"

#define SETFORWARD "/usr/bin/setforward"

static char home[] = "/tmp/test_rcptcheck.XXXXXX";
static struct rcptcheck rc = RCPTCHECK_ZERO;

static void
skip(const char *name, const char *why)
{
  ++unit_cases;
  printf("ok %d - %s # SKIP %s\n", unit_cases, name, why);
}

/* Write path (relative to the home, the current directory) with mode. */
static void
put(const char *path, const char *text, mode_t mode)
{
  int fd;

  unlink(path);
  fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(fd != -1);
  if (fd == -1)
    return;
  CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
  close(fd);
  CHECK(chmod(path, mode) == 0);
}

static void
init(void)
{
  rcptcheck_free(&rc);
  CHECK(rcptcheck_init(&rc, home) == 1);
}

/* rcptcheck_address must answer want; a refusal's reason must start
 * with why. */
static void
expect_at(const char *addr, size_t len, int want, const char *why,
          const char *file, int line)
{
  stralloc reason = STRALLOC_ZERO;
  int got = rcptcheck_address(&rc, addr, len, &reason);

  if (got != want) {
    printf("# %s:%d: <%s>: got %d (%.*s), want %d\n", file, line, addr, got,
           (int)reason.len, reason.s ? reason.s : "", want);
    unit_case_failed = 1;
  } else if (want == 0 && (!reason.s || reason.s[reason.len] != 0
                           || strncmp(reason.s, why, strlen(why)))) {
    printf("# %s:%d: <%s>: reason \"%.*s\", want \"%s...\"\n", file, line,
           addr, (int)reason.len, reason.s ? reason.s : "", why);
    unit_case_failed = 1;
  }
  stralloc_free(&reason);
}

#define EXPECT(addr, want, why) \
  expect_at((addr), strlen(addr), (want), (why), __FILE__, __LINE__)

#define NOUSER "no such user or alias"
#define NOBOX "no mailbox here by that name"
#define NOFF "not in the fastforward table "

/* users/cdb as qmail-newu makes it from
 *   =zqjoe:zqjoe:4242:4242:HOME/zqjoe:::
 *   =zqbox:zqbox:4242:4242:HOME/zqjoe:-:box:
 *   =zqpriv:zqpriv:4242:4242:HOME/private:-:x:
 *   +zqlist-:zqlists:4242:4242:HOME/lists:-::                        */
static void
add(struct constdb_make *m, const char *key, size_t klen, const char *user,
    const char *dir, const char *dash, const char *ext)
{
  stralloc d = STRALLOC_ZERO;

  CHECK(stralloc_copys(&d, user) && stralloc_0(&d)
        && stralloc_catb(&d, "4242\0" "4242\0", 10)
        && stralloc_cats(&d, home) && stralloc_cats(&d, dir) && stralloc_0(&d)
        && stralloc_cats(&d, dash) && stralloc_0(&d) && stralloc_cats(&d, ext));
  CHECK(constdb_make_add(m, key, klen, d.s, d.len));
  stralloc_free(&d);
}

static void
make_users(void)
{
  struct constdb_make m;

  CHECK(constdb_make_start(&m, "users/cdb", 0, 0644));
  add(&m, "!zqjoe", 7, "zqjoe", "/zqjoe", "", "");
  add(&m, "!zqbox", 7, "zqbox", "/zqjoe", "-", "box");
  add(&m, "!zqpriv", 8, "zqpriv", "/private", "-", "x");
  add(&m, "!zqlist-", 8, "zqlists", "/lists", "-", "");
  CHECK(constdb_make_add(&m, "", 0, "-", 1));
  CHECK(constdb_make_finish(&m));
}

static void
test_not_local(void)
{
  EXPECT("someone@remote.example", 1, "");
  /* v2.example is virtual for alice only */
  EXPECT("zqunknown@v2.example", 1, "");
  /* percenthack to a remote host */
  EXPECT("zqunknown%remote.example@test.example", 1, "");
}

static void
test_alias(void)
{
  put("alias/.qmail-zqknown", "./Maildir/\n", 0644);
  EXPECT("zqknown@test.example", 1, "");
  EXPECT("ZQKnown@local.example", 1, "");
  EXPECT("zqunknown@test.example", 0, NOUSER);
  EXPECT("zqunknown@local.example", 0, NOUSER);
  /* without '@': envnoathost, here me */
  EXPECT("zqknown", 1, "");
  EXPECT("zqunknown", 0, NOUSER);
  /* percenthack back to a local address */
  EXPECT("zqknown%test.example@test.example", 1, "");
  EXPECT("zqunknown%local.example@test.example", 0, NOUSER);
  /* an extension needs its own file or a -default */
  EXPECT("zqknown-ext@test.example", 0, NOUSER);
  put("alias/.qmail-zqknown-default", "./Maildir/\n", 0644);
  EXPECT("zqknown-ext@test.example", 1, "");
  EXPECT("zqknown-a-b@test.example", 1, "");
  /* lowercase, '.' as ':' */
  put("alias/.qmail-zq:dot", "./Maildir/\n", 0644);
  EXPECT("ZQ.Dot@test.example", 1, "");
  EXPECT("zq.dot.x@test.example", 0, NOUSER);
  /* a directory of that name counts as missing, as in qmail-local */
  CHECK(mkdir("alias/.qmail-zqdir", 0755) == 0);
  EXPECT("zqdir@test.example", 0, NOUSER);
  /* the alias user by name */
  EXPECT("alias@test.example", 1, "");
  EXPECT("alias-zqx@test.example", 0, NOBOX);
  /* a .qmail-default takes everything */
  put("alias/.qmail-default", "./Maildir/\n", 0644);
  EXPECT("zqunknown@test.example", 1, "");
  EXPECT("zqdir@test.example", 1, "");
  unlink("alias/.qmail-default");
  EXPECT("zqunknown@test.example", 0, NOUSER);
}

static void
test_virtual(void)
{
  EXPECT("joe@virt.example", 0, NOUSER);
  put("alias/.qmail-virt-joe", "./Maildir/\n", 0644);
  EXPECT("joe@virt.example", 1, "");
  EXPECT("ann@virt.example", 0, NOUSER);
  put("alias/.qmail-virt-default", "./Maildir/\n", 0644);
  EXPECT("ann@virt.example", 1, "");
  EXPECT("ann@VIRT.example", 1, "");
  /* user@domain key */
  EXPECT("alice@v2.example", 0, NOUSER);
  put("alias/.qmail-valice-alice", "./Maildir/\n", 0644);
  EXPECT("alice@v2.example", 1, "");
  /* .suffix key */
  EXPECT("x@a.sub.example", 0, NOUSER);
  put("alias/.qmail-subv-x", "./Maildir/\n", 0644);
  EXPECT("x@a.sub.example", 1, "");
}

static void
test_users_exact(void)
{
  /* a plain assignment without .qmail: the default delivery */
  EXPECT("zqjoe@test.example", 1, "");
  EXPECT("ZQJOE@test.example", 1, "");
  /* an assignment with an extension needs the file */
  EXPECT("zqbox@test.example", 0, NOBOX);
  put("zqjoe/.qmail-box", "./Maildir/\n", 0644);
  EXPECT("zqbox@test.example", 1, "");
  /* not an assignment: the alias user, who has nothing for it */
  EXPECT("zqjoe-x@test.example", 0, NOUSER);
  /* a sticky home: its owner is editing, so no refusal */
  unlink("zqjoe/.qmail-box");
  EXPECT("zqbox@test.example", 0, NOBOX);
  CHECK(chmod("zqjoe", 01755) == 0);
  EXPECT("zqbox@test.example", 1, "");
  CHECK(chmod("zqjoe", 0755) == 0);
}

static void
test_users_wildcard(void)
{
  EXPECT("zqlist-foo@test.example", 0, NOBOX);
  put("lists/.qmail-foo", "./Maildir/\n", 0644);
  EXPECT("zqlist-foo@test.example", 1, "");
  EXPECT("zqlist-FOO@test.example", 1, "");
  EXPECT("zqlist-a-b@test.example", 0, NOBOX);
  put("lists/.qmail-a-default", "./Maildir/\n", 0644);
  EXPECT("zqlist-a-b@test.example", 1, "");
  EXPECT("zqlist-a-b-c@test.example", 1, "");
  EXPECT("zqlist-@test.example", 0, NOBOX);
  put("lists/.qmail-default", "./Maildir/\n", 0644);
  EXPECT("zqlist-@test.example", 1, "");
  EXPECT("zqlist-anything@test.example", 1, "");
}

static void
test_users_cdb_unreadable(void)
{
  /* a users/cdb that cannot be read: delivery defers, no refusal */
  CHECK(rename("users/cdb", "users/cdb.good") == 0);
  CHECK(mkdir("users/cdb", 0755) == 0);
  EXPECT("zqunknown@test.example", 1, "");
  EXPECT("zqbox@test.example", 1, "");
  CHECK(rmdir("users/cdb") == 0);
  put("users/cdb", "not a cdb", 0644);
  EXPECT("zqunknown@test.example", 1, "");
  CHECK(rename("users/cdb.good", "users/cdb") == 0);
  EXPECT("zqunknown@test.example", 0, NOUSER);
}

/* As root: does nobody get the answer want? */
static int
answer_as_nobody(const char *addr)
{
  stralloc why = STRALLOC_ZERO;
  int status;
  pid_t pid;

  fflush(stdout);
  pid = fork();
  if (pid == -1)
    return -2;
  if (pid == 0) {
    if (setgroups(0, 0) == -1 || setgid(65534) == -1 || setuid(65534) == -1)
      _exit(99);
    _exit(10 + rcptcheck_address(&rc, addr, strlen(addr), &why));
  }
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
    return -2;
  return WEXITSTATUS(status) - 10;
}

static void
test_private_home(void)
{
  /* readable and without .qmail-x: refused */
  CHECK(chmod("private", 0700) == 0);
  EXPECT("zqpriv@test.example", 0, NOBOX);
  if (geteuid() == 0) {
    /* another user's private home, seen by nobody: EACCES, accepted */
    CHECK(chown("private", 12345, 12345) == 0);
    CHECK(answer_as_nobody("zqpriv@test.example") == 1);
    CHECK(answer_as_nobody("zqunknown@test.example") == 0);
    CHECK(chown("private", 0, 0) == 0);
  } else {
    CHECK(chmod("private", 0) == 0);
    EXPECT("zqpriv@test.example", 1, "");
    CHECK(chmod("private", 0700) == 0);
  }
  /* a home that does not exist: qmail-local defers, no refusal */
  CHECK(rename("private", "private.away") == 0);
  EXPECT("zqpriv@test.example", 1, "");
  CHECK(rename("private.away", "private") == 0);
}

/* An account in /etc/passwd whose mail rcptcheck can judge: not uid 0,
 * owning its existing home, a lowercase name; the caller's own first. */
static struct passwd *
usable_account(void)
{
  struct passwd *pw;

  if (getuid() != 0) {
    pw = getpwuid(getuid());
    if (pw && pw->pw_uid != 0) {
      struct stat st;
      const char *c;

      for (c = pw->pw_name; *c; ++c)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
          break;
      if (!*c && strcmp(pw->pw_name, "alias") && strlen(pw->pw_name) <= 64
          && stat(pw->pw_dir, &st) == 0 && S_ISDIR(st.st_mode)
          && st.st_uid == pw->pw_uid)
        return pw;
    }
  }
  setpwent();
  while ((pw = getpwent())) {
    struct stat st;
    const char *c;

    if (pw->pw_uid == 0 || !strcmp(pw->pw_name, "alias")
        || strlen(pw->pw_name) > 64 || !pw->pw_name[0])
      continue;
    for (c = pw->pw_name; *c; ++c)
      if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
        break;
    if (*c || stat(pw->pw_dir, &st) == -1 || !S_ISDIR(st.st_mode)
        || st.st_uid != pw->pw_uid)
      continue;
    endpwent();
    return pw;
  }
  endpwent();
  return 0;
}

/* errno of stat(home/name), 0 when it exists. */
static int
stat_errno(const char *dir, const char *name)
{
  char path[4200];
  struct stat st;

  snprintf(path, sizeof path, "%s/%s", dir, name);
  return stat(path, &st) == 0 ? 0 : errno;
}

static void
test_passwd(void)
{
  struct passwd *pw = usable_account();
  char addr[200], ext[80], dq[100];
  int e1, e2;

  CHECK(pw != 0);
  if (!pw)
    return;
  printf("# using the account %s, home %s\n", pw->pw_name, pw->pw_dir);
  /* the plain account without .qmail: the default delivery */
  if (stat_errno(pw->pw_dir, ".qmail") == ENOENT) {
    snprintf(addr, sizeof addr, "%s@test.example", pw->pw_name);
    EXPECT(addr, 1, "");
  }
  snprintf(ext, sizeof ext, "zqnoext%ld", (long)getpid());
  snprintf(addr, sizeof addr, "%s-%s@test.example", pw->pw_name, ext);
  snprintf(dq, sizeof dq, ".qmail-%s", ext);
  e1 = stat_errno(pw->pw_dir, dq);
  e2 = stat_errno(pw->pw_dir, ".qmail-default");
  if (e1 == ENOENT && e2 == ENOENT)
    EXPECT(addr, 0, NOBOX);         /* an extension nobody handles */
  else if (e1 && e1 != ENOENT)
    EXPECT(addr, 1, "");            /* a home we cannot look into */
  else
    printf("# %s has a .qmail-default: the refusal is not tested\n", pw->pw_dir);
}

/* A fastforward table with the given targets (NULL-terminated), each
 * forwarding to dest@x.example: with the constdb writer, keys ':'
 * and the lowercased target and data "&address\0", or with setforward. */
static int
make_table(const char *path, const char *const *targets, int with_setforward)
{
  struct constdb_make m;
  char tmp[300], cmd[700];
  FILE *f;
  int i;

  if (with_setforward) {
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(cmd, sizeof cmd, SETFORWARD " '%s' '%s'", path, tmp);
    f = popen(cmd, "w");
    if (!f)
      return 0;
    for (i = 0; targets[i]; ++i)
      fprintf(f, "%s: &dest@x.example;\n", targets[i]);
    return pclose(f) == 0;
  }
  if (!constdb_make_start(&m, path, 0, 0644))
    return 0;
  for (i = 0; targets[i]; ++i) {
    char key[200];
    size_t n = (size_t)snprintf(key, sizeof key, ":%s", targets[i]), j;

    for (j = 0; j < n; ++j)
      if (key[j] >= 'A' && key[j] <= 'Z')
        key[j] = (char)(key[j] - 'A' + 'a');
    if (!constdb_make_add(&m, key, n, "&dest@x.example", 16))
      return 0;
  }
  return constdb_make_finish(&m);
}

static const char *const table1[] = {
  "Known@ff.example", "postmaster@", "@ff3.example", "ffr-joe@ffr.example",
  "ffx@test.example", 0
};
static const char *const table2[] = { "second@ff.example", 0 };

static void
fastforward_cases(int with_setforward)
{
  char line[700];

  CHECK(make_table("ff1.cdb", table1, with_setforward));
  CHECK(make_table("ff2.cdb", table2, with_setforward));

  /* -d: $DEFAULT@$HOST; absolute path */
  snprintf(line, sizeof line, "# the aliases\n| fastforward -d %s/ff1.cdb\n", home);
  put("alias/.qmail-ffdom-default", line, 0644);
  EXPECT("known@ff.example", 1, "");
  EXPECT("KNOWN@ff.example", 1, "");
  EXPECT("unknown@ff.example", 0, NOFF);
  EXPECT("postmaster@ff.example", 1, "");      /* the user@ wildcard */
  EXPECT("anyone@ff3.example", 1, "");         /* the @domain wildcard */
  EXPECT("second@ff.example", 0, NOFF);

  /* a relative path is taken from the home; no space after '|' */
  put("alias/.qmail-ffdom-default", "|/usr/bin/fastforward -d ../ff1.cdb\n", 0644);
  EXPECT("known@ff.example", 1, "");
  EXPECT("unknown@ff.example", 0, NOFF);

  /* -p passes a miss on; the next table has it, or does not */
  put("alias/.qmail-ffdom-default",
      "| fastforward -dp ../ff1.cdb\n| fastforward -d -- ../ff2.cdb\n", 0644);
  EXPECT("second@ff.example", 1, "");
  EXPECT("known@ff.example", 1, "");
  EXPECT("unknown@ff.example", 0, NOFF "../ff2.cdb");
  /* -p and then nothing: qmail-local delivers nowhere but succeeds */
  put("alias/.qmail-ffdom-default", "| fastforward -pd ../ff1.cdb\n", 0644);
  EXPECT("unknown@ff.example", 1, "");
  /* -p and then a mailbox */
  put("alias/.qmail-ffdom-default", "| fastforward -pd ../ff1.cdb\n./Maildir/\n", 0644);
  EXPECT("unknown@ff.example", 1, "");

  /* without -d: $RECIPIENT, the local part with its virtual prefix */
  put("alias/.qmail-ffr-default", "| fastforward ../ff1.cdb\n", 0644);
  EXPECT("joe@ffr.example", 1, "");
  EXPECT("ann@ffr.example", 0, NOFF);
  /* a file that is not a -default: -d means $EXT@$HOST */
  put("alias/.qmail-ffx", "| fastforward -d ../ff1.cdb\n", 0644);
  EXPECT("ffx@test.example", 1, "");
  put("alias/.qmail-ffx", "| fastforward -d ../ff2.cdb\n", 0644);
  EXPECT("ffx@test.example", 0, NOFF);
}

static void
test_fastforward_constdb(void)
{
  fastforward_cases(0);
}

static void
test_fastforward_setforward(void)
{
  fastforward_cases(1);
}

static void
test_fastforward_doubt(void)
{
  static const char *const lines[] = {
    "| fastforward -d ../ff1.cdb || exit 100\n",   /* shell syntax */
    "| fastforward -nd ../ff1.cdb\n",              /* an unknown option */
    "| fastforward -d ../ff1.cdb extra\n",         /* two tables? */
    "| fastforward -d\n",                          /* no table */
    "| exec fastforward -d ../ff1.cdb\n",          /* not fastforward first */
    "| fastforward -d ../missing.cdb\n",           /* it defers */
    "| fastforward -d ../notacdb\n",               /* it defers */
    "&someone@x.example\n| fastforward -d ../ff1.cdb\n",
    "./Maildir/\n| fastforward -d ../ff1.cdb\n",
    "\n| fastforward -d ../ff1.cdb\n",             /* blank first line */
    "",                                            /* the default delivery */
    "# nothing but a comment\n",
    0
  };
  int i;

  CHECK(make_table("ff1.cdb", table1, 0));
  put("notacdb", "short", 0644);
  for (i = 0; lines[i]; ++i) {
    put("alias/.qmail-ffdom-default", lines[i], 0644);
    EXPECT("unknown@ff.example", 1, "");
  }
  /* modes qmail-local defers for: no refusal either */
  put("alias/.qmail-ffdom-default", "| fastforward -d ../ff1.cdb\n", 0644);
  EXPECT("unknown@ff.example", 0, NOFF);
  CHECK(chmod("alias/.qmail-ffdom-default", 0755) == 0);
  EXPECT("unknown@ff.example", 1, "");
  CHECK(chmod("alias/.qmail-ffdom-default", 01644) == 0);
  EXPECT("unknown@ff.example", 1, "");
  CHECK(chmod("alias/.qmail-ffdom-default", 0646) == 0);
  EXPECT("unknown@ff.example", 1, "");
}

static void
test_odd_addresses(void)
{
  EXPECT("zqunknown@test.example", 0, NOUSER);
  /* a NUL byte: nothing delivery could see; not refused */
  expect_at("zqunknown\0x@test.example", 24, 1, "", __FILE__, __LINE__);
  /* the empty local part is the alias user's ext "" */
  EXPECT("@test.example", 0, NOUSER);
}

static void
test_init(void)
{
  struct rcptcheck other = RCPTCHECK_ZERO;

  /* a control file that cannot be read is an error */
  CHECK(rename("control/locals", "control/locals.good") == 0);
  CHECK(mkdir("control/locals", 0755) == 0);
  errno = 0;
  CHECK(rcptcheck_init(&other, home) == 0);
  CHECK(errno == EISDIR);
  CHECK(rmdir("control/locals") == 0);
  /* a missing locals means control/me */
  CHECK(rcptcheck_init(&other, home) == 1);
  rcptcheck_free(&rc);
  rc = other;
  EXPECT("zqunknown@test.example", 0, NOUSER);
  EXPECT("zqunknown@local.example", 1, "");
  CHECK(rename("control/locals.good", "control/locals") == 0);
  init();
  EXPECT("zqunknown@local.example", 0, NOUSER);
}

int
main(void)
{
  if (!mkdtemp(home) || chmod(home, 0755) == -1 || chdir(home) == -1) {
    perror("setting up the test directory");
    return 1;
  }
  if (mkdir("control", 0755) || mkdir("users", 0755) || mkdir("alias", 0755)
      || mkdir("zqjoe", 0755) || mkdir("lists", 0755) || mkdir("private", 0700)) {
    perror("mkdir");
    return 1;
  }
  put("control/me", "test.example\n", 0644);
  put("control/locals", "test.example\nLocal.Example\n", 0644);
  put("control/percenthack", "test.example\n", 0644);
  put("control/virtualdomains",
      "virt.example:virt\nalice@v2.example:valice\n.sub.example:subv\n"
      "ff.example:ffdom\nff3.example:ffdom\nffr.example:ffr\n", 0644);
  make_users();
  init();

  RUN(test_not_local);
  RUN(test_alias);
  RUN(test_virtual);
  RUN(test_users_exact);
  RUN(test_users_wildcard);
  RUN(test_users_cdb_unreadable);
  RUN(test_private_home);
  if (usable_account())
    RUN(test_passwd);
  else
    skip("test_passwd", "no account in /etc/passwd with uid != 0 owns its "
         "home directory");
  RUN(test_fastforward_constdb);
  if (access(SETFORWARD, X_OK) == 0)
    RUN(test_fastforward_setforward);
  else
    skip("test_fastforward_setforward",
         SETFORWARD " is not installed (Debian package fastforward)");
  RUN(test_fastforward_doubt);
  RUN(test_odd_addresses);
  RUN(test_init);
  rcptcheck_free(&rc);
  if (chdir("/") == 0) {
    chmod(home, 0700);
    unit_rmtree(home);
  }
  return unit_done();
}
