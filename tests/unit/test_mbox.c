/* Unit tests for mbox: the From_ line, mboxrd quoting (also across read
 * boundaries), the final newline and blank line, appending, truncation
 * back to the old size when a write or a read fails, the directory of a
 * new mbox synced (a delivery fails while it cannot be), and locking: a
 * lock held by another process delays the delivery, one held too long
 * makes it fail, and the delivery's own locks keep others out while it
 * writes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "lock.h"
#include "mbox.h"
#include "open.h"
#include "stralloc.h"
#include "wait.h"
#include "unit.h"

static char top[] = "/tmp/test_mbox.XXXXXX";
static const char head[] = "From s@x Sun Nov 22 03:00:00 2026\n"
  "Return-Path: <s@x>\nDelivered-To: joe@example.org\n";

static void
die_nomem(void)
{
  printf("# out of memory\n");
  exit(1);
}

static const char *
path(stralloc *sa, const char *name)
{
  sa->len = 0;
  if (!stralloc_cats(sa, top) || !stralloc_append(sa, '/')
      || !stralloc_cats(sa, name) || !stralloc_0(sa))
    die_nomem();
  return sa->s;
}

static int
content(const char *p, stralloc *out)
{
  char chunk[4096];
  ssize_t r;
  int fd = open_read(p);

  out->len = 0;
  if (fd == -1)
    return 0;
  while ((r = read(fd, chunk, sizeof chunk)) > 0)
    if (!stralloc_catb(out, chunk, (size_t)r))
      die_nomem();
  close(fd);
  return r == 0;
}

/* A file top/name holding s[0..len); an fd open for reading at 0. */
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

/* Deliver msg to top/name and compare the whole file with want. */
static void
check_delivery(const char *name, const char *msg, size_t msglen,
               const char *want, size_t wantlen)
{
  stralloc p = STRALLOC_ZERO, why = STRALLOC_ZERO, got = STRALLOC_ZERO;
  int fd = message_fd("msg", msg, msglen);

  path(&p, name);
  CHECK(fd != -1);
  CHECK(mbox_deliver(p.s, fd, head, sizeof head - 1, 0, &why));
  CHECK(content(p.s, &got));
  CHECK_MEM(got.s, got.len, want, wantlen);
  close(fd);
  stralloc_free(&p);
  stralloc_free(&why);
  stralloc_free(&got);
}

static void
test_fromline(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(mbox_fromline(&sa, "joe@example.org", (time_t)1795316400));
  CHECK_SA(sa, "From joe@example.org Sun Nov 22 03:00:00 2026\n");
  sa.len = 0;
  CHECK(mbox_fromline(&sa, "", (time_t)0));
  CHECK_SA(sa, "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n");
  sa.len = 0;
  CHECK(mbox_fromline(&sa, "a b\tc\nd@x", (time_t)951782400));
  CHECK_SA(sa, "From a-b-c-d@x Tue Feb 29 00:00:00 2000\n");
  /* appends */
  CHECK(stralloc_copys(&sa, "X") && mbox_fromline(&sa, "#@[]", (time_t)59));
  CHECK_SA(sa, "XFrom #@[] Thu Jan  1 00:00:59 1970\n");
  stralloc_free(&sa);
}

static void
test_new_file_exact_bytes(void)
{
  static const char msg[] = "Subject: hi\n\nbody\n";
  stralloc want = STRALLOC_ZERO, p = STRALLOC_ZERO;
  struct stat st;

  CHECK(stralloc_copys(&want, head) && stralloc_cats(&want, msg)
        && stralloc_cats(&want, "\n"));
  check_delivery("mbox1", msg, sizeof msg - 1, want.s, want.len);
  CHECK(stat(path(&p, "mbox1"), &st) == 0 && (st.st_mode & 0777) == 0600);
  stralloc_free(&want);
  stralloc_free(&p);
}

static void
test_quoting(void)
{
  static const char msg[] =
    "Subject: q\n\nFrom me\n>From x\n>>From y\nFrom\nFromage\n From z\n"
    ">\n>F\n>>Fro\nFrom:\nfrom a\nFrom  two\n\nFrom ";
  static const char quoted[] =
    "Subject: q\n\n>From me\n>>From x\n>>>From y\nFrom\nFromage\n From z\n"
    ">\n>F\n>>Fro\nFrom:\nfrom a\n>From  two\n\n>From \n\n";
  stralloc want = STRALLOC_ZERO;

  CHECK(stralloc_copys(&want, head) && stralloc_cats(&want, quoted));
  check_delivery("mbox2", msg, sizeof msg - 1, want.s, want.len);
  stralloc_free(&want);
}

