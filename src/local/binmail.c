/* binmail -- deliver a message into the system mail spool.
 *
 * Usage: binmail [-bdL7] [-f sender | -r sender] [--] user ...
 *
 * Appends the message on standard input to SPOOL/user for each user, in
 * mbox form (From_ line, ">From " quoting, a blank line after it), the
 * way BSD's mail.local and System V's "/bin/mail -d" do, so that it can
 * be the default delivery of boot/binm1, binm2 and binm3 on systems
 * that have neither (Alpine, OpenWrt) as well as on those that do.
 * The spool is the first line of control/mailspool, else the build's
 * MAILSPOOL, else /var/mail or /var/spool/mail.
 *
 * Who runs it: qmail-local, as the recipient, through preline; or any
 * user or root by hand.  Privileges: it is installed setgid to the
 * group that owns the spool (config.mk GROUP_MAIL), because the spool
 * (root:mail, mode 2775 or 775) lets only that group create a user's
 * mailbox and its dot-lock.  It uses that group for nothing else: a
 * caller other than root may deliver only to mailboxes of its own uid,
 * names come from the password file and never from the environment,
 * the instance override (QMAILHOME) is ignored while setgid, and an
 * existing mailbox must be a regular file with one link owned by the
 * user, opened without following symbolic links.  Root may deliver to
 * anyone; a mailbox it creates is chowned to the user.
 *
 * Locking follows the spool's conventions: user.lock made exclusively
 * (not with -L), then fcntl and flock locks on the mailbox (mbox.h).
 *
 * Exit codes (qmail's, so that qmail-local gets them right): 0 every
 * user has the message; 100 permanent failure (no such user; over quota
 * with -b); 111 temporary failure (locks, disk, a mailbox that is not
 * safe to write, a usage or configuration error).  With several users,
 * 111 if any delivery failed temporarily, else 100 if any failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "dotlock.h"
#include "errmsg.h"
#include "fd.h"
#include "fmt.h"
#include "instance.h"
#include "mbox.h"
#include "open.h"
#include "qconf.h"
#include "sig.h"
#include "stralloc.h"

#define USAGE "usage: binmail [-bdL7] [-f sender|-r sender] user ..."

/* How long a lock held by someone else is waited for, in seconds. */
#define LOCK_WAIT MBOX_LOCK_TIMEOUT

/* How often a mailbox that vanished or was replaced is tried again. */
#define OPEN_TRIES 5

struct options {
  const char *sender;
  int quota_permanent;         /* -b */
  int dotlock;                 /* 0 with -L */
};

struct spool {
  stralloc dir;
  gid_t gid;                   /* the spool directory's group */
};

/* One line on standard error: "binmail: " and the strings. */
#define say(...) errmsg_put(errmsg_prog, ": ", __VA_ARGS__, "\n", (char *)0)

/* Descriptors 1 and 2 must be open before any file is: a caller that
 * closed stderr would otherwise get our diagnostics written into the
 * first mailbox we open.  A closed stdin is a missing message. */
static void
sane_descriptors(void)
{
  int stdin_closed = fcntl(0, F_GETFD) == -1;
  int fd;

  for (;;) {
    fd = open("/dev/null", O_RDWR);
    if (fd == -1)
      die_sys(111, "unable to open /dev/null. (#4.3.0)");
    if (fd > 2) {
      close(fd);
      break;
    }
  }
  if (stdin_closed)
    die(111, "no message: standard input is closed. (#4.3.0)");
}

/* The spool directory, its group, or a fatal error. */
static void
find_spool(struct spool *sp)
{
  static const char *const usual[] = { "/var/mail", "/var/spool/mail" };
  stralloc file = STRALLOC_ZERO;
  struct stat st;
  size_t i;
  int r;

  if (!stralloc_copys(&file, instance_home())
      || !stralloc_cats(&file, "/control/mailspool") || !stralloc_0(&file))
    die_nomem();
  r = control_readline(&sp->dir, file.s);
  if (r == -1)
    die_sys(111, "unable to read ", file.s, ". (#4.3.0)");
  if (r == 1 && sp->dir.len) {
    if (sp->dir.s[0] != '/')
      die(111, file.s, " must name an absolute path. (#4.3.0)");
  } else if (CONF_MAILSPOOL[0]) {
    if (!stralloc_copys(&sp->dir, CONF_MAILSPOOL))
      die_nomem();
  } else {
    for (i = 0; i < sizeof usual / sizeof usual[0]; ++i)
      if (stat(usual[i], &st) == 0 && S_ISDIR(st.st_mode))
        break;
    if (i == sizeof usual / sizeof usual[0])
      die(111, "no mail spool directory: neither /var/mail nor "
          "/var/spool/mail exists; create one or name it in ", file.s,
          ". (#4.3.0)");
    if (!stralloc_copys(&sp->dir, usual[i]))
      die_nomem();
  }
  if (!stralloc_0(&sp->dir))
    die_nomem();
  sp->dir.len--;
  if (stat(sp->dir.s, &st) == -1)
    die_sys(111, "unable to use the mail spool ", sp->dir.s, ". (#4.3.0)");
  if (!S_ISDIR(st.st_mode))
    die(111, "the mail spool ", sp->dir.s, " is not a directory. (#4.3.0)");
  sp->gid = st.st_gid;
  stralloc_free(&file);
}

