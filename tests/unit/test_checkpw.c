/* Unit tests for checkpw: small shell-script checkpassword programs in
 * a scratch directory check the bytes on fd 3 and exit 0, 1, 2, 111,
 * die by a signal, sleep past the time limit (with a grandchild), try
 * to read the caller's input; programs that are missing or cannot run;
 * credentials too long or holding a NUL.  For the descriptors the
 * program inherits, this test program runs itself as the checkpassword
 * program (--fds) and lists what it has open.  After every call no
 * child is left to reap. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpw.h"
#include "stralloc.h"
#include "timeoutio.h"
#include "wait.h"
#include "unit.h"

static char top[] = "/tmp/test_checkpw.XXXXXX";
static const char *self;

/* top/name as a C string, in one of a few rotating buffers. */
static const char *
path(const char *name)
{
  static char space[4][512];
  static int next;
  char *p = space[next++ % 4];

  snprintf(p, sizeof space[0], "%s/%s", top, name);
  return p;
}

static int
write_file(const char *name, const char *data, size_t len, int mode)
{
  int fd = open(path(name), O_WRONLY | O_CREAT | O_TRUNC, mode);
  int ok;

  if (fd == -1)
    return 0;
  ok = write(fd, data, len) == (ssize_t)len;
  return close(fd) == 0 && ok;
}

static int
read_file(const char *name, stralloc *sa)
{
  char chunk[512];
  int fd = open(path(name), O_RDONLY);
  ssize_t r;

  sa->len = 0;
  if (fd == -1)
    return 0;
  while ((r = read(fd, chunk, sizeof chunk)) > 0)
    if (!stralloc_catb(sa, chunk, (size_t)r))
      r = -1;
  close(fd);
  return r == 0;
}

/* A script top/name run as /bin/sh top/name (so a noexec /tmp does not
 * matter); "$0" inside is its own path. */
static void
script(const char *name, const char *body)
{
  stralloc text = STRALLOC_ZERO;

  if (!stralloc_copys(&text, "#!/bin/sh\n") || !stralloc_cats(&text, body)
      || !stralloc_cats(&text, "\n")
      || !write_file(name, text.s, text.len, 0755))
    printf("# cannot write script %s\n", name);
  stralloc_free(&text);
}

static int
verify(const char *name, const char *rest, const char *user,
       const char *pass, size_t plen, const char *stamp, unsigned int limit)
{
  char *argv[] = { "/bin/sh", (char *)path(name), (char *)rest, 0 };

  return checkpw_verify(argv, user, strlen(user), pass, plen, stamp, limit);
}

/* No child left, reaped or not. */
static int
no_children(void)
{
  int status;

  return wait_nohang(&status) == -1 && errno == ECHILD;
}

/* The checking program: accepts when fd 3 holds exactly top/name.want,
 * then runs its arguments as checkpassword does. */
static void
make_checker(const char *name, const char *want, size_t wantlen)
{
  stralloc wantname = STRALLOC_ZERO;

  script(name, "cat <&3 > \"$0.got\"\n"
               "cmp -s \"$0.got\" \"$0.want\" || exit 1\n"
               "exec \"$@\"");
  if (!stralloc_copys(&wantname, name) || !stralloc_cats(&wantname, ".want")
      || !stralloc_0(&wantname)
      || !write_file(wantname.s, want, wantlen, 0644))
    printf("# cannot write %s.want\n", name);
  stralloc_free(&wantname);
}

