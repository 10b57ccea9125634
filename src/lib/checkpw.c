/* checkpw.c -- running a checkpassword-compatible program; see
 * checkpw.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkpw.h"
#include "child.h"
#include "fd.h"
#include "timeoutio.h"
#include "wait.h"


/* the longest pause between two looks at a child that has not ended */
#define POLL_MAX_MS 50

static int last_status = -1;

int
checkpw_status(void)
{
  return last_status;
}

void
checkpw_wipe(void *p, size_t n)
{
  volatile unsigned char *v = p;

  while (n--)
    *v++ = 0;
}

/* Lay out user NUL pass NUL timestamp NUL in buf (CHECKPW_MAX bytes).
 * Returns the length, or 0 with errno EINVAL or EMSGSIZE. */
static size_t
stage_credentials(char *buf, const char *user, size_t ulen,
                  const char *pass, size_t plen, const char *timestamp)
{
  size_t tlen = strlen(timestamp);
  size_t pos = 0;

  if ((ulen && memchr(user, 0, ulen)) || (plen && memchr(pass, 0, plen))) {
    errno = EINVAL;
    return 0;
  }
  /* each term alone is checked first, so the sum cannot wrap */
  if (ulen > CHECKPW_MAX || plen > CHECKPW_MAX || tlen > CHECKPW_MAX
      || ulen + plen + tlen + 3 > CHECKPW_MAX) {
    errno = EMSGSIZE;
    return 0;
  }
  memcpy(buf + pos, user, ulen);
  pos += ulen;
  buf[pos++] = 0;
  memcpy(buf + pos, pass, plen);
  pos += plen;
  buf[pos++] = 0;
  memcpy(buf + pos, timestamp, tlen);
  pos += tlen;
  buf[pos++] = 0;
  return pos;
}

/* A pipe whose read end (*reader, close-on-exec) already holds
 * data[0..len) followed by end of input: the write end is closed before
 * any program starts.  1, or 0 with errno set. */
static int
loaded_pipe(int *reader, const char *data, size_t len)
{
  int p[2], err;
  ssize_t r;

  if (pipe(p) == -1)
    return 0;
  /* non-blocking: a pipe too small for 512 bytes fails, never hangs */
  if (!fd_coe(p[0]) || !fd_coe(p[1]) || !fd_ndelay_on(p[1]))
    goto fail;
  do
    r = write(p[1], data, len);
  while (r == -1 && errno == EINTR);
  if (r != (ssize_t)len) {
    if (r >= 0)
      errno = EIO;
    goto fail;
  }
  close(p[1]);
  *reader = p[0];
  return 1;
fail:
  err = errno;
  close(p[0]);
  close(p[1]);
  errno = err;
  return 0;
}

/* In the child: a close-on-exec copy of fd numbered 4 or above, so that
 * placing fds 0, 1 and 3 cannot clobber it.  -1 on error. */
static int
above_three(int fd)
{
  if (fd > 3)
    return fd_coe(fd) ? fd : -1;
  return fcntl(fd, F_DUPFD_CLOEXEC, 4);
}

/* In the child: mark every descriptor from 4 up close-on-exec.  The
 * open ones are listed in /proc/self/fd where there is one (Linux);
 * elsewhere every possible number is tried. */
static void
close_rest_at_exec(void)
{
  DIR *dir = opendir("/proc/self/fd");
  struct dirent *d;
  long fd, max;

  if (dir) {
    while ((d = readdir(dir)))
      if (d->d_name[0] >= '0' && d->d_name[0] <= '9') {
        fd = strtol(d->d_name, 0, 10);
        if (fd > 3)
          fd_coe((int)fd);
      }
    closedir(dir);
    return;
  }
  max = sysconf(_SC_OPEN_MAX);
  if (max <= 0)
    max = 1024;
  for (fd = 4; fd < max; ++fd)
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

/* In the child: set up the descriptors and exec argv, or write errno to
 * report and exit. */
static void __attribute__((noreturn))
run_program(char *const *argv, int creds, int report)
{
  sigset_t none;
  int null, moved, err;

  child_reset_handlers();
  setpgid(0, 0);
  moved = above_three(report);
  if (moved == -1)
    goto fail;
  report = moved;
  creds = above_three(creds);
  if (creds == -1)
    goto fail;
  null = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null == -1 || (null = above_three(null)) == -1)
    goto fail;
  if (!fd_copy(0, null) || !fd_copy(1, null) || !fd_copy(3, creds))
    goto fail;
  close_rest_at_exec();
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, 0);
  execvp(argv[0], argv);
