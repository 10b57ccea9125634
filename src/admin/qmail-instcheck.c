/* qmail-instcheck -- verify and repair the installed hierarchy.
 *
 * Usage: qmail-instcheck [-n] [-i] [HOME]
 *
 * Checks every directory, file and fifo of hier.c under HOME (default:
 * the configured home, or $QMAILHOME for an instance) for existence,
 * type, owner, group and mode.  Missing directories, lock files and the
 * trigger fifo are created; wrong owners and modes are repaired.  Every
 * problem and every repair is reported on standard output, one line
 * each.  -n reports without changing anything.  -i checks an instance:
 * only the runtime tree (control, users, alias, queue), not bin/, man/
 * and doc/, which an instance does not have; an instance named by
 * $QMAILHOME implies -i.
 *
 * It then checks that the queue's files fit together: every todo/ and
 * info/ entry has its message in mess/, every local/, remote/ and
 * bounce/ entry its info/ file.  Such problems are reported, not
 * repaired.
 *
 * Run it as root on an installed system (the role of qmail's
 * "make setup check"), or as the invoking user on a non-root instance,
 * where every entry belongs to that user.
 *
 * Exit codes: 0 the tree is consistent (after any repairs); 100 problems
 * remain (or were found, with -n); 111 a temporary error such as a
 * missing qmail user or an unreadable directory.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "errmsg.h"
#include "fmt.h"
#include "hier.h"
#include "instance.h"
#include "qconf.h"
#include "queue.h"
#include "scan.h"
#include "stralloc.h"

struct check {
  const char *home;
  int dry_run;
  int instance;
  struct instance_ids ids;
  unsigned long problems;
  unsigned long repaired;
  stralloc path;
};

static const char *
type_name(enum hier_type t)
{
  switch (t) {
  case HIER_DIR: return "directory";
  case HIER_FIFO: return "fifo";
  default: return "file";
  }
}

static int
type_matches(enum hier_type t, mode_t m)
{
  switch (t) {
  case HIER_DIR: return S_ISDIR(m);
  case HIER_FIFO: return S_ISFIFO(m);
  default: return S_ISREG(m);
  }
}

static void
say(const char *rel, const char *what)
{
  buffer_puts(buffer_1, *rel ? rel : ".");
  buffer_puts(buffer_1, ": ");
  buffer_puts(buffer_1, what);
  buffer_puts(buffer_1, "\n");
}

static const char *
octal(char *space, unsigned int mode)
{
  int i;

  /* four octal digits, as ls and chmod spell a mode */
  for (i = 3; i >= 0; --i) {
    space[i] = (char)('0' + (mode & 7));
    mode >>= 3;
  }
  space[4] = 0;
  return space;
}

static int
create_entry(const struct hier_entry *e, const char *path)
{
  int fd;

  switch (e->type) {
  case HIER_DIR:
    return mkdir(path, 0700) == 0;
  case HIER_FIFO:
    return mkfifo(path, 0600) == 0;
  case HIER_ZERO:
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd == -1)
      return 0;
    if (e->size && ftruncate(fd, (off_t)e->size) == -1) {
      close(fd);
      return 0;
    }
    if (fsync(fd) == -1) {
      close(fd);
      return 0;
    }
    return close(fd) == 0;
  default:
    errno = ENOENT;
    return 0;          /* binaries and man pages come from make install */
  }
}

/* Report one problem; try to repair it unless -n. */
static void
problem(struct check *c, const char *rel, const char *what, int (*repair)(
        struct check *, const struct hier_entry *), const struct hier_entry *e)
{
  ++c->problems;
  buffer_puts(buffer_1, *rel ? rel : ".");
  buffer_puts(buffer_1, ": ");
  buffer_puts(buffer_1, what);
  if (c->dry_run || !repair) {
    buffer_puts(buffer_1, "\n");
    return;
  }
  if (!repair(c, e)) {
    buffer_puts(buffer_1, "; unable to repair: ");
    buffer_puts(buffer_1, strerror(errno));
    buffer_puts(buffer_1, "\n");
    return;
  }
  ++c->repaired;
  buffer_puts(buffer_1, ": repaired\n");
}