/* "From " split over two reads of the message (8192-byte chunks). */
static void
test_quoting_across_reads(void)
{
  stralloc msg = STRALLOC_ZERO, want = STRALLOC_ZERO;
  size_t split;

  for (split = 8186; split <= 8193; ++split) {
    msg.len = 0;
    while (msg.len < split - 1)
      if (!stralloc_append(&msg, msg.len % 64 == 63 ? '\n' : 'a'))
        die_nomem();
    /* the line starts at offset split: ">From" straddles 8192 */
    if (!stralloc_cats(&msg, "\n>From x\nend\n"))
      die_nomem();
    CHECK(stralloc_copys(&want, head));
    CHECK(stralloc_catb(&want, msg.s, split));
    CHECK(stralloc_cats(&want, ">>From x\nend\n\n"));
    check_delivery("mbox3", msg.s, msg.len, want.s, want.len);
    unlink(path(&want, "mbox3"));
  }
  stralloc_free(&msg);
  stralloc_free(&want);
}

static void
test_final_newline_and_empty(void)
{
  stralloc want = STRALLOC_ZERO, p = STRALLOC_ZERO;

  CHECK(stralloc_copys(&want, head) && stralloc_cats(&want, "no newline\n\n"));
  check_delivery("mbox4", "no newline", 10, want.s, want.len);
  CHECK(stralloc_copys(&want, head) && stralloc_cats(&want, "\n"));
  check_delivery("mbox5", "", 0, want.s, want.len);
  stralloc_free(&want);
  stralloc_free(&p);
}

static void
test_appends(void)
{
  stralloc want = STRALLOC_ZERO, p = STRALLOC_ZERO;
  stralloc why = STRALLOC_ZERO, got = STRALLOC_ZERO;
  int fd1 = message_fd("m1", "one\n", 4), fd2 = message_fd("m2", "two\n", 4);

  path(&p, "mbox6");
  CHECK(mbox_deliver(p.s, fd1, head, sizeof head - 1, 0, &why));
  CHECK(mbox_deliver(p.s, fd2, head, sizeof head - 1, 0, &why));
  CHECK(stralloc_copys(&want, head) && stralloc_cats(&want, "one\n\n")
        && stralloc_cats(&want, head) && stralloc_cats(&want, "two\n\n"));
  CHECK(content(p.s, &got));
  CHECK_MEM(got.s, got.len, want.s, want.len);
  close(fd1);
  close(fd2);
  stralloc_free(&want);
  stralloc_free(&p);
  stralloc_free(&why);
  stralloc_free(&got);
}

static void
test_open_fails(void)
{
  stralloc p = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int fd = message_fd("m3", "x\n", 2);

  path(&p, "no/such/dir/mbox");
  errno = 0;
  CHECK(!mbox_deliver(p.s, fd, head, sizeof head - 1, 0, &why));
  CHECK(errno == ENOENT);
  CHECK(contains(&why, "Unable to open "));
  CHECK(contains(&why, "no/such/dir/mbox: "));
  CHECK(contains(&why, "(#4.2.1)"));
  close(fd);
  stralloc_free(&p);
  stralloc_free(&why);
}

/* A new mbox's directory is synced before the message goes in; when it
 * cannot be (here: it cannot be opened for reading), the delivery fails
 * and leaves an empty file, and the next delivery, finding it empty,
 * syncs the directory again.  Root reads any directory, so only the
 * retry is seen then. */
