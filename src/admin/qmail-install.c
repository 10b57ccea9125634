/* qmail-install -- create the installed hierarchy under a home directory.
 *
 * Usage: qmail-install SRCTOP HOME
 *
 * Run by `make install` (HOME is $(DESTDIR)$(QMAILHOME)), normally as
 * root.  Creates every directory, queue subdirectory, lock file and fifo
 * of hier.c, and copies every binary and man page from the source tree
 * SRCTOP.  Files are written under a temporary name, fsync'd and renamed
 * into place, so a running system never sees half a binary.  As root it
 * gives every entry its owner and group; without root, or when the users
 * do not exist yet (packaging under DESTDIR), ownership is left alone
 * with a warning and qmail-instcheck fixes it later.
 *
 * Exit codes: 0 installed; 100 usage error; 111 a file could not be
 * created or copied (the message names it).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>   /* for rename() only */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/ioctl.h>
#endif

#include "errmsg.h"
#include "hier.h"
#include "instance.h"
#include "stralloc.h"

struct install {
  const char *srctop;
  const char *home;
  int set_owner;
  struct instance_ids ids;
  stralloc path;
  stralloc tmp;
  stralloc src;
};

static void
nomem(void)
{
  die_nomem();
}

static const char *
target(struct install *in, const char *rel)
{
  if (!stralloc_copys(&in->path, in->home)) nomem();
  if (*rel && !stralloc_cats(&in->path, "/")) nomem();
  if (!stralloc_cats(&in->path, rel) || !stralloc_0(&in->path)) nomem();
  return in->path.s;
}

static void
set_attributes(struct install *in, const struct hier_entry *e,
               const char *path)
{
  unsigned long uid = geteuid(), gid = getegid();
  unsigned int mode;

  if (in->set_owner) {
    uid = in->ids.uid[e->owner];
    gid = in->ids.gid[e->group];
    if (chown(path, (uid_t)uid, (gid_t)gid) == -1)
      die_sys(111, "unable to chown ", path, ". (#4.3.0)");
  }
  /* after chown: chown clears the setuid and setgid bits */
  mode = hier_mode(e, uid, gid);
  if (mode != e->mode)
    warn(e->path, ": installed without its set-id bit, since its owner "
         "would be root; run qmail-instcheck after creating the qmail "
         "users");
  if (chmod(path, mode) == -1)
    die_sys(111, "unable to chmod ", path, ". (#4.3.0)");
}

/* Ask the file system to place the subdirectories of a queue directory
 * far apart.  On Linux's ext2/3/4 the top-of-hierarchy attribute
 * (chattr +T) makes the allocator spread the next level of directories
 * over its block groups, and a file's inode is allocated in its
 * directory's group.  Without it all queue directories share one group,
 * and every message creates and removes about five files there: on ext4
 * without a journal each new inode is then searched for past every inode
 * freed in the last half minute, which took a third of the CPU time of a
 * busy queue.  Only a hint: a file system without the attribute (tmpfs,
 * xfs, FreeBSD) gives an error that is ignored, and nothing else
 * depends on where the directories are. */
static void
spread_subdirs(const char *path)
{
#ifdef __linux__
  /* <linux/fs.h> is not in every libc's headers: its values here */
  const unsigned long get_flags = 0x80086601UL;   /* FS_IOC_GETFLAGS */
  const unsigned long set_flags = 0x40086602UL;   /* FS_IOC_SETFLAGS */
  const int topdir = 0x00020000;                  /* FS_TOPDIR_FL */
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int flags;

  if (fd == -1)
    return;
  if (ioctl(fd, get_flags, &flags) == 0 && !(flags & topdir)) {
    flags |= topdir;
    (void)ioctl(fd, set_flags, &flags);
  }
  close(fd);
#else
  (void)path;
#endif
}

static void
make_parents(const char *path)
{
  stralloc dir = STRALLOC_ZERO;
  size_t i;

  if (!stralloc_copys(&dir, path) || !stralloc_0(&dir)) nomem();
  for (i = 1; i < dir.len; ++i) {
    if (dir.s[i] != '/')
      continue;
    dir.s[i] = 0;
    if (mkdir(dir.s, 0755) == -1 && errno != EEXIST)
      die_sys(111, "unable to create ", dir.s, ". (#4.3.0)");
    dir.s[i] = '/';
  }
  stralloc_free(&dir);
}