static int
repair_owner(struct check *c, const struct hier_entry *e)
{
  return chown(c->path.s, c->ids.uid[e->owner], c->ids.gid[e->group]) == 0;
}

static unsigned int
wanted_mode(struct check *c, const struct hier_entry *e)
{
  return hier_mode(e, c->ids.uid[e->owner], c->ids.gid[e->group]);
}

static int
repair_mode(struct check *c, const struct hier_entry *e)
{
  return chmod(c->path.s, wanted_mode(c, e)) == 0;
}

static int
check_entry(const struct hier_entry *e, void *arg)
{
  struct check *c = arg;
  struct stat st;
  stralloc what = STRALLOC_ZERO;
  char was[16], want[16];

  if (c->instance && !e->runtime)
    return 1;
  if (!stralloc_copys(&c->path, c->home)) die_nomem();
  if (*e->path && (!stralloc_cats(&c->path, "/")
                   || !stralloc_cats(&c->path, e->path)))
    die_nomem();
  if (!stralloc_0(&c->path)) die_nomem();

  if (lstat(c->path.s, &st) == -1) {
    if (errno != ENOENT)
      die_sys(111, "unable to stat ", c->path.s, ". (#4.3.0)");
    ++c->problems;
    if (c->dry_run || e->type == HIER_FILE) {
      say(e->path, "missing");
      return 1;
    }
    if (!create_entry(e, c->path.s))
      die_sys(111, "unable to create ", c->path.s, ". (#4.3.0)");
    /* a fresh entry gets its owner and mode without further reports */
    if (!repair_owner(c, e) || !repair_mode(c, e))
      die_sys(111, "unable to set owner and mode of ", c->path.s, ". (#4.3.0)");
    ++c->repaired;
    say(e->path, "missing: created");
    return 1;
  }

  if (!type_matches(e->type, st.st_mode)) {
    if (!stralloc_copys(&what, "is not a ") || !stralloc_cats(&what, type_name(e->type))
        || !stralloc_cats(&what, "; move it away and run qmail-instcheck again")
        || !stralloc_0(&what))
      die_nomem();
    problem(c, e->path, what.s, 0, e);
    stralloc_free(&what);
    return 1;
  }

  if (st.st_uid != c->ids.uid[e->owner] || st.st_gid != c->ids.gid[e->group]) {
    if (!stralloc_copys(&what, "owner should be ")
        || !stralloc_cats(&what, instance_user_name(e->owner))
        || !stralloc_cats(&what, ":")
        || !stralloc_cats(&what, instance_group_name(e->group))
        || !stralloc_0(&what))
      die_nomem();
    problem(c, e->path, what.s, repair_owner, e);
    /* chown clears setuid and setgid bits: look again */
    if (lstat(c->path.s, &st) == -1)
      die_sys(111, "unable to stat ", c->path.s, ". (#4.3.0)");
  }

  if ((st.st_mode & 07777) != wanted_mode(c, e)) {
    if (!stralloc_copys(&what, "mode ") || !stralloc_cats(&what, octal(was, st.st_mode))
        || !stralloc_cats(&what, ", should be ")
        || !stralloc_cats(&what, octal(want, wanted_mode(c, e))) || !stralloc_0(&what))
      die_nomem();
    problem(c, e->path, what.s, repair_mode, e);
  }
  stralloc_free(&what);
  return 1;
}

/* Does HOME/queue/DIR/[N/]ID exist? */
static int
queue_has(struct check *c, const char *dir, unsigned long n, const char *id, int split)
{
  struct stat st;
  char num[FMT_ULONG];

  if (!stralloc_copys(&c->path, c->home) || !stralloc_cats(&c->path, "/queue/")
      || !stralloc_cats(&c->path, dir) || !stralloc_cats(&c->path, "/"))
    die_nomem();
  if (split && (!stralloc_catb(&c->path, num, fmt_ulong(num, n))
                || !stralloc_cats(&c->path, "/")))
    die_nomem();
  if (!stralloc_cats(&c->path, id) || !stralloc_0(&c->path))
    die_nomem();
  return stat(c->path.s, &st) == 0;
}

/* Every file of a message needs the files it depends on: todo and info
 * need the message in mess, local and remote need info, a bounce needs
 * info.  (A message file alone is what an interrupted injection leaves;
 * qmail-send removes it after 36 hours: not an inconsistency.) */