static void
test_new_mbox_directory_sync(void)
{
  stralloc dir = STRALLOC_ZERO, p = STRALLOC_ZERO, why = STRALLOC_ZERO;
  stralloc want = STRALLOC_ZERO, got = STRALLOC_ZERO;
  struct stat st;
  int fd = message_fd("m5", "hi\n", 3);

  path(&dir, "unreadable");
  CHECK(mkdir(dir.s, 0700) == 0);
  path(&p, "unreadable/mbox");
  if (geteuid() != 0) {
    CHECK(chmod(dir.s, 0300) == 0);
    errno = 0;
    CHECK(!mbox_deliver(p.s, fd, head, sizeof head - 1, 0, &why));
    CHECK(errno == EACCES);
    CHECK(contains(&why, "Unable to sync the directory of "));
    CHECK(contains(&why, "unreadable/mbox: "));
    CHECK(contains(&why, "(#4.2.1)"));
    CHECK(stat(p.s, &st) == 0 && st.st_size == 0);
    CHECK(chmod(dir.s, 0700) == 0);
    lseek(fd, 0, SEEK_SET);
  }
  CHECK(mbox_deliver(p.s, fd, head, sizeof head - 1, 0, &why));
  CHECK(stralloc_copys(&want, head) && stralloc_cats(&want, "hi\n\n"));
  CHECK(content(p.s, &got));
  CHECK_MEM(got.s, got.len, want.s, want.len);
  close(fd);
  stralloc_free(&dir);
  stralloc_free(&p);
  stralloc_free(&why);
  stralloc_free(&want);
  stralloc_free(&got);
}

/* A name without a slash is a file in the current directory. */
static void
test_new_mbox_here(void)
{
  stralloc want = STRALLOC_ZERO, got = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int fd = message_fd("m6", "here\n", 5), back = open(".", O_RDONLY);

  CHECK(back != -1 && chdir(top) == 0);
  CHECK(mbox_deliver("mbox-here", fd, head, sizeof head - 1, 0, &why));
  CHECK(stralloc_copys(&want, head) && stralloc_cats(&want, "here\n\n"));
  CHECK(content("mbox-here", &got));
  CHECK_MEM(got.s, got.len, want.s, want.len);
  CHECK(fchdir(back) == 0);
  close(back);
  close(fd);
  stralloc_free(&want);
  stralloc_free(&got);
  stralloc_free(&why);
}

/* An mbox holding one message already; its size. */
static off_t
prefilled(stralloc *p, const char *name)
{
  static const char old[] = "From a@b Thu Jan  1 00:00:00 1970\nold\n\n";
  struct stat st;
  int fd;

  path(p, name);
  fd = open(p->s, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd == -1 || write(fd, old, sizeof old - 1) != (ssize_t)(sizeof old - 1))
    return -1;
  close(fd);
  return stat(p->s, &st) == 0 ? st.st_size : -1;
}

/* A write that fails half-way (RLIMIT_FSIZE, SIGXFSZ ignored: EFBIG)
 * leaves the mbox exactly as it was. */
static void
test_truncated_after_write_error(void)
{
  stralloc p = STRALLOC_ZERO, before = STRALLOC_ZERO, after = STRALLOC_ZERO;
  char *big = malloc(100000);
  off_t size;
  int fd, status = -1;
  pid_t pid;

  CHECK(big != 0);
  if (!big)
    return;
  memset(big, 'y', 100000);
  big[50000] = '\n';
  fd = message_fd("m4", big, 100000);
  size = prefilled(&p, "mbox7");
  CHECK(size > 0);
  CHECK(content(p.s, &before));
  pid = fork();
  if (pid == 0) {
    stralloc why = STRALLOC_ZERO;
    struct rlimit lim;

    lim.rlim_cur = lim.rlim_max = (rlim_t)size + 20000;
    signal(SIGXFSZ, SIG_IGN);
    if (setrlimit(RLIMIT_FSIZE, &lim) == -1)
      _exit(3);
    if (mbox_deliver(p.s, fd, head, sizeof head - 1, 0, &why))
      _exit(1);
    if (errno != EFBIG || !contains(&why, "Unable to write ")
        || !contains(&why, "(#4.2.2)"))
      _exit(2);
    _exit(0);
  }
  CHECK(wait_pid(pid, &status) == pid);
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 0);
  CHECK(content(p.s, &after));
  CHECK_MEM(after.s, after.len, before.s, before.len);
  close(fd);
  free(big);
  stralloc_free(&p);
  stralloc_free(&before);
  stralloc_free(&after);
}

/* A message that cannot be read after part of the delivery reached the
 * file (a head longer than the output buffer is written before the
 * first read): the file is cut back as well. */
