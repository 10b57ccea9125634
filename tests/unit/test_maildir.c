/* Unit tests for maildir: the form of unique names, the exact bytes
 * delivered, nothing left in tmp/ after success, and the failures: a
 * missing maildir or subdirectory, an unreadable message, a file size
 * limit, the timeout -- each temporary, with nothing in new/ and
 * nothing left in tmp/. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "maildir.h"
#include "open.h"
#include "stralloc.h"
#include "wait.h"
#include "unit.h"

static char top[] = "/tmp/test_maildir.XXXXXX";
static const char head[] = "Return-Path: <s@x>\nDelivered-To: joe@example.org\n";
static const char body[] = "Subject: test\n\nFrom the start\nbody\n";

static void
die_nomem(void)
{
  printf("# out of memory\n");
  exit(1);
}

/* top/name, NUL-terminated, in sa. */
static const char *
path(stralloc *sa, const char *name)
{
  sa->len = 0;
  if (!stralloc_cats(sa, top) || !stralloc_append(sa, '/')
      || !stralloc_cats(sa, name) || !stralloc_0(sa))
    die_nomem();
  return sa->s;
}

/* A fresh maildir top/name with the subdirectories in subs ("tcn"). */
static const char *
make_maildir(stralloc *sa, const char *name, const char *subs)
{
  stralloc sub = STRALLOC_ZERO;

  path(sa, name);
  mkdir(sa->s, 0700);
  for (; *subs; ++subs) {
    const char *s = *subs == 't' ? "/tmp" : *subs == 'n' ? "/new" : "/cur";

    if (!stralloc_copys(&sub, sa->s) || !stralloc_cats(&sub, s) || !stralloc_0(&sub))
      die_nomem();
    mkdir(sub.s, 0700);
  }
  stralloc_free(&sub);
  return sa->s;
}

/* Number of entries (other than . and ..) in dir/sub; the name of the
 * last one in name if name is not null. */
static int
count_files(const char *dir, const char *sub, stralloc *name)
{
  stralloc p = STRALLOC_ZERO;
  DIR *d;
  struct dirent *e;
  int n = 0;

  if (!stralloc_copys(&p, dir) || !stralloc_append(&p, '/')
      || !stralloc_cats(&p, sub) || !stralloc_0(&p))
    die_nomem();
  d = opendir(p.s);
  if (!d) {
    stralloc_free(&p);
    return -1;
  }
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
      continue;
    ++n;
    if (name && (!stralloc_copys(name, e->d_name) || !stralloc_0(name)))
      die_nomem();
  }
  closedir(d);
  stralloc_free(&p);
  return n;
}

/* Contents of dir/new/name. */
static int
new_file_content(const char *dir, const char *name, stralloc *out)
{
  stralloc p = STRALLOC_ZERO;
  char chunk[512];
  ssize_t r;
  int fd;

  if (!stralloc_copys(&p, dir) || !stralloc_cats(&p, "/new/")
      || !stralloc_cats(&p, name) || !stralloc_0(&p))
    die_nomem();
  fd = open_read(p.s);
  stralloc_free(&p);
  out->len = 0;
  if (fd == -1)
    return 0;
  while ((r = read(fd, chunk, sizeof chunk)) > 0)
    if (!stralloc_catb(out, chunk, (size_t)r))
      die_nomem();
  close(fd);
  return r == 0;
}

/* A file top/name holding s; returns an fd open for reading at 0. */
static int
message_fd(const char *name, const char *s, size_t len)
{
  stralloc p = STRALLOC_ZERO;
  int fd;

  path(&p, name);
  fd = open(p.s, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd == -1 || write(fd, s, len) != (ssize_t)len)
    return -1;
  lseek(fd, 0, SEEK_SET);
  stralloc_free(&p);
  return fd;
}

static int
contains(const stralloc *sa, const char *s)
{
  stralloc z = STRALLOC_ZERO;
  int found;

  if (!stralloc_copy(&z, sa) || !stralloc_0(&z))
    die_nomem();
  found = strstr(z.s, s) != 0;
  stralloc_free(&z);
  return found;
}