static void
check_messages(struct check *c)
{
  static const char *const needs[][2] = {
    { "todo", "mess" }, { "info", "mess" }, { "local", "info" },
    { "remote", "info" }, { "bounce", "info" },
  };
  size_t k;
  unsigned long n;
  stralloc dir = STRALLOC_ZERO, what = STRALLOC_ZERO;

  for (k = 0; k < sizeof needs / sizeof needs[0]; ++k) {
    int split = strcmp(needs[k][0], "bounce") != 0;

    for (n = 0; n < (split ? CONF_QUEUE_SPLIT : 1); ++n) {
      DIR *d;
      struct dirent *e;
      char num[FMT_ULONG];

      if (!stralloc_copys(&dir, c->home) || !stralloc_cats(&dir, "/queue/")
          || !stralloc_cats(&dir, needs[k][0]))
        die_nomem();
      if (split && (!stralloc_cats(&dir, "/")
                    || !stralloc_catb(&dir, num, fmt_ulong(num, n))))
        die_nomem();
      if (!stralloc_0(&dir))
        die_nomem();
      d = opendir(dir.s);
      if (!d) {
        if (errno != ENOENT)
          warn_sys("unable to inspect ", dir.s, " (run as root)");
        continue;
      }
      while ((e = readdir(d))) {
        unsigned long id;
        size_t len = strlen(e->d_name);

        if (!len || scan_ulong(e->d_name, &id) != len)
          continue;
        if (queue_has(c, needs[k][1], queue_split_of(id), e->d_name, 1))
          continue;
        if (!stralloc_copys(&what, "queue/") || !stralloc_cats(&what, needs[k][0])
            || !stralloc_cats(&what, split ? "/" : "")
            || (split && !stralloc_catb(&what, num, fmt_ulong(num, n)))
            || !stralloc_cats(&what, "/") || !stralloc_cats(&what, e->d_name)
            || !stralloc_0(&what))
          die_nomem();
        ++c->problems;
        buffer_puts(buffer_1, what.s);
        buffer_puts(buffer_1, ": inconsistent: no matching ");
        buffer_puts(buffer_1, needs[k][1]);
        buffer_puts(buffer_1, " file\n");
      }
      closedir(d);
    }
  }
  stralloc_free(&dir);
  stralloc_free(&what);
}

int
main(int argc, char **argv)
{
  struct check c;
  const char *missing;
  char num[FMT_ULONG];
  int opt;

  errmsg_init("qmail-instcheck");
  memset(&c, 0, sizeof c);
  while ((opt = getopt(argc, argv, "ni")) != -1) {
    switch (opt) {
    case 'n': c.dry_run = 1; break;
    case 'i': c.instance = 1; break;
    default: die(100, "usage: qmail-instcheck [-n] [-i] [home]");
    }
  }
  argv += optind;
  argc -= optind;
  if (argc > 1)
    die(100, "usage: qmail-instcheck [-n] [-i] [home]");
  c.home = argc ? argv[0] : instance_home();
  if (c.home[0] != '/')
    die(100, "home must be an absolute path: ", c.home);
  if (!argc && instance_overridden())
    c.instance = 1;
  if (!instance_ids(&c.ids, &missing))
    die_sys(111, "unable to find user or group ", missing ? missing : "?",
            "; create the qmail users first (porting/users-linux.sh). (#4.3.0)");
  umask(077);

  buffer_puts(buffer_1, "checking ");
  buffer_puts(buffer_1, c.home);
  buffer_puts(buffer_1, c.instance ? " (instance)\n" : "\n");
  hier_walk(check_entry, &c);
  check_messages(&c);

  buffer_puts(buffer_1, "problems: ");
  buffer_put(buffer_1, num, fmt_ulong(num, c.problems));
  buffer_puts(buffer_1, ", repaired: ");
  buffer_put(buffer_1, num, fmt_ulong(num, c.repaired));
  buffer_puts(buffer_1, "\n");
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write output");
  if (c.dry_run)
    return c.problems ? 100 : 0;
  return c.problems > c.repaired ? 100 : 0;
}