static void
test_truncated_after_read_error(void)
{
  stralloc p = STRALLOC_ZERO, before = STRALLOC_ZERO, after = STRALLOC_ZERO;
  stralloc longhead = STRALLOC_ZERO, why = STRALLOC_ZERO;
  int dirfd = open(top, O_RDONLY);

  CHECK(prefilled(&p, "mbox8") > 0);
  CHECK(content(p.s, &before));
  CHECK(stralloc_copys(&longhead, head));
  while (longhead.len < 3 * 8192)
    if (!stralloc_cats(&longhead, "X-Filler: 0123456789abcdef\n"))
      die_nomem();
  CHECK(!mbox_deliver(p.s, dirfd, longhead.s, longhead.len, 0, &why));
  CHECK(contains(&why, "Unable to read message: "));
  CHECK(contains(&why, "(#4.3.0)"));
  CHECK(content(p.s, &after));
  CHECK_MEM(after.s, after.len, before.s, before.len);
  close(dirfd);
  stralloc_free(&p);
  stralloc_free(&before);
  stralloc_free(&after);
  stralloc_free(&longhead);
  stralloc_free(&why);
}

enum lock_kind { HOLD_FCNTL, HOLD_FLOCK };

/* A child that locks path the given way, says so on a pipe, and keeps
 * the lock for hold_ms milliseconds (or until killed). */
static pid_t
lock_holder(const char *p, enum lock_kind kind, long hold_ms)
{
  int fds[2];
  char c;
  pid_t pid;

  if (pipe(fds) == -1)
    return -1;
  pid = fork();
  if (pid == 0) {
    int fd = open(p, O_RDWR | O_CREAT, 0600);
    struct timespec t;

    close(fds[0]);
    if (fd == -1 || !(kind == HOLD_FCNTL ? lock_fcntl_ex(fd) : lock_ex(fd)))
      _exit(1);
    if (write(fds[1], "L", 1) != 1)
      _exit(1);
    t.tv_sec = hold_ms / 1000;
    t.tv_nsec = (hold_ms % 1000) * 1000000L;
    nanosleep(&t, 0);
    _exit(0);
  }
  close(fds[1]);
  if (pid == -1 || read(fds[0], &c, 1) != 1) {
    close(fds[0]);
    return -1;
  }
  close(fds[0]);
  return pid;
}

static double
seconds_since(const struct timeval *start)
{
  struct timeval now;

  gettimeofday(&now, 0);
  return (double)(now.tv_sec - start->tv_sec)
    + (double)(now.tv_usec - start->tv_usec) / 1e6;
}

/* A lock held elsewhere delays the delivery until it is released. */
static void
test_waits_for_lock(void)
{
  enum lock_kind kinds[2] = { HOLD_FCNTL, HOLD_FLOCK };
  int i;

  for (i = 0; i < 2; ++i) {
    stralloc p = STRALLOC_ZERO, why = STRALLOC_ZERO, got = STRALLOC_ZERO;
    int fd = message_fd("m5", "locked\n", 7), status;
    struct timeval start;
    pid_t holder;
    double took;

    path(&p, i ? "mbox9b" : "mbox9a");
    holder = lock_holder(p.s, kinds[i], 700);
    CHECK(holder > 0);
    gettimeofday(&start, 0);
    CHECK(mbox_deliver(p.s, fd, head, sizeof head - 1, 10, &why));
    took = seconds_since(&start);
    CHECK(took >= 0.5);
    CHECK(took < 5);
    CHECK(content(p.s, &got) && contains(&got, "\nlocked\n"));
    CHECK(wait_pid(holder, &status) == holder && wait_exitcode(status) == 0);
    close(fd);
    stralloc_free(&p);
    stralloc_free(&why);
    stralloc_free(&got);
  }
}

/* A lock that is never released: the delivery gives up, temporarily,
 * and leaves the file alone. */
static void
test_lock_timeout(void)
{
  stralloc p = STRALLOC_ZERO, why = STRALLOC_ZERO, got = STRALLOC_ZERO;
  int fd = message_fd("m6", "never\n", 6), status;
  pid_t holder;

  CHECK(prefilled(&p, "mbox10") > 0);
  holder = lock_holder(p.s, HOLD_FLOCK, 60000);
  CHECK(holder > 0);
  errno = 0;
  CHECK(!mbox_deliver(p.s, fd, head, sizeof head - 1, 1, &why));
  CHECK(errno == ETIMEDOUT);
  CHECK(contains(&why, "Unable to lock "));
  CHECK(contains(&why, "(#4.3.0)"));
  CHECK(content(p.s, &got) && !contains(&got, "never"));
  kill(holder, SIGKILL);
  wait_pid(holder, &status);
  close(fd);
  stralloc_free(&p);
  stralloc_free(&why);
  stralloc_free(&got);
}