static void
test_unique_form(void)
{
  stralloc a = STRALLOC_ZERO, b = STRALLOC_ZERO;
  char pid[32];
  size_t i;

  CHECK(maildir_unique(&a) && stralloc_0(&a));
  CHECK(maildir_unique(&b) && stralloc_0(&b));
  CHECK(strcmp(a.s, b.s) != 0);
  /* TIME.M<6 digits>P<pid>_<counter>.HOST */
  for (i = 0; a.s[i] >= '0' && a.s[i] <= '9'; ++i)
    ;
  CHECK(i >= 9);
  CHECK(a.s[i] == '.' && a.s[i + 1] == 'M');
  i += 2;
  CHECK(strspn(a.s + i, "0123456789") == 6);
  i += 6;
  snprintf(pid, sizeof pid, "P%ld_", (long)getpid());
  CHECK(!strncmp(a.s + i, pid, strlen(pid)));
  i += strlen(pid);
  CHECK(strspn(a.s + i, "0123456789") >= 1);
  i += strspn(a.s + i, "0123456789");
  CHECK(a.s[i] == '.' && a.s[i + 1]);
  CHECK(!strchr(a.s, '/') && !strchr(a.s, ':'));
  /* appends, keeping what was there */
  CHECK(stralloc_copys(&a, "x") && maildir_unique(&a) && a.s[0] == 'x'
        && a.s[1] >= '0' && a.s[1] <= '9');
  stralloc_free(&a);
  stralloc_free(&b);
}

/* In a UTS namespace of its own (where allowed), the host name can hold
 * the characters that must be escaped. */
static void
test_unique_host_escapes(void)
{
  int fds[2], status;
  char got[512];
  ssize_t n;
  pid_t pid;

  CHECK(pipe(fds) == 0);
  pid = fork();
  if (pid == 0) {
    stralloc name = STRALLOC_ZERO;

    close(fds[0]);
#ifdef CLONE_NEWUTS
    if (unshare(CLONE_NEWUTS) == -1 || sethostname("a/b:c", 5) == -1)
      _exit(2);
#else
    _exit(2);
#endif
    if (!maildir_unique(&name))
      _exit(1);
    if (write(fds[1], name.s, name.len) != (ssize_t)name.len)
      _exit(1);
    _exit(0);
  }
  close(fds[1]);
  n = read(fds[0], got, sizeof got - 1);
  close(fds[0]);
  CHECK(wait_pid(pid, &status) == pid && !wait_crashed(status));
  if (wait_exitcode(status) == 2) {
    printf("# no UTS namespace here: host name escapes not exercised\n");
    return;
  }
  CHECK(wait_exitcode(status) == 0 && n > 0);
  got[n > 0 ? n : 0] = 0;
  {
    const char *dot = strrchr(got, '.');
    const char *host = dot ? dot + 1 : "";

    /* the last '.' is the one before the host: "a/b:c" has none */
    CHECK_STR(host, "a\\057b\\072c");
  }
}

static void
test_deliver_exact_bytes(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO, name = STRALLOC_ZERO;
  stralloc got = STRALLOC_ZERO, want = STRALLOC_ZERO;
  struct stat st;
  stralloc p = STRALLOC_ZERO;
  int fd = message_fd("msg1", body, sizeof body - 1);

  make_maildir(&dir, "md1", "tnc");
  CHECK(fd != -1);
  CHECK(maildir_deliver(dir.s, fd, head, sizeof head - 1, MAILDIR_TIMEOUT, &why));
  CHECK(count_files(dir.s, "new", &name) == 1);
  CHECK(count_files(dir.s, "tmp", 0) == 0);
  CHECK(count_files(dir.s, "cur", 0) == 0);
  CHECK(new_file_content(dir.s, name.s, &got));
  CHECK(stralloc_copys(&want, head) && stralloc_cats(&want, body));
  CHECK_MEM(got.s, got.len, want.s, want.len);
  /* private to the recipient */
  CHECK(stralloc_copy(&p, &dir) && stralloc_cats(&p, "/new/")
        && stralloc_cats(&p, name.s) && stralloc_0(&p));
  CHECK(stat(p.s, &st) == 0 && (st.st_mode & 077) == 0);
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&why);
  stralloc_free(&name);
  stralloc_free(&got);
  stralloc_free(&want);
  stralloc_free(&p);
}

/* "./Maildir/" style: a final slash, and the message from its current
 * offset; no header lines at all. */
static void
test_deliver_trailing_slash_and_offset(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO, name = STRALLOC_ZERO;
  stralloc got = STRALLOC_ZERO;
  int fd = message_fd("msg2", "skipXYZ\n", 8);

  make_maildir(&dir, "md2", "tnc");
  dir.len--; /* the NUL */
  CHECK(stralloc_cats(&dir, "/") && stralloc_0(&dir));
  CHECK(lseek(fd, 4, SEEK_SET) == 4);
  CHECK(maildir_deliver(dir.s, fd, "", 0, 0, &why));
  CHECK(count_files(dir.s, "new", &name) == 1);
  CHECK(new_file_content(dir.s, name.s, &got));
  CHECK_MEM(got.s, got.len, "XYZ\n", 4);
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&why);
  stralloc_free(&name);
  stralloc_free(&got);
}