static void
copy_file(struct install *in, const struct hier_entry *e, const char *dest)
{
  char buf[8192];
  int from, to;
  ssize_t r;

  if (!stralloc_copys(&in->src, in->srctop) || !stralloc_cats(&in->src, "/")
      || !stralloc_cats(&in->src, e->source) || !stralloc_0(&in->src))
    nomem();
  if (!stralloc_copys(&in->tmp, dest) || !stralloc_cats(&in->tmp, ".tmp")
      || !stralloc_0(&in->tmp))
    nomem();
  from = open(in->src.s, O_RDONLY);
  if (from == -1)
    die_sys(111, "unable to open ", in->src.s, ". (#4.3.0)");
  unlink(in->tmp.s);
  to = open(in->tmp.s, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (to == -1)
    die_sys(111, "unable to create ", in->tmp.s, ". (#4.3.0)");
  for (;;) {
    char *p = buf;

    r = read(from, buf, sizeof buf);
    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1)
      die_sys(111, "unable to read ", in->src.s, ". (#4.3.0)");
    if (r == 0)
      break;
    while (r > 0) {
      ssize_t w = write(to, p, (size_t)r);

      if (w == -1 && errno == EINTR)
        continue;
      if (w <= 0)
        die_sys(111, "unable to write ", in->tmp.s, ". (#4.3.0)");
      p += w;
      r -= w;
    }
  }
  if (fsync(to) == -1 || close(to) == -1)
    die_sys(111, "unable to write ", in->tmp.s, ". (#4.3.0)");
  close(from);
  set_attributes(in, e, in->tmp.s);
  if (rename(in->tmp.s, dest) == -1)
    die_sys(111, "unable to rename ", in->tmp.s, " to ", dest, ". (#4.3.0)");
}

static void
make_zero_file(const struct hier_entry *e, const char *path)
{
  char zeros[1024];
  unsigned long left = e->size;
  int fd;

  fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd == -1) {
    if (errno == EEXIST)
      return;           /* keep what is there: tcpto holds live data */
    die_sys(111, "unable to create ", path, ". (#4.3.0)");
  }
  memset(zeros, 0, sizeof zeros);
  while (left) {
    size_t n = left < sizeof zeros ? left : sizeof zeros;

    if (write(fd, zeros, n) != (ssize_t)n)
      die_sys(111, "unable to write ", path, ". (#4.3.0)");
    left -= n;
  }
  if (fsync(fd) == -1 || close(fd) == -1)
    die_sys(111, "unable to write ", path, ". (#4.3.0)");
}

static int
install_entry(const struct hier_entry *e, void *arg)
{
  struct install *in = arg;
  const char *path = target(in, e->path);

  switch (e->type) {
  case HIER_DIR:
    if (!*e->path)
      make_parents(path);
    if (mkdir(path, 0700) == -1 && errno != EEXIST)
      die_sys(111, "unable to create ", path, ". (#4.3.0)");
    if (!strncmp(e->path, "queue", 5) && (!e->path[5] || e->path[5] == '/'))
      spread_subdirs(path);
    break;
  case HIER_FILE:
    copy_file(in, e, path);
    return 1;   /* attributes set before the rename */
  case HIER_ZERO:
    make_zero_file(e, path);
    break;
  case HIER_FIFO:
    if (mkfifo(path, 0600) == -1 && errno != EEXIST)
      die_sys(111, "unable to create fifo ", path, ". (#4.3.0)");
    break;
  }
  set_attributes(in, e, path);
  return 1;
}

int
main(int argc, char **argv)
{
  struct install in;
  const char *missing;

  errmsg_init("qmail-install");
  if (argc != 3 || !*argv[1] || argv[2][0] != '/')
    die(100, "usage: qmail-install SRCTOP /absolute/home");
  memset(&in, 0, sizeof in);
  in.srctop = argv[1];
  in.home = argv[2];
  umask(077);
  if (geteuid() == 0) {
    if (instance_ids(&in.ids, &missing))
      in.set_owner = 1;
    else
      warn("user or group ", missing, " does not exist: ownership left to "
           "root; create the users (porting/users-linux.sh or "
           "porting/users-freebsd.sh), then run qmail-instcheck");
  } else {
    warn("not running as root: ownership left to the invoking user; "
         "run qmail-instcheck as root on the installed tree");
  }
  hier_walk(install_entry, &in);
  return 0;
}