/* Another program's dot-lock delays the delivery until it goes; one
 * that stays makes the delivery give up and leave the mbox alone. */
static void
test_dotlock(void)
{
  stralloc p = STRALLOC_ZERO, lock = STRALLOC_ZERO, why = STRALLOC_ZERO,
           got = STRALLOC_ZERO;
  int fd = message_fd("m7", "dotted\n", 7), status = -1, lockfd;
  struct timeval start;
  pid_t remover;
  double took;

  CHECK(prefilled(&p, "mbox12") > 0);
  path(&lock, "mbox12.lock");
  lockfd = open_excl(lock.s, 0644);
  CHECK(lockfd != -1);
  close(lockfd);
  errno = 0;
  CHECK(!mbox_deliver(p.s, fd, head, sizeof head - 1, 1, &why));
  CHECK(errno == ETIMEDOUT);
  CHECK(contains(&why, "mbox12.lock: another program has held its lock"));
  CHECK(contains(&why, "(#4.3.0)"));
  CHECK(content(p.s, &got) && !contains(&got, "dotted"));

  remover = fork();
  if (remover == 0) {
    usleep(600000);
    _exit(unlink(lock.s) == 0 ? 0 : 1);
  }
  gettimeofday(&start, 0);
  CHECK(mbox_deliver(p.s, fd, head, sizeof head - 1, 10, &why));
  took = seconds_since(&start);
  CHECK(took >= 0.4 && took < 5);
  CHECK(wait_pid(remover, &status) == remover && wait_exitcode(status) == 0);
  CHECK(content(p.s, &got) && contains(&got, "\ndotted\n"));
  CHECK(access(lock.s, F_OK) == -1);
  close(fd);
  stralloc_free(&p);
  stralloc_free(&lock);
  stralloc_free(&why);
  stralloc_free(&got);
}

/* A mail reader that replaces the mbox (or removes it) while the
 * delivery waits for its lock: the message goes into the file that is
 * there afterwards, not into the one that was unlinked. */
static void
test_replaced_while_waiting(void)
{
  stralloc p = STRALLOC_ZERO, old = STRALLOC_ZERO, fresh = STRALLOC_ZERO,
           got = STRALLOC_ZERO;
  int fd = message_fd("m8", "arrived\n", 8), status = -1, ffd;
  pid_t holder, deliverer;

  CHECK(prefilled(&p, "mbox13") > 0);
  path(&old, "mbox13.old");
  path(&fresh, "mbox13.new");
  CHECK(link(p.s, old.s) == 0);
  holder = lock_holder(p.s, HOLD_FCNTL, 800);
  CHECK(holder > 0);
  deliverer = fork();
  if (deliverer == 0) {
    stralloc why = STRALLOC_ZERO;

    _exit(mbox_deliver(p.s, fd, head, sizeof head - 1, 10, &why) ? 0 : 1);
  }
  usleep(300000);
  ffd = open(fresh.s, O_WRONLY | O_CREAT | O_EXCL, 0600);
  CHECK(ffd != -1 && write(ffd, "kept\n", 5) == 5);
  close(ffd);
  CHECK(rename(fresh.s, p.s) == 0);
  CHECK(wait_pid(deliverer, &status) == deliverer);
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 0);
  CHECK(wait_pid(holder, &status) == holder);
  CHECK(content(p.s, &got) && got.len > 5 && !memcmp(got.s, "kept\n", 5)
        && contains(&got, "\narrived\n"));
  CHECK(content(old.s, &got) && !contains(&got, "arrived"));
  close(fd);
  stralloc_free(&p);
  stralloc_free(&old);
  stralloc_free(&fresh);
  stralloc_free(&got);
}

/* mbox_append on a descriptor the caller opened: same bytes, fd left
 * open, no dot-lock of its own. */
