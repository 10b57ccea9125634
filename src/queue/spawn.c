/* spawn.c -- delivery requests in, one supervised child per delivery,
 * results out; see spawn.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buffer.h"
#include "errmsg.h"
#include "fd.h"
#include "fmt.h"
#include "netstring.h"
#include "open.h"
#include "queue.h"
#include "scan.h"
#include "sig.h"
#include "spawn.h"
#include "stralloc.h"
#include "wait.h"

void
spawn_fail(int code, const char *report)
{
  size_t len = strlen(report);

  while (len) {
    ssize_t w = write(1, report, len);

    if (w <= 0)
      break;
    report += w;
    len -= (size_t)w;
  }
  _exit(code);
}

/* Split "SLOT NUL ID NUL SENDER NUL RECIPIENT" in place. */
static int
parse_request(stralloc *raw, struct spawn_request *req)
{
  char *field[4];
  size_t i, n = 0;
  size_t len;

  if (!stralloc_0(raw))
    return 0;
  field[n++] = raw->s;
  for (i = 0; i + 1 < raw->len && n < 4; ++i)
    if (!raw->s[i])
      field[n++] = raw->s + i + 1;
  if (n != 4)
    return 0;
  len = strlen(field[0]);
  if (!len || scan_ulong(field[0], &req->slot) != len)
    return 0;
  len = strlen(field[1]);
  if (!len || scan_ulong(field[1], &req->id) != len)
    return 0;
  req->sender = field[2];
  req->recipient = field[3];
  return 1;
}

/* Write one result netstring with a single write; 1 on success. */
static int
write_result(unsigned long slot, char status, const char *text, size_t len)
{
  stralloc body = STRALLOC_ZERO, frame = STRALLOC_ZERO;
  int ok;

  ok = stralloc_catulong(&body, slot) && stralloc_0(&body)
    && stralloc_append(&body, status) && stralloc_catb(&body, text, len)
    && netstring_cat(&frame, body.s, body.len)
    /* below PIPE_BUF: never interleaved with another report */
    && write(1, frame.s, frame.len) == (ssize_t)frame.len;
  stralloc_free(&body);
  stralloc_free(&frame);
  return ok;
}

static void __attribute__((noreturn))
report_result(unsigned long slot, char status, const char *text, size_t len)
{
  _exit(write_result(slot, status, text, len) ? 0 : 111);
}

/* The supervisor learns that its child ended through this pipe: the
 * SIGCHLD handler writes a byte to it, which wakes poll(2). */
static int child_pipe[2] = { -1, -1 };

static void
on_child(int sig)
{
  int saved = errno;

  (void)sig;
  if (write(child_pipe[1], "", 1) == -1) {
    /* full: a wakeup is pending already */
  }
  errno = saved;
}

/* One read of what the delivery wrote into report (at most
 * SPAWN_REPORT_MAX bytes in all; more is read and dropped, so a chatty
 * program cannot block on a full pipe).  fd is non-blocking.  Returns
 * 1 when something was read, -1 when nothing is there now, 0 when the
 * pipe has no writer left (end of file, or an error). */
static int
read_report(int fd, char *report, size_t *len)
{
  char discard[512];
  ssize_t r;

  do {
    if (*len < SPAWN_REPORT_MAX)
      r = read(fd, report + *len, SPAWN_REPORT_MAX - *len);
    else
      r = read(fd, discard, sizeof discard);
  } while (r == -1 && errno == EINTR);
  if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return -1;
  if (r <= 0)
    return 0;
  if (*len < SPAWN_REPORT_MAX)
    *len += (size_t)r;
  return 1;
}

/* Collect the report of child pid from fd until the child exits and
 * store its wait status.  The delivery ends when the child ends: a
 * background process it left behind ("|sleep 99 &" in a .qmail file)
 * may hold the pipe open, or keep writing to it, for ever, so end of
 * file is not waited for, and each wakeup reads only once before
 * looking at the child again.  What the child wrote before it exited
 * is in the pipe by then and is read without blocking, up to the
 * report's limit.  Returns 1, or 0 with errno set when the child cannot
 * be waited for. */