static void
test_accepts_right_password(void)
{
  static const char want[] = "joe\0secret\0<12.34@example.org>\0";
  stralloc got = STRALLOC_ZERO;

  make_checker("check", want, sizeof want - 1);
  CHECK(verify("check", "/bin/true", "joe", "secret", 6,
               "<12.34@example.org>", 10) == 1);
  CHECK(!wait_crashed(checkpw_status()) && wait_exitcode(checkpw_status()) == 0);
  CHECK(read_file("check.got", &got));
  CHECK_MEM(got.s, got.len, want, sizeof want - 1);

  /* accepted, but the rest of its argv fails: its exit code counts */
  errno = 0;
  CHECK(verify("check", "/bin/false", "joe", "secret", 6,
               "<12.34@example.org>", 10) == 0);
  CHECK(errno == EACCES && wait_exitcode(checkpw_status()) == 1);

  errno = 0;
  CHECK(verify("check", "/bin/true", "joe", "Secret", 6,
               "<12.34@example.org>", 10) == 0);
  CHECK(errno == EACCES && wait_exitcode(checkpw_status()) == 1);
  CHECK(read_file("check.got", &got));
  CHECK_MEM(got.s, got.len, "joe\0Secret\0<12.34@example.org>\0", 31);

  /* a null timestamp is the empty string; an empty password is sent */
  make_checker("check2", "joe\0\0\0", 6);
  CHECK(verify("check2", "/bin/true", "joe", "", 0, 0, 10) == 1);
  CHECK(no_children());
  stralloc_free(&got);
}

static void
test_exit_codes(void)
{
  script("exit2", "exit 2");
  script("exit7", "exit 7");
  script("exit100", "exit 100");
  script("exit111", "exit 111");

  errno = 0;
  CHECK(verify("exit2", 0, "joe", "pw", 2, "", 10) == 0 && errno == EACCES);
  CHECK(wait_exitcode(checkpw_status()) == 2);
  CHECK(verify("exit7", 0, "joe", "pw", 2, "", 10) == 0);
  CHECK(wait_exitcode(checkpw_status()) == 7);
  CHECK(verify("exit100", 0, "joe", "pw", 2, "", 10) == 0);
  errno = 0;
  CHECK(verify("exit111", 0, "joe", "pw", 2, "", 10) == -1 && errno == EAGAIN);
  CHECK(!wait_crashed(checkpw_status()) && wait_exitcode(checkpw_status()) == 111);
  CHECK(no_children());
}

static void
test_killed_by_signal(void)
{
  script("kill9", "kill -9 $$");
  script("term", "kill -TERM $$; sleep 5");

  errno = 0;
  CHECK(verify("kill9", 0, "joe", "pw", 2, "", 10) == -1 && errno == EAGAIN);
  CHECK(wait_crashed(checkpw_status()) && wait_termsig(checkpw_status()) == SIGKILL);
  errno = 0;
  CHECK(verify("term", 0, "joe", "pw", 2, "", 10) == -1 && errno == EAGAIN);
  CHECK(wait_crashed(checkpw_status()) && wait_termsig(checkpw_status()) == SIGTERM);
  CHECK(no_children());
}

/* pid is gone or a zombie waiting for init (which a container's init
 * may never reap). */
static int
dead(pid_t pid)
{
  char name[64], line[256];
  ssize_t r;
  int fd;

  if (kill(pid, 0) == -1 && errno == ESRCH)
    return 1;
  snprintf(name, sizeof name, "/proc/%ld/stat", (long)pid);
  fd = open(name, O_RDONLY);
  if (fd == -1)
    return 0;
  r = read(fd, line, sizeof line - 1);
  close(fd);
  if (r <= 0)
    return 0;
  line[r] = 0;
  return strstr(line, ") Z ") != 0;
}

static void
test_timeout_kills(void)
{
  stralloc pid = STRALLOC_ZERO;
  long long start, took;
  int i, gone = 0;

  /* never reads fd 3; the sleeping grandchild must die too */
  script("sleeper", "sleep 30 & echo $! > \"$0.pid\"; wait");
  start = timeout_now_ms();
  errno = 0;
  CHECK(verify("sleeper", 0, "joe", "pw", 2, "", 1) == -1);
  CHECK(errno == ETIMEDOUT);
  took = timeout_now_ms() - start;
  CHECK(took >= 900 && took < 3000);
  CHECK(checkpw_status() == -1);
  CHECK(no_children());
  CHECK(read_file("sleeper.pid", &pid) && pid.len > 1);
  if (pid.len > 1 && stralloc_0(&pid)) {
    for (i = 0; i < 200 && !gone; ++i) {
      gone = dead((pid_t)atol(pid.s));
      if (!gone)
        usleep(10000);
    }
    CHECK(gone);
  }

  /* exits without reading: no SIGPIPE for the caller, a plain refusal */
  script("noread", "exit 1");
  CHECK(verify("noread", 0, "joe", "pw", 2, "", 10) == 0);
  CHECK(no_children());
  stralloc_free(&pid);
}