static void
test_append_on_fd(void)
{
  stralloc p = STRALLOC_ZERO, why = STRALLOC_ZERO, got = STRALLOC_ZERO,
           lock = STRALLOC_ZERO;
  int fd = message_fd("m9", "From fd\n", 8), box;

  path(&p, "mbox14");
  path(&lock, "mbox14.lock");
  box = open(p.s, O_WRONLY | O_APPEND | O_CREAT, 0600);
  CHECK(box != -1);
  CHECK(mbox_append(box, p.s, fd, head, sizeof head - 1, 1, &why));
  CHECK(fcntl(box, F_GETFD) != -1);
  CHECK(access(lock.s, F_OK) == -1);
  close(box);
  CHECK(content(p.s, &got));
  CHECK(got.len == sizeof head - 1 + 10 && !memcmp(got.s, head, sizeof head - 1)
        && !memcmp(got.s + sizeof head - 1, ">From fd\n\n", 10));
  close(fd);
  stralloc_free(&p);
  stralloc_free(&why);
  stralloc_free(&got);
  stralloc_free(&lock);
}

/* While the delivery writes, neither an fcntl nor a flock locker gets
 * in; afterwards both do.  The message comes through a pipe so that
 * the delivery can be held in the middle. */
static void
test_lock_held_while_writing(void)
{
  stralloc p = STRALLOC_ZERO, got = STRALLOC_ZERO;
  char chunk[20000];
  struct stat st;
  int msg[2], status = -1, fd, i;
  pid_t deliverer;

  path(&p, "mbox11");
  CHECK(pipe(msg) == 0);
  deliverer = fork();
  if (deliverer == 0) {
    stralloc why = STRALLOC_ZERO;

    close(msg[1]);
    _exit(mbox_deliver(p.s, msg[0], head, sizeof head - 1, 5, &why) ? 0 : 1);
  }
  close(msg[0]);
  memset(chunk, 'z', sizeof chunk);
  chunk[sizeof chunk - 1] = '\n';
  CHECK(write(msg[1], chunk, sizeof chunk) == (ssize_t)sizeof chunk);
  /* wait until part of it reached the file: the locks are held now */
  for (i = 0; i < 500; ++i) {
    if (stat(p.s, &st) == 0 && st.st_size > 0)
      break;
    usleep(10000);
  }
  CHECK(st.st_size > 0);
  CHECK(stralloc_copy(&got, &p) && got.len-- && stralloc_cats(&got, ".lock")
        && stralloc_0(&got));
  CHECK(stat(got.s, &st) == 0);
  fd = open(p.s, O_RDWR);
  CHECK(fd != -1);
  errno = 0;
  CHECK(!lock_fcntl_exnb(fd) && (errno == EAGAIN || errno == EACCES));
  errno = 0;
  CHECK(!lock_exnb(fd) && errno == EWOULDBLOCK);
  close(msg[1]);
  CHECK(wait_pid(deliverer, &status) == deliverer);
  CHECK(!wait_crashed(status) && wait_exitcode(status) == 0);
  CHECK(lock_fcntl_exnb(fd) && lock_exnb(fd));
  close(fd);
  CHECK(stat(got.s, &st) == -1 && errno == ENOENT);
  CHECK(content(p.s, &got) && got.len == sizeof head - 1 + sizeof chunk + 1);
  stralloc_free(&p);
  stralloc_free(&got);
}

int
main(void)
{
  if (!mkdtemp(top)) {
    printf("# mkdtemp failed\n");
    return 1;
  }
  umask(022);
  RUN(test_fromline);
  RUN(test_new_file_exact_bytes);
  RUN(test_quoting);
  RUN(test_quoting_across_reads);
  RUN(test_final_newline_and_empty);
  RUN(test_appends);
  RUN(test_open_fails);
  RUN(test_new_mbox_directory_sync);
  RUN(test_new_mbox_here);
  RUN(test_truncated_after_write_error);
  RUN(test_truncated_after_read_error);
  RUN(test_waits_for_lock);
  RUN(test_lock_timeout);
  RUN(test_lock_held_while_writing);
  RUN(test_dotlock);
  RUN(test_replaced_while_waiting);
  RUN(test_append_on_fd);
  if (!unit_rmtree(top))
    printf("# could not remove %s\n", top);
  return unit_done();
}