static int
collect(pid_t pid, int fd, char *report, size_t *len, int *status)
{
  int writers = 1;

  for (;;) {
    struct pollfd p[2];
    pid_t r = waitpid(pid, status, WNOHANG);

    if (r == pid)
      break;
    if (r == -1 && errno != EINTR)
      return 0;
    p[0].fd = writers ? fd : -1;
    p[0].events = POLLIN;
    p[0].revents = 0;
    p[1].fd = child_pipe[0];
    p[1].events = POLLIN;
    p[1].revents = 0;
    if (poll(p, 2, -1) == -1) {
      if (errno == EINTR)
        continue;
      return 0;
    }
    if (p[1].revents) {
      char byte[16];

      while (read(child_pipe[0], byte, sizeof byte) > 0) {
        /* empty the wakeups; waitpid above says what happened */
      }
    }
    if (writers && p[0].revents && read_report(fd, report, len) == 0)
      writers = 0;
  }
  while (writers && *len < SPAWN_REPORT_MAX && read_report(fd, report, len) == 1) {
    /* the rest of what is there now */
  }
  return 1;
}

static void
supervise(const struct spawn_request *req, spawn_run *run,
          spawn_interpret *interpret)
{
  stralloc path = STRALLOC_ZERO;
  char report[SPAWN_REPORT_MAX];
  size_t len = 0;
  int messfd, out[2], status;
  pid_t pid;
  char result;

  if (!queue_path_split(&path, "queue/mess", req->id))
    report_result(req->slot, 'Z', "Out of memory. (#4.3.0)", 23);
  messfd = open_read(path.s);
  if (messfd == -1) {
    const char *t = "Unable to open the message file in the queue. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  if (pipe(out) == -1 || pipe(child_pipe) == -1) {
    const char *t = "Unable to create a pipe. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  if (!fd_coe(child_pipe[0]) || !fd_coe(child_pipe[1])
      || !fd_ndelay_on(child_pipe[0]) || !fd_ndelay_on(child_pipe[1])
      || !fd_coe(out[0]) || !fd_ndelay_on(out[0])
      || !sig_catch(SIGCHLD, on_child)) {
    const char *t = "Unable to set up a pipe. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  pid = fork();
  if (pid == -1) {
    const char *t = "Unable to fork. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  if (pid == 0) {
    sig_default(SIGCHLD);
    close(child_pipe[0]);
    close(child_pipe[1]);
    close(out[0]);
    if (!fd_move(0, messfd) || !fd_move(1, out[1]) || !fd_copy(2, 1))
      _exit(111);
    run(req);
    spawn_fail(111, "Unable to run the delivery program. (#4.3.0)");
  }
  close(out[1]);
  close(messfd);
  if (!collect(pid, out[0], report, &len, &status)) {
    const char *t = "Unable to wait for the delivery program. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  /* what a background process of the delivery writes now goes nowhere */
  close(out[0]);
  if (wait_crashed(status)) {
    const char *t = "Delivery program crashed. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  if (interpret) {
    result = interpret(wait_exitcode(status), report, &len);
    report_result(req->slot, result, report, len);
  }
  switch (wait_exitcode(status)) {
  case 0: result = 'K'; break;
  case 100: result = 'D'; break;
  default: result = 'Z'; break;
  }
  report_result(req->slot, result, report, len);
}

int
spawn_main(spawn_run *run)
{
  return spawn_main_interpret(run, 0);
}

int
spawn_main_interpret(spawn_run *run, spawn_interpret *interpret)
{
  stralloc raw = STRALLOC_ZERO;

  sig_ignore(SIGPIPE);
  /* supervisors are reaped by the kernel; each waits for its own child */
  sig_ignore(SIGCHLD);
  for (;;) {
    struct spawn_request req;
    pid_t pid;
    int r = netstring_get(buffer_0, &raw, 4096);

    if (r == 0)
      return 0;
    if (r < 0) {
      warn_sys("unable to read requests from qmail-send");
      return 111;
    }
    if (!parse_request(&raw, &req)) {
      warn("malformed request from qmail-send: ignored");
      continue;
    }
    pid = fork();
    if (pid == -1) {
      /* answer anyway, so qmail-send's slot is released */
      const char *t = "Unable to fork. (#4.3.0)";

      write_result(req.slot, 'Z', t, strlen(t));
      continue;
    }
    if (pid == 0)
      supervise(&req, run, interpret);
  }
}