static void
test_many_deliveries_unique(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int fd = message_fd("msg3", body, sizeof body - 1);
  int i, ok = 1;

  make_maildir(&dir, "md3", "tnc");
  for (i = 0; i < 50; ++i) {
    lseek(fd, 0, SEEK_SET);
    ok &= maildir_deliver(dir.s, fd, head, sizeof head - 1, 0, &why);
  }
  CHECK(ok);
  CHECK(count_files(dir.s, "new", 0) == 50);
  CHECK(count_files(dir.s, "tmp", 0) == 0);
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&why);
}

static void
test_missing_maildir(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int fd = message_fd("msg4", body, sizeof body - 1);

  path(&dir, "nonexistent/");
  errno = 0;
  CHECK(!maildir_deliver(dir.s, fd, head, sizeof head - 1, 0, &why));
  CHECK(errno == ENOENT);
  CHECK(contains(&why, "Unable to open maildir "));
  CHECK(contains(&why, "nonexistent/: "));
  CHECK(contains(&why, "(#4.2.1)"));
  CHECK(why.len && why.s[why.len - 1] == ')');
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&why);
}

static void
test_missing_new(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int fd = message_fd("msg5", body, sizeof body - 1);

  make_maildir(&dir, "md5", "tc");
  CHECK(!maildir_deliver(dir.s, fd, head, sizeof head - 1, 0, &why));
  CHECK(errno == ENOENT);
  CHECK(contains(&why, "new/"));
  CHECK(contains(&why, "(#4.2.1)"));
  CHECK(count_files(dir.s, "tmp", 0) == 0);
  CHECK(count_files(dir.s, "new", 0) == -1);
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&why);
}

static void
test_missing_tmp(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int fd = message_fd("msg6", body, sizeof body - 1);

  make_maildir(&dir, "md6", "nc");
  CHECK(!maildir_deliver(dir.s, fd, head, sizeof head - 1, 0, &why));
  CHECK(contains(&why, "tmp/"));
  CHECK(contains(&why, "(#4.2.1)"));
  CHECK(count_files(dir.s, "new", 0) == 0);
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&why);
}

/* new/ is a file, not a directory. */
static void
test_new_not_a_directory(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO, p = STRALLOC_ZERO;
  int fd = message_fd("msg7", body, sizeof body - 1), f;

  make_maildir(&dir, "md7", "tc");
  CHECK(stralloc_copy(&p, &dir) && (p.len--, stralloc_cats(&p, "/new"))
        && stralloc_0(&p));
  f = open(p.s, O_WRONLY | O_CREAT, 0600);
  CHECK(f != -1);
  close(f);
  CHECK(!maildir_deliver(dir.s, fd, head, sizeof head - 1, 0, &why));
  CHECK(errno == ENOTDIR);
  CHECK(contains(&why, "(#4.2.1)"));
  CHECK(count_files(dir.s, "tmp", 0) == 0);
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&why);
  stralloc_free(&p);
}

/* A message source that cannot be read (a directory). */
static void
test_unreadable_message(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int fd = open(top, O_RDONLY);

  make_maildir(&dir, "md8", "tnc");
  CHECK(fd != -1);
  CHECK(!maildir_deliver(dir.s, fd, head, sizeof head - 1, 0, &why));
  CHECK(contains(&why, "Unable to read message: "));
  CHECK(contains(&why, "(#4.3.0)"));
  CHECK(count_files(dir.s, "tmp", 0) == 0);
  CHECK(count_files(dir.s, "new", 0) == 0);
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&why);
}

/* A write that fails half-way (the file size limit) leaves nothing. */
static void
test_write_fails_midway(void)
{
  stralloc dir = STRALLOC_ZERO;
  char *big = malloc(100000);
  int fd, status = -1;
  pid_t pid;

  CHECK(big != 0);
  if (!big)
    return;
  memset(big, 'x', 100000);
  fd = message_fd("msg9", big, 100000);
  make_maildir(&dir, "md9", "tnc");
  pid = fork();
  if (pid == 0) {
    stralloc why = STRALLOC_ZERO;
    struct rlimit lim;

    lim.rlim_cur = lim.rlim_max = 20000;
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) == -1)
      _exit(3);
    if (maildir_deliver(dir.s, fd, head, sizeof head - 1, 0, &why))
      _exit(1);
    if (errno != EFBIG || !contains(&why, "Unable to write "))
      _exit(2);
    _exit(0);
  }
  CHECK(wait_pid(pid, &status) == pid);
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 0);
  CHECK(count_files(dir.s, "tmp", 0) == 0);
  CHECK(count_files(dir.s, "new", 0) == 0);
  close(fd);
  free(big);
  stralloc_free(&dir);
}