static int
write_all(int fd, const char *s, size_t len)
{
  ssize_t w;

  while (len) {
    w = write(fd, s, len);
    if (w == -1) {
      if (errno == EINTR)
        continue;
      return 0;
    }
    s += w;
    len -= (size_t)w;
  }
  return 1;
}

/* The message on descriptor 0, readable once per user: a seekable
 * stdin is rewound to where it started; otherwise, with several users,
 * it is first copied to an unlinked temporary file. */
static off_t
message_start(int users)
{
  char path[] = "/tmp/binmail.XXXXXX";
  char chunk[8192];
  ssize_t r;
  off_t start = lseek(0, 0, SEEK_CUR);
  int fd;

  if (start != (off_t)-1 || users < 2)
    return start == (off_t)-1 ? 0 : start;
  fd = mkstemp(path);
  if (fd == -1)
    die_sys(111, "unable to create a temporary copy of the message. (#4.3.0)");
  unlink(path);
  for (;;) {
    r = read(0, chunk, sizeof chunk);
    if (r == 0)
      break;
    if (r == -1) {
      if (errno == EINTR)
        continue;
      die_sys(111, "unable to read the message. (#4.3.0)");
    }
    if (!write_all(fd, chunk, (size_t)r))
      die_sys(111, "unable to copy the message. (#4.3.0)");
  }
  if (dup2(fd, 0) == -1)
    die_sys(111, "unable to copy the message. (#4.3.0)");
  close(fd);
  return 0;
}

/* Put the reason for a refused open into why. */
static void
why_open(stralloc *why, const char *path, const char *problem, int err)
{
  if (!stralloc_copys(why, path) || !stralloc_cats(why, ": ")
      || !stralloc_cats(why, problem ? problem : strerror(err))
      || !stralloc_cats(why, ". (#4.3.0)"))
    why->len = 0;
}

/* Open (or create, owned by pw with the spool's group, mode 0600) the
 * mailbox path for appending, and make sure it is safe to write: a
 * regular file, one link, owned by the user.  -1 with why set. */
static int
open_mailbox(const char *path, const struct passwd *pw,
             const struct spool *sp, stralloc *why)
{
  const int flags = O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
  struct stat st;
  int fd = -1, tries, created = 0, err;

  for (tries = 0; tries < OPEN_TRIES; ++tries) {
    fd = open(path, flags);
    if (fd != -1 || errno != ENOENT)
      break;
    fd = open(path, flags | O_CREAT | O_EXCL, 0600);
    if (fd != -1) {
      created = 1;
      break;
    }
    if (errno != EEXIST)
      break;
  }
  if (fd == -1) {
    err = errno;
    if (err == ELOOP)
      why_open(why, path, "is a symbolic link; not delivering", err);
    else if (err == ENXIO)
      why_open(why, path, "is not a regular file; not delivering", err);
    else
      why_open(why, path, 0, err);
    return -1;
  }
  fd_coe(fd);
  if (created) {
    /* Root makes the file the user's.  Any other caller owns it already
     * and moves it to the spool's group when it may (setgid to it);
     * a spool open to everybody (mode 1777) does not care. */
    if (geteuid() != 0 && fstat(fd, &st) == 0 && st.st_gid != sp->gid)
      (void)!fchown(fd, (uid_t)-1, sp->gid);
    if ((geteuid() == 0 && fchown(fd, pw->pw_uid, sp->gid) == -1)
        || fchmod(fd, 0600) == -1 || !fsync_dir(sp->dir.s)) {
      why_open(why, path, 0, errno);
      unlink(path);
      close(fd);
      return -1;
    }
  }
  if (fstat(fd, &st) == -1) {
    why_open(why, path, 0, errno);
  } else if (!S_ISREG(st.st_mode)) {
    why_open(why, path, "is not a regular file; not delivering", 0);
  } else if (st.st_nlink != 1) {
    why_open(why, path, "has more than one link; not delivering", 0);
  } else if (st.st_uid != pw->pw_uid) {
    why_open(why, path, "does not belong to its user; not delivering", 0);
  } else if (fcntl(fd, F_SETFL, O_WRONLY | O_APPEND) == -1) {
    why_open(why, path, 0, errno);
  } else {
    return fd;
  }
  close(fd);
  return -1;
}

/* Deliver the message to one user; returns 0, 100 or 111 and says why
 * on standard error when it is not 0. */
