/* qmail-config -- the first configuration of a freshly installed system.
 *
 * Usage: qmail-config [-f] [-h home] FQDN USER|ADDRESS|MAILDIR
 *
 * Run once by the administrator (normally root) after `make install`.
 * Writes the control files that name this host -- me, locals, rcpthosts,
 * defaultdomain, plusdomain -- and the alias files .qmail-root,
 * .qmail-postmaster and .qmail-mailer-daemon, which send the mail of
 * those three addresses to USER (a forward line "&USER"), to ADDRESS
 * elsewhere ("&user@domain") or into MAILDIR (a maildir line), so no
 * system mail is discarded.
 *
 * It refuses a host name without a dot: with such a name in control/me
 * the addresses qmail-inject completes would not match locals and local
 * mail would be queued for remote delivery.  It is idempotent: a file
 * that already holds what it would write is left alone, and a file that
 * holds something else (the administrator's own edit) is kept unless -f
 * is given.  Every file is written under a temporary name, fsync'd,
 * given its owner and mode, and renamed into place.  One line per file
 * on standard output says what happened to it.
 *
 * Honours $QMAILHOME (instances); -h overrides both it and the compiled
 * home.
 *
 * Exit codes: 0 configured (some files may have been kept, see the
 * output); 100 usage error, a name without a dot or otherwise not a host
 * name, a USER that cannot receive the mail; 111 a file or directory
 * could not be read or written.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>   /* for rename() only */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "caseless.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "open.h"
#include "readfile.h"
#include "stralloc.h"

#define USAGE "usage: qmail-config [-f] [-h home] FQDN USER|ADDRESS|MAILDIR"

struct config {
  const char *home;
  int force;
  int root;               /* running as root: give files their owners */
  unsigned long kept;     /* files left alone although they differ */
};

static void
out(const char *s)
{
  if (!buffer_puts(buffer_1, s))
    die_sys(111, "unable to write the output");
}

static void
flush(void)
{
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write the output");
}

/* A host name: labels of letters, digits and hyphens, at least two of
 * them, none empty, none longer than 63, none starting or ending with a
 * hyphen, the whole at most 253 characters.  Returns 0, or a message
 * saying what is wrong. */
static const char *
host_problem(const char *name)
{
  size_t len = strlen(name), label = 0, i;
  int dots = 0, digits_only = 1;

  if (!len)
    return "the host name is empty";
  if (len > 253)
    return "longer than 253 characters: not a host name";
  for (i = 0; i < len; ++i) {
    char c = name[i];

    if (c == '.') {
      if (!label)
        return "an empty label (a leading dot or two dots in a row): not a host name";
      if (name[i - 1] == '-')
        return "a label ends with '-': not a host name";
      label = 0;
      ++dots;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || c == '-'))
      return "only letters, digits, '-' and '.' may appear in a host name";
    if (c == '-' && !label)
      return "a label starts with '-': not a host name";
    if (c < '0' || c > '9')
      digits_only = 0;
    if (++label > 63)
      return "a label is longer than 63 characters: not a host name";
  }
  if (!dots)
    return 0;   /* the caller explains a name without a dot itself */
  if (!label)
    return "ends with a dot: give the name without it";
  if (name[len - 1] == '-')
    return "a label ends with '-': not a host name";
  if (digits_only)
    return "an IP address, not a host name";
  return 0;
}

/* defaultdomain and plusdomain: the host's domain, the name without its
 * first label when it has three or more labels (mail.example.org gives
 * example.org), else the name itself (example.org). */
static const char *
parent_domain(const char *fqdn)
{
  const char *first = strchr(fqdn, '.');

  if (first && strchr(first + 1, '.'))
    return first + 1;
  return fqdn;
}

static void
lowercase(char *s)
{
  for (; *s; ++s)
    if (*s >= 'A' && *s <= 'Z')
      *s = (char)(*s - 'A' + 'a');
}

/* The alias line for the target: a maildir (starts with '/' or '.', ends
 * with '/') as given, else a forward to the user. */
static int
is_maildir(const char *target)
{
  size_t len = strlen(target);

  return len > 1 && (target[0] == '/' || target[0] == '.') && target[len - 1] == '/';
}