/* The program reads "stdin" and writes "stdout": it sees /dev/null, the
 * caller's input stays unread, nothing reaches the caller's output; its
 * stderr is the caller's. */
static void
test_stdin_stdout_are_null(void)
{
  static const char input[] = "MAIL FROM:<x@example.org>\r\n";
  int in[2], out[2], err[2], saved[3], r, i;
  char buf[128];
  stralloc got = STRALLOC_ZERO;
  ssize_t n;

  script("stdio", "cat > \"$0.in\"; echo leaked; echo complaint >&2; exit 0");
  fflush(stdout);
  r = pipe(in) == 0 && pipe(out) == 0 && pipe(err) == 0;
  CHECK(r);
  if (!r)
    return;
  CHECK(write(in[1], input, sizeof input - 1) == (ssize_t)sizeof input - 1);
  for (i = 0; i < 3; ++i)
    saved[i] = dup(i);
  dup2(in[0], 0);
  dup2(out[1], 1);
  dup2(err[1], 2);
  r = verify("stdio", 0, "joe", "pw", 2, "", 5);
  for (i = 0; i < 3; ++i) {
    dup2(saved[i], i);
    close(saved[i]);
  }
  close(out[1]);
  close(err[1]);
  CHECK(r == 1);
  CHECK(read_file("stdio.in", &got) && got.len == 0);
  CHECK(read(out[0], buf, sizeof buf) == 0);
  n = read(err[0], buf, sizeof buf);
  CHECK_MEM(buf, n > 0 ? (size_t)n : 0, "complaint\n", 10);
  close(in[1]);
  n = read(in[0], buf, sizeof buf);
  CHECK_MEM(buf, n > 0 ? (size_t)n : 0, input, sizeof input - 1);
  close(in[0]);
  close(out[0]);
  close(err[0]);
  CHECK(no_children());
  stralloc_free(&got);
}

/* --fds FILE: the checkpassword program's side of test_descriptors. */
static int
list_fds(const char *file)
{
  char report[1024], creds[600];
  struct stat st, null;
  size_t len = 0;
  ssize_t r, got = 0;
  long fd, max = sysconf(_SC_OPEN_MAX);
  int out;

  if (max <= 0 || max > 65536)
    max = 65536;
  for (fd = 0; fd < max; ++fd)
    if (fcntl((int)fd, F_GETFD) != -1 && len < sizeof report - 32)
      len += (size_t)snprintf(report + len, sizeof report - len, "%ld ", fd);
  if (stat("/dev/null", &null) == 0) {
    if (fstat(0, &st) == 0 && st.st_rdev == null.st_rdev && S_ISCHR(st.st_mode))
      len += (size_t)snprintf(report + len, sizeof report - len, "null0 ");
    if (fstat(1, &st) == 0 && st.st_rdev == null.st_rdev && S_ISCHR(st.st_mode))
      len += (size_t)snprintf(report + len, sizeof report - len, "null1 ");
  }
  if (fstat(3, &st) == 0 && S_ISFIFO(st.st_mode))
    len += (size_t)snprintf(report + len, sizeof report - len, "fifo3 ");
  while ((r = read(3, creds + got, sizeof creds - (size_t)got)) > 0)
    got += r;
  out = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (out == -1 || write(out, report, len) != (ssize_t)len
      || write(out, creds, (size_t)got) != got)
    return 1;
  return close(out) != 0;
}

static void
test_descriptors(void)
{
  char *argv[] = { (char *)self, "--fds", (char *)path("fds.out"), 0 };
  int p[2], high, coe, spare;
  stralloc got = STRALLOC_ZERO;

  /* the caller's fd 3 is something else; more fds, one close-on-exec */
  spare = open("/dev/null", O_RDONLY);
  if (spare != 3)
    dup2(spare, 3);
  CHECK(pipe(p) == 0);
  high = dup2(spare, 200);
  coe = open("/dev/null", O_RDONLY | O_CLOEXEC);
  CHECK(spare > 2 && high == 200 && coe > 2);
  CHECK(checkpw_verify(argv, "joe", 3, "pw", 2, "ts", 10) == 1);
  CHECK(read_file("fds.out", &got));
  CHECK_MEM(got.s, got.len, "0 1 2 3 null0 null1 fifo3 joe\0pw\0ts\0", 36);
  /* the caller's fd 3 is untouched */
  CHECK(fcntl(3, F_GETFD) != -1);
  if (spare != 3)
    close(3);
  close(spare);
  close(p[0]);
  close(p[1]);
  close(high);
  close(coe);
  CHECK(no_children());
  stralloc_free(&got);
}