static int
deliver(const char *name, const struct options *opt, const struct spool *sp,
        off_t start)
{
  stralloc path = STRALLOC_ZERO, lock = STRALLOC_ZERO, why = STRALLOC_ZERO,
           head = STRALLOC_ZERO;
  struct passwd *pw;
  int tries, fd, ok = 0, err = 0, code = 111;
  char uid[FMT_ULONG], caller[FMT_ULONG];

  errno = 0;
  pw = getpwnam(name);
  if (!pw) {
    if (errno && errno != ENOENT && errno != ESRCH) {
      say("unable to look up user ", name, ": ", strerror(errno),
          ". (#4.3.0)");
      return 111;
    }
    say("no such user: ", name, " (#5.1.1)");
    return 100;
  }
  if (getuid() != 0 && pw->pw_uid != getuid()) {
    uid[fmt_ulong(uid, (unsigned long)pw->pw_uid)] = 0;
    caller[fmt_ulong(caller, (unsigned long)getuid())] = 0;
    say("may deliver only to the caller's own mailbox: ", name, " is uid ",
        uid, ", the caller is uid ", caller, ". (#4.3.0)");
    return 111;
  }
  if (!pw->pw_name[0] || pw->pw_name[0] == '.' || strchr(pw->pw_name, '/')) {
    say("user name ", pw->pw_name, " cannot name a mailbox. (#4.3.0)");
    return 111;
  }
  if (!stralloc_copy(&path, &sp->dir) || !stralloc_append(&path, '/')
      || !stralloc_cats(&path, pw->pw_name) || !stralloc_0(&path)
      || !mbox_fromline(&head, opt->sender, time(0)))
    die_nomem();

  for (tries = 0; tries < OPEN_TRIES; ++tries) {
    if (opt->dotlock && !dotlock_take(&lock, path.s, LOCK_WAIT)) {
      err = errno;
      if (err == ETIMEDOUT)
        say("unable to lock ", path.s, ": another program has held ",
            lock.s, " for too long. (#4.3.0)");
      else if (err == EACCES || err == EPERM || err == EROFS)
        say("unable to create ", lock.s, ": ", strerror(err),
            "; binmail must be setgid to the group that owns ", sp->dir.s,
            " (mode 2755, group " CONF_GROUP_MAIL "). (#4.3.0)");
      else
        say("unable to create ", lock.len ? lock.s : path.s, ": ",
            strerror(err), ". (#4.3.0)");
      goto done;
    }
    fd = open_mailbox(path.s, pw, sp, &why);
    if (fd != -1) {
      if (lseek(0, start, SEEK_SET) == (off_t)-1 && errno != ESPIPE) {
        err = errno;
        ok = 0;
        if (!stralloc_copys(&why, "unable to rewind the message: ")
            || !stralloc_cats(&why, strerror(err))
            || !stralloc_cats(&why, ". (#4.3.0)"))
          why.len = 0;
      } else {
        ok = mbox_append(fd, path.s, 0, head.s, head.len, LOCK_WAIT, &why);
        err = errno;
      }
      close(fd);
    }
    if (opt->dotlock)
      dotlock_release(&lock);
    if (fd == -1 || ok || err != ESTALE)
      break;
  }
  if (ok) {
    code = 0;
  } else {
    if (!stralloc_0(&why))
      die_nomem();
    say(why.len > 1 ? why.s : "delivery failed. (#4.3.0)");
#ifdef EDQUOT
    if (err == EDQUOT)
      err = EFBIG;
#endif
    if (fd != -1 && err == EFBIG && opt->quota_permanent)
      code = 100;
  }
done:
  stralloc_free(&path);
  stralloc_free(&lock);
  stralloc_free(&why);
  stralloc_free(&head);
  return code;
}

int
main(int argc, char **argv)
{
  struct options opt;
  struct spool sp = { STRALLOC_ZERO, 0 };
  stralloc caller = STRALLOC_ZERO;
  struct passwd *me;
  off_t start;
  int c, i, code, worst = 0;

  errmsg_init("binmail");
  sane_descriptors();
  umask(077);
  /* over a file-size limit a write fails with EFBIG and the mailbox is
   * cut back, instead of the process dying with half a message in it */
  sig_ignore(SIGXFSZ);
  opt.sender = 0;
  opt.quota_permanent = 0;
  opt.dotlock = 1;
  opterr = 0;                  /* one line of ours instead of getopt's */
  while ((c = getopt(argc, argv, "+7bdf:h:lLr:")) != -1)
    switch (c) {
    case '7': case 'd': break;
    case 'b': opt.quota_permanent = 1; break;
    case 'L': opt.dotlock = 0; break;
    case 'f': case 'r': opt.sender = optarg; break;
    case 'l': die(111, "LMTP mode (-l) is not supported. (#4.3.0)");
    case 'h': die(111, "delivery to a file in the home directory (-h) is "
                  "not supported; use a .qmail file. (#4.3.0)");
    default: die(111, USAGE);
    }
  if (optind >= argc)
    die(111, USAGE);
  if (!opt.sender) {
    /* copied: the next getpwnam overwrites what getpwuid returned */
    me = getpwuid(getuid());
    if (!stralloc_copys(&caller, me ? me->pw_name : "MAILER-DAEMON")
        || !stralloc_0(&caller))
      die_nomem();
    opt.sender = caller.s;
  }
  find_spool(&sp);
  start = message_start(argc - optind);
  for (i = optind; i < argc; ++i) {
    code = deliver(argv[i], &opt, &sp, start);
    if (code == 111 || (code == 100 && worst == 0))
      worst = code;
  }
  return worst;
}