static int
equal_caseless(const char *a, size_t len, const char *b)
{
  return strlen(b) == len && case_equalb(a, b, len);
}

/* A name whose mail the aliases handle themselves: a forward there would
 * come straight back. */
static int
loops(const char *local, size_t len)
{
  return equal_caseless(local, len, "root")
    || equal_caseless(local, len, "postmaster")
    || equal_caseless(local, len, "mailer-daemon")
    || equal_caseless(local, len, instance_user_name(USER_ALIAS));
}

/* The target of the forward: a local user, or a whole address
 * (user@domain) elsewhere.  Refuses what would loop or is not an
 * address. */
static void
check_user(const char *user, const char *fqdn)
{
  const char *p, *at = strrchr(user, '@');
  struct passwd *pw;

  if (!*user)
    die(100, "the user is empty: name the user who reads root's mail");
  for (p = user; *p; ++p)
    if ((unsigned char)*p <= ' ' || *p == 127 || *p == '/' || *p == '&'
        || *p == '|' || *p == '#' || *p == '<' || *p == '>' || *p == ','
        || (*p == '@' && p != at))
      die(100, user, ": not a user name or an address; give a user, an "
          "address user@domain, or a maildir path that starts with / or "
          "./ and ends with /");
  if (at) {
    if (at == user || !at[1])
      die(100, user, ": an address needs a user and a domain, as in "
          "admin@example.org");
    if (loops(user, (size_t)(at - user))
        && (equal_caseless(at + 1, strlen(at + 1), fqdn)
            || equal_caseless(at + 1, strlen(at + 1), "localhost")))
      die(100, user, ": mail for it is handled by these aliases, a forward "
          "there would loop; give an ordinary user who reads the system's mail");
    return;
  }
  if (loops(user, strlen(user)))
    die(100, user, ": mail for it is handled by the aliases themselves, a "
        "forward there would loop; give an ordinary user who reads the "
        "system's mail");
  errno = 0;
  pw = getpwnam(user);
  if (!pw) {
    if (errno && errno != ENOENT)
      die_sys(111, "unable to look up the user ", user);
    warn("there is no user ", user, " in /etc/passwd; the aliases forward "
         "to it all the same (a qmail-users or virtual address works too)");
  } else if (pw->pw_uid == 0) {
    die(100, user, ": has uid 0, and the mail system never delivers to "
        "uid 0 (its mail goes to the aliases: a loop); give an ordinary user");
  }
}

/* Write content to dir/name through dir/name.tmp.PID, fsync'd, owned as
 * given (when root), renamed into place, the directory fsync'd. */
static void
write_file(const char *dir, const char *name, const stralloc *content,
           const struct stat *owner, mode_t mode, const struct config *c)
{
  stralloc path = STRALLOC_ZERO, tmp = STRALLOC_ZERO;
  char pid[FMT_ULONG];
  size_t done = 0;
  int fd;

  pid[fmt_ulong(pid, (unsigned long)getpid())] = 0;
  if (!stralloc_copys(&path, dir) || !stralloc_cats(&path, "/")
      || !stralloc_cats(&path, name) || !stralloc_copy(&tmp, &path)
      || !stralloc_cats(&tmp, ".tmp.") || !stralloc_cats(&tmp, pid)
      || !stralloc_0(&tmp) || !stralloc_0(&path))
    die_nomem();
  unlink(tmp.s);
  fd = open_excl(tmp.s, 0600);
  if (fd == -1)
    die_sys(111, "unable to create ", tmp.s);
  while (done < content->len) {
    ssize_t w = write(fd, content->s + done, content->len - done);

    if (w == -1) {
      if (errno == EINTR)
        continue;
      unlink(tmp.s);
      die_sys(111, "unable to write ", tmp.s);
    }
    done += (size_t)w;
  }
  if (c->root && fchown(fd, owner->st_uid, owner->st_gid) == -1) {
    unlink(tmp.s);
    die_sys(111, "unable to chown ", tmp.s);
  }
  if (fchmod(fd, mode) == -1) {
    unlink(tmp.s);
    die_sys(111, "unable to chmod ", tmp.s);
  }
  if (!file_fsync_close(fd)) {
    unlink(tmp.s);
    die_sys(111, "unable to write ", tmp.s);
  }
  if (rename(tmp.s, path.s) == -1) {
    unlink(tmp.s);
    die_sys(111, "unable to rename ", tmp.s, " to ", path.s);
  }
  if (!fsync_dir(dir))
    die_sys(111, "unable to sync ", dir);
  stralloc_free(&path);
  stralloc_free(&tmp);
}