static void
caught(int sig)
{
  (void)sig;
}

/* A message source that never ends: the delivery gives up after the
 * timeout, cleans up, and puts the caller's SIGALRM handler back. */
static void
test_timeout(void)
{
  stralloc dir = STRALLOC_ZERO, why = STRALLOC_ZERO;
  struct sigaction mine, after;
  int fds[2];

  make_maildir(&dir, "md10", "tnc");
  CHECK(pipe(fds) == 0);
  CHECK(write(fds[1], "partial", 7) == 7);
  memset(&mine, 0, sizeof mine);
  mine.sa_handler = caught;
  sigemptyset(&mine.sa_mask);
  CHECK(sigaction(SIGALRM, &mine, 0) == 0);
  errno = 0;
  CHECK(!maildir_deliver(dir.s, fds[0], head, sizeof head - 1, 1, &why));
  CHECK(errno == ETIMEDOUT);
  CHECK_SA(why, "Timeout on maildir delivery. (#4.3.0)");
  CHECK(count_files(dir.s, "tmp", 0) == 0);
  CHECK(count_files(dir.s, "new", 0) == 0);
  CHECK(sigaction(SIGALRM, 0, &after) == 0 && after.sa_handler == caught);
  CHECK(alarm(0) == 0);
  signal(SIGALRM, SIG_DFL);
  close(fds[0]);
  close(fds[1]);
  stralloc_free(&dir);
  stralloc_free(&why);
}

/* Write an empty file dir/sub/name. */
static void
touch_in(const char *dir, const char *sub, const char *name)
{
  stralloc p = STRALLOC_ZERO;
  int fd;

  if (!stralloc_copys(&p, dir) || !stralloc_append(&p, '/') || !stralloc_cats(&p, sub)
      || !stralloc_append(&p, '/') || !stralloc_cats(&p, name) || !stralloc_0(&p))
    die_nomem();
  fd = open(p.s, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  CHECK(fd != -1);
  if (fd != -1)
    close(fd);
  stralloc_free(&p);
}

static void
test_list_oldest_first(void)
{
  stralloc dir = STRALLOC_ZERO, names = STRALLOC_ZERO;
  char **list = 0;
  size_t count = 99;

  make_maildir(&dir, "listing", "tcn");
  CHECK(maildir_list(dir.s, &names, &list, &count));
  CHECK(count == 0);
  free(list);
  touch_in(dir.s, "new", "1700000003.M1P1.host");
  touch_in(dir.s, "cur", "1700000001.M1P1.host:2,S");
  touch_in(dir.s, "new", "1700000002.M1P1.host");
  touch_in(dir.s, "new", ".hidden");
  CHECK(maildir_list(dir.s, &names, &list, &count));
  CHECK(count == 3);
  if (count == 3) {
    CHECK_STR(list[0], "cur/1700000001.M1P1.host:2,S");
    CHECK_STR(list[1], "new/1700000002.M1P1.host");
    CHECK_STR(list[2], "new/1700000003.M1P1.host");
  }
  free(list);
  /* a directory that is not a maildir is an error */
  make_maildir(&dir, "notamaildir", "t");
  errno = 0;
  CHECK(!maildir_list(dir.s, &names, &list, &count));
  CHECK(errno == ENOENT);
  stralloc_free(&dir);
  stralloc_free(&names);
}

int
main(void)
{
  if (!mkdtemp(top)) {
    printf("# mkdtemp failed\n");
    return 1;
  }
  umask(022);
  RUN(test_unique_form);
  RUN(test_unique_host_escapes);
  RUN(test_deliver_exact_bytes);
  RUN(test_deliver_trailing_slash_and_offset);
  RUN(test_many_deliveries_unique);
  RUN(test_missing_maildir);
  RUN(test_missing_new);
  RUN(test_missing_tmp);
  RUN(test_new_not_a_directory);
  RUN(test_unreadable_message);
  RUN(test_write_fails_midway);
  RUN(test_timeout);
  RUN(test_list_oldest_first);
  if (!unit_rmtree(top))
    printf("# could not remove %s\n", top);
  return unit_done();
}