fail:
  err = errno;
  while (write(report, &err, sizeof err) == -1 && errno == EINTR)
    ;
  _exit(127);
}

/* Fork the program with creds as its fd 3.  Returns its pid once it
 * runs (the exec succeeded), or -1 with errno set. */
static pid_t
start_program(char *const *argv, int creds)
{
  int report[2], child_errno = 0, err, status;
  sigset_t all, saved;
  ssize_t r;
  pid_t pid;

  if (pipe(report) == -1)
    return -1;
  if (!fd_coe(report[0]) || !fd_coe(report[1])) {
    err = errno;
    close(report[0]);
    close(report[1]);
    errno = err;
    return -1;
  }
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &saved);
  pid = fork();
  if (pid == 0)
    run_program(argv, creds, report[1]);
  err = errno;
  sigprocmask(SIG_SETMASK, &saved, 0);
  close(report[1]);
  if (pid == -1) {
    close(report[0]);
    errno = err;
    return -1;
  }
  /* both sides set the group, so that it exists before any kill */
  setpgid(pid, pid);

  /* the report pipe closes without data when the exec succeeds */
  do
    r = read(report[0], &child_errno, sizeof child_errno);
  while (r == -1 && errno == EINTR);
  close(report[0]);
  if (r <= 0)
    return pid;
  wait_pid(pid, &status);
  errno = r == (ssize_t)sizeof child_errno ? child_errno : EIO;
  return -1;
}

/* Wait for pid until deadline (timeout_now_ms time; 0: no limit).
 * 1 when it ended (*status set), 0 when the deadline passed first, -1
 * on a wait error. */
static int
wait_until(pid_t pid, long long deadline, int *status)
{
  long long pause_ms = 1, left;
  struct timespec ts;
  pid_t r;

  if (!deadline)
    return wait_pid(pid, status) == pid ? 1 : -1;
  for (;;) {
    r = waitpid(pid, status, WNOHANG);
    if (r == pid)
      return 1;
    if (r == -1 && errno != EINTR)
      return -1;
    left = deadline - timeout_now_ms();
    if (left <= 0)
      return 0;
    if (pause_ms > left)
      pause_ms = left;
    ts.tv_sec = (time_t)(pause_ms / 1000);
    ts.tv_nsec = (long)(pause_ms % 1000) * 1000000L;
    nanosleep(&ts, 0);
    if (pause_ms < POLL_MAX_MS)
      pause_ms *= 2;
  }
}

int
checkpw_verify(char *const *argv, const char *user, size_t ulen,
               const char *pass, size_t plen, const char *timestamp,
               unsigned int timeout_seconds)
{
  char staged[CHECKPW_MAX];
  long long deadline = 0;
  size_t len;
  int creds, status, loaded, ended, err;
  pid_t pid;

  last_status = -1;
  if (!argv || !argv[0]) {
    errno = EINVAL;
    return -1;
  }
  if (timeout_seconds)
    deadline = timeout_now_ms() + 1000LL * timeout_seconds;
  len = stage_credentials(staged, user, ulen, pass, plen,
                          timestamp ? timestamp : "");
  if (!len)
    return 0;
  loaded = loaded_pipe(&creds, staged, len);
  err = errno;
  checkpw_wipe(staged, sizeof staged);
  if (!loaded) {
    errno = err;
    return -1;
  }

  pid = start_program(argv, creds);
  err = errno;
  close(creds);
  if (pid == -1) {
    errno = err;
    return -1;
  }
  ended = wait_until(pid, deadline, &status);
  if (ended == -1)
    return -1;
  if (ended == 0) {
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    wait_pid(pid, &status);
    errno = ETIMEDOUT;
    return -1;
  }

  last_status = status;
  if (!wait_crashed(status) && wait_exitcode(status) == 0)
    return 1;
  if (wait_crashed(status) || wait_exitcode(status) == 111) {
    errno = EAGAIN;
    return -1;
  }
  errno = EACCES;
  return 0;
}