/* Make dir/name hold content, unless it holds something else and -f was
 * not given.  Reports on one line as shown (shown is dir's short name). */
static void
settle(const char *dir, const char *shown, const char *name,
       const stralloc *content, const struct stat *owner, mode_t mode,
       struct config *c)
{
  stralloc path = STRALLOC_ZERO, old = STRALLOC_ZERO;
  const char *done;

  if (!stralloc_copys(&path, dir) || !stralloc_cats(&path, "/")
      || !stralloc_cats(&path, name) || !stralloc_0(&path))
    die_nomem();
  if (readfile(path.s, &old) == 1) {
    if (old.len == content->len && !memcmp(old.s, content->s, old.len)) {
      done = ": unchanged\n";
      goto report;
    }
    if (!c->force) {
      done = ": kept: it holds something else, probably your own edit "
             "(-f replaces it)\n";
      ++c->kept;
      goto report;
    }
    done = ": replaced\n";
  } else {
    if (errno != ENOENT)
      die_sys(111, "unable to read ", path.s);
    done = ": written\n";
  }
  write_file(dir, name, content, owner, mode, c);
report:
  out(shown);
  out("/");
  out(name);
  out(done);
  flush();
  stralloc_free(&path);
  stralloc_free(&old);
}

static void
lines(stralloc *sa, const char *first, const char *second)
{
  if (!stralloc_copys(sa, first) || !stralloc_cats(sa, "\n"))
    die_nomem();
  if (second && (!stralloc_cats(sa, second) || !stralloc_cats(sa, "\n")))
    die_nomem();
}

static void
stat_dir(const char *path, struct stat *st)
{
  if (stat(path, st) == -1)
    die_sys(111, "unable to examine ", path,
            " (install the mail system first, or name its home with -h)");
  if (!S_ISDIR(st->st_mode)) {
    errno = ENOTDIR;
    die_sys(111, "unable to use ", path);
  }
}

/* A maildir named relative to the alias directory (./Maildir/) that does
 * not exist yet is made, owned like the alias directory, since the alias
 * deliveries run as its owner.  An absolute one must exist already. */
static void
check_maildir(const char *alias_dir, const char *target,
              const struct stat *alias_st, const struct config *c)
{
  static const char *const subs[] = { "", "/tmp", "/new", "/cur" };
  stralloc path = STRALLOC_ZERO;
  struct stat st;
  size_t i, base;

  if (target[0] == '.') {
    if (target[1] != '/' || !target[2] || strstr(target, "/../") || strstr(target, "/./")
        || strstr(target, "//"))
      die(100, target, ": a maildir in the alias directory is written "
          "./NAME/ (such as ./Maildir/)");
    if (!stralloc_copys(&path, alias_dir) || !stralloc_cats(&path, target + 1))
      die_nomem();
  } else if (!stralloc_copys(&path, target)) {
    die_nomem();
  }
  path.len--;   /* the trailing slash */
  base = path.len;
  for (i = 0; i < sizeof subs / sizeof subs[0]; ++i) {
    path.len = base;
    if (!stralloc_cats(&path, subs[i]) || !stralloc_0(&path))
      die_nomem();
    if (stat(path.s, &st) == 0) {
      if (!S_ISDIR(st.st_mode))
        die(100, path.s, ": exists and is not a directory: not a maildir");
      continue;
    }
    if (errno != ENOENT)
      die_sys(111, "unable to examine ", path.s);
    if (target[0] == '/')
      die(100, target, ": no such maildir; make it (maildirmake), owned by "
          "the user ", instance_user_name(USER_ALIAS),
          " who runs the alias deliveries, or give ./Maildir/ to have one "
          "made in the alias directory");
    if (mkdir(path.s, 0700) == -1)
      die_sys(111, "unable to create ", path.s);
    if (c->root && chown(path.s, alias_st->st_uid, alias_st->st_gid) == -1)
      die_sys(111, "unable to chown ", path.s);
    out("alias/");
    out(target + 2);
    out(subs[i][0] ? subs[i] + 1 : "");
    out(": created\n");
  }
  path.len = base;
  if (!stralloc_0(&path))
    die_nomem();
  if (stat(path.s, &st) == 0 && st.st_uid != alias_st->st_uid)
    warn(target, " does not belong to the owner of ", alias_dir,
         ", who runs the alias deliveries: make sure that user may write it");
  flush();
  stralloc_free(&path);
}