static void
test_cannot_start(void)
{
  char *missing[] = { (char *)path("no-such-program"), 0 };
  char *notexec[] = { (char *)path("plain-file"), 0 };
  char *empty[] = { 0 };

  CHECK(write_file("plain-file", "#!/bin/sh\nexit 0\n", 17, 0644));
  errno = 0;
  CHECK(checkpw_verify(missing, "joe", 3, "pw", 2, "", 10) == -1);
  CHECK(errno == ENOENT && checkpw_status() == -1);
  errno = 0;
  CHECK(checkpw_verify(notexec, "joe", 3, "pw", 2, "", 10) == -1);
  CHECK(errno == EACCES && checkpw_status() == -1);
  errno = 0;
  CHECK(checkpw_verify(empty, "joe", 3, "pw", 2, "", 10) == -1);
  CHECK(errno == EINVAL);
  CHECK(no_children());
}

/* 512 bytes in all is the limit; more, or a NUL inside user or
 * password, is refused without running the program. */
static void
test_credentials_that_do_not_fit(void)
{
  char pass[600], want[600], stamp[511];
  struct stat st;

  memset(pass, 'p', sizeof pass);
  memset(stamp, 't', sizeof stamp - 1);
  stamp[sizeof stamp - 1] = 0;
  memcpy(want, "joe\0", 4);
  memcpy(want + 4, pass, 506);
  memcpy(want + 510, "\0\0", 2);
  make_checker("fit", want, 512);
  CHECK(verify("fit", "/bin/true", "joe", pass, 506, "", 10) == 1);

  script("ran", ": > \"$0.ran\"; exit 0");
  errno = 0;
  CHECK(verify("ran", 0, "joe", pass, 507, "", 10) == 0 && errno == EMSGSIZE);
  errno = 0;
  CHECK(verify("ran", 0, "joe", pass, 600, "", 10) == 0 && errno == EMSGSIZE);
  errno = 0;
  CHECK(verify("ran", 0, "joe", "pw", 2, stamp, 10) == 0);
  CHECK(errno == EMSGSIZE);
  errno = 0;
  CHECK(checkpw_verify((char *[]){ "/bin/sh", (char *)path("ran"), 0 },
                       "jo\0e", 4, "pw", 2, "", 10) == 0 && errno == EINVAL);
  errno = 0;
  CHECK(verify("ran", 0, "joe", "p\0w", 3, "", 10) == 0 && errno == EINVAL);
  CHECK(checkpw_status() == -1);
  CHECK(stat(path("ran.ran"), &st) == -1 && errno == ENOENT);
  CHECK(no_children());
}

static void
test_wipe(void)
{
  char secret[32] = "hunter2hunter2";
  size_t i;
  int zero = 1;

  checkpw_wipe(secret, sizeof secret);
  for (i = 0; i < sizeof secret; ++i)
    if (secret[i])
      zero = 0;
  CHECK(zero);
  checkpw_wipe(secret, 0);
}

int
main(int argc, char **argv)
{
  if (argc == 3 && strcmp(argv[1], "--fds") == 0)
    return list_fds(argv[2]);
  self = argv[0];
  if (!mkdtemp(top)) {
    printf("# mkdtemp failed\n");
    return 1;
  }
  RUN(test_accepts_right_password);
  RUN(test_exit_codes);
  RUN(test_killed_by_signal);
  RUN(test_timeout_kills);
  RUN(test_stdin_stdout_are_null);
  RUN(test_descriptors);
  RUN(test_cannot_start);
  RUN(test_credentials_that_do_not_fit);
  RUN(test_wipe);
  if (!unit_rmtree(top))
    printf("# could not remove %s\n", top);
  return unit_done();
}