int
main(int argc, char **argv)
{
  struct config c = { 0, 0, 0, 0 };
  static const char *const aliases[] = {
    ".qmail-root", ".qmail-postmaster", ".qmail-mailer-daemon"
  };
  stralloc fqdn = STRALLOC_ZERO, control_dir = STRALLOC_ZERO;
  stralloc alias_dir = STRALLOC_ZERO, content = STRALLOC_ZERO;
  struct stat control_st, alias_st;
  const char *problem, *target;
  size_t i;
  int opt;

  errmsg_init("qmail-config");
  c.home = instance_home();
  while ((opt = getopt(argc, argv, "fh:")) != -1) {
    switch (opt) {
    case 'f': c.force = 1; break;
    case 'h': c.home = optarg; break;
    default: die(100, USAGE);
    }
  }
  argv += optind;
  argc -= optind;
  if (argc != 2)
    die(100, USAGE);
  if (c.home[0] != '/')
    die(100, c.home, ": the home directory must be an absolute path");

  if (!stralloc_copys(&fqdn, argv[0]) || !stralloc_0(&fqdn))
    die_nomem();
  lowercase(fqdn.s);
  problem = host_problem(fqdn.s);
  if (problem)
    die(100, argv[0], ": ", problem);
  if (!strchr(fqdn.s, '.'))
    die(100, argv[0], ": the host name has no dot; give the fully "
        "qualified name of this host, such as ", fqdn.s, ".example.org "
        "(see `hostname -f`).  With a name without a dot in control/me, "
        "mail for local users would be treated as remote mail");
  target = argv[1];
  if (!is_maildir(target))
    check_user(target, fqdn.s);

  c.root = geteuid() == 0;
  if (!stralloc_copys(&control_dir, c.home)
      || !stralloc_cats(&control_dir, "/control") || !stralloc_0(&control_dir)
      || !stralloc_copys(&alias_dir, c.home)
      || !stralloc_cats(&alias_dir, "/alias") || !stralloc_0(&alias_dir))
    die_nomem();
  stat_dir(control_dir.s, &control_st);
  stat_dir(alias_dir.s, &alias_st);

  /* the maildir first: nothing is written when it is unusable */
  if (is_maildir(target))
    check_maildir(alias_dir.s, target, &alias_st, &c);

  lines(&content, fqdn.s, 0);
  settle(control_dir.s, "control", "me", &content, &control_st, 0644, &c);
  lines(&content, fqdn.s, "localhost");
  settle(control_dir.s, "control", "locals", &content, &control_st, 0644, &c);
  settle(control_dir.s, "control", "rcpthosts", &content, &control_st, 0644, &c);
  lines(&content, parent_domain(fqdn.s), 0);
  settle(control_dir.s, "control", "defaultdomain", &content, &control_st, 0644, &c);
  settle(control_dir.s, "control", "plusdomain", &content, &control_st, 0644, &c);

  if (is_maildir(target)) {
    lines(&content, target, 0);
  } else {
    if (!stralloc_copys(&content, "&"))
      die_nomem();
    if (!stralloc_cats(&content, target) || !stralloc_cats(&content, "\n"))
      die_nomem();
  }
  for (i = 0; i < sizeof aliases / sizeof aliases[0]; ++i)
    settle(alias_dir.s, "alias", aliases[i], &content, &alias_st, 0644, &c);

  if (c.kept)
    out("Some files were kept as they were; run qmail-config -f to replace "
        "them, or check them with qmail-showctl.\n");
  out("If qmail-send is running, send it a HUP (or restart it) so that it "
      "reads locals again.\n");
  flush();
  return 0;
}
