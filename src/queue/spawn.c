/* spawn.c -- delivery requests in, one supervised child per delivery,
 * results out; see spawn.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE           /* clone */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sched.h>
#include <sys/syscall.h>
#include <stdlib.h>
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

/* The delivery being supervised by this process: run() prepares it
 * here (spawn.h), then spawn_exec() starts its program. */
static struct {
  const struct spawn_request *req;
  spawn_interpret *interpret;
  int messfd;                 /* the message, for the program's fd 0 */
  int report;                 /* write end of the report pipe: fds 1, 2 */
  int reportread;             /* its read end */
} current;

static void finish(int exitcode, char *report, size_t len)
  __attribute__((noreturn));
static void finish_child(pid_t pid) __attribute__((noreturn));

void
spawn_fail(int code, const char *report)
{
  size_t len = strlen(report);

  if (current.req) {
    /* no program ran: the text is the report, as if it had said it */
    char *copy = malloc(len + 1);

    if (copy)
      memcpy(copy, report, len + 1);
    finish(code, copy ? copy : (char *)"Out of memory. (#4.3.0)",
           copy ? len : 23);
  }
  while (len) {
    ssize_t w = write(1, report, len);

    if (w <= 0)
      break;
    report += w;
    len -= (size_t)w;
  }
  _exit(code);
}

/* What the child needs between its start and the exec. */
struct exec_args {
  const char *path;
  char *const *argv;
  char *const *envp;
  int messfd;
  int report;
  long uid;                   /* -1: keep the supervisor's ids */
  long gid;
  int err;                    /* set by the child when it fails */
};

/* In the child: the message on 0, the report pipe on 1 and 2, the
 * recipient's ids, default signal handling, then the program.  It runs
 * in the supervisor's memory (see start_program), so it makes system
 * calls only: no allocation, no stdio, no libc state. */
#if defined(__SANITIZE_ADDRESS__)
__attribute__((no_sanitize_address))
#endif
static int
exec_child(void *arg)
{
  struct exec_args *a = arg;
  struct sigaction dfl;
  sigset_t none;
  gid_t gid = (gid_t)a->gid;

  if (dup2(a->messfd, 0) == -1 || dup2(a->report, 1) == -1
      || dup2(a->report, 2) == -1)
    goto fail;
  if (a->uid >= 0) {
    /* raw system calls: the libc wrappers would coordinate threads */
    if (syscall(SYS_setgroups, 1, &gid) == -1
        || syscall(SYS_setgid, gid) == -1
        || syscall(SYS_setuid, (uid_t)a->uid) == -1)
      goto fail;
    /* no way back to root (a saved set-user-ID of 0 left behind) */
    if (a->uid != 0 && syscall(SYS_setuid, 0) != -1) {
      errno = EPERM;
      goto fail;
    }
  }
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &dfl, 0);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, 0);
  execve(a->path, a->argv, a->envp);
fail:
  a->err = errno ? errno : EINVAL;
  _exit(127);
}

/* Start the child as a vfork does: sharing this process's memory while
 * this one waits, until its exec.  Nothing is copied or torn down, which
 * is most of the cost of fork and exec on a busy machine, and unlike
 * posix_spawn the child can take the recipient's user ids on its way,
 * while this supervisor stays who it is (a delivery program must not be
 * able to signal or trace the process that reports its result).
 * Returns the pid, or -1 with errno. */
static pid_t
start_program(struct exec_args *a)
{
  sigset_t all, saved;
  pid_t pid;
  int status;

  a->err = 0;
  sigfillset(&all);
  sigprocmask(SIG_SETMASK, &all, &saved);
#ifdef __linux__
  {
    static char stack[32768] __attribute__((aligned(16)));

    pid = clone(exec_child, stack + sizeof stack, CLONE_VM | CLONE_VFORK
                | SIGCHLD, a);
  }
#else
  pid = fork();
  if (pid == 0)
    exec_child(a);
#endif
  sigprocmask(SIG_SETMASK, &saved, 0);
  if (pid == -1)
    return -1;
#ifdef __linux__
  if (a->err) {
    /* it never reached the program; it has exited already */
    while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
      ;
    errno = a->err;
    return -1;
  }
#else
  (void)status;
#endif
  return pid;
}

void
spawn_exec_as(const char *path, char *const argv[], long uid, long gid)
{
  extern char **environ;
  struct exec_args a;
  pid_t pid;

  if (!current.req) {
    execv(path, argv);
    return;
  }
  a.path = path;
  a.argv = argv;
  a.envp = environ;
  a.messfd = current.messfd;
  a.report = current.report;
  a.uid = uid;
  a.gid = gid;
  pid = start_program(&a);
  if (pid == -1)
    return;                     /* run() says what failed */
  finish_child(pid);
}

void
spawn_exec(const char *path, char *const argv[])
{
  spawn_exec_as(path, argv, -1, -1);
}

/* Split "SLOT NUL ID NUL SENDER NUL RECIPIENT [NUL RECIPIENT ...]" in
 * place; the recipients go into rcpt (SPAWN_RCPT_MAX of them). */
static int
parse_request(stralloc *raw, struct spawn_request *req, const char **rcpt)
{
  char *field[3];
  size_t i, n = 0, len;

  if (!stralloc_0(raw))
    return 0;
  field[n++] = raw->s;
  req->count = 0;
  for (i = 0; i + 1 < raw->len; ++i) {
    if (raw->s[i])
      continue;
    if (n < 3)
      field[n++] = raw->s + i + 1;
    else if (req->count < SPAWN_RCPT_MAX)
      rcpt[req->count++] = raw->s + i + 1;
    else
      return 0;
  }
  if (n != 3 || !req->count)
    return 0;
  len = strlen(field[0]);
  if (!len || scan_ulong(field[0], &req->slot) != len)
    return 0;
  len = strlen(field[1]);
  if (!len || scan_ulong(field[1], &req->id) != len)
    return 0;
  req->sender = field[2];
  req->recipients = rcpt;
  req->recipient = rcpt[0];
  return 1;
}

/* The length of entry i's text as written: every text but the last
 * ends at its first NUL. */
static size_t
entry_len(const struct spawn_outcome *out, size_t i, size_t count)
{
  const char *nul;

  if (i + 1 == count)
    return out[i].len;
  nul = memchr(out[i].text, 0, out[i].len);
  return nul ? (size_t)(nul - out[i].text) : out[i].len;
}

static int
entry_repeats(const struct spawn_outcome *out, size_t i, size_t count)
{
  size_t len = entry_len(out, i, count);

  return i > 0 && out[i].status == out[i - 1].status
    && len == entry_len(out, i - 1, count)
    && !memcmp(out[i].text, out[i - 1].text, len);
}

size_t
spawn_result_encode(char frame[SPAWN_RESULT_MAX], unsigned long slot,
                    const struct spawn_outcome *out, size_t count)
{
  /* the body below 10,000 bytes: 4 digits, ':' and ',' around it */
  size_t budget = SPAWN_RESULT_MAX - 6;
  size_t fixed, total = 0, longest = 0, cap, lo, hi, i, at, body;
  char digits[FMT_ULONG];
  size_t sd = fmt_ulong(digits, slot);

  fixed = sd + 1 + count + (count ? count - 1 : 0);
  budget = fixed < budget ? budget - fixed : 0;
  for (i = 0; i < count; ++i)
    if (!entry_repeats(out, i, count)) {
      size_t len = entry_len(out, i, count);

      total += len;
      if (len > longest)
        longest = len;
    }
  cap = longest;
  if (total > budget) {
    /* the largest common cut at which the distinct texts fit */
    lo = 0;
    hi = longest;
    while (lo < hi) {
      size_t mid = lo + (hi - lo + 1) / 2, sum = 0;

      for (i = 0; i < count; ++i)
        if (!entry_repeats(out, i, count)) {
          size_t len = entry_len(out, i, count);

          sum += len < mid ? len : mid;
        }
      if (sum <= budget)
        lo = mid;
      else
        hi = mid - 1;
    }
    cap = lo;
  }

  /* the body after room for its length prefix, moved into place below */
  at = 6;
  memcpy(frame + at, digits, sd);
  at += sd;
  frame[at++] = 0;
  for (i = 0; i < count; ++i) {
    size_t len = entry_len(out, i, count);

    if (i)
      frame[at++] = 0;
    if (entry_repeats(out, i, count)) {
      frame[at++] = '=';
      continue;
    }
    if (len > cap)
      len = cap;
    frame[at++] = out[i].status;
    memcpy(frame + at, out[i].text, len);
    at += len;
  }
  body = at - 6;
  sd = fmt_ulong(digits, body);
  memmove(frame + sd + 1, frame + 6, body);
  memcpy(frame, digits, sd);
  frame[sd] = ':';
  frame[sd + 1 + body] = ',';
  return sd + body + 2;
}

/* Write one result netstring with a single write; 1 on success. */
static int
write_results(unsigned long slot, const struct spawn_outcome *out, size_t count)
{
  char frame[SPAWN_RESULT_MAX];
  size_t len = spawn_result_encode(frame, slot, out, count);

  /* below PIPE_BUF: never interleaved with another report */
  return write(1, frame, len) == (ssize_t)len;
}

/* The same result for all count recipients. */
static int
write_result(unsigned long slot, size_t count, char status, const char *text,
             size_t len)
{
  struct spawn_outcome out[SPAWN_RCPT_MAX];
  size_t i;

  for (i = 0; i < count; ++i) {
    out[i].status = status;
    out[i].text = text;
    out[i].len = len;
  }
  return write_results(slot, out, count);
}

static void __attribute__((noreturn))
report_result(const struct spawn_request *req, char status, const char *text,
              size_t len)
{
  _exit(write_result(req->slot, req->count, status, text, len) ? 0 : 111);
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

/* One read of what the delivery wrote into report (at most max bytes
 * in all; more is read and dropped, so a chatty
 * program cannot block on a full pipe).  fd is non-blocking.  Returns
 * 1 when something was read, -1 when nothing is there now, 0 when the
 * pipe has no writer left (end of file, or an error). */
static int
read_report(int fd, char *report, size_t max, size_t *len)
{
  char discard[512];
  ssize_t r;

  do {
    if (*len < max)
      r = read(fd, report + *len, max - *len);
    else
      r = read(fd, discard, sizeof discard);
  } while (r == -1 && errno == EINTR);
  if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return -1;
  if (r <= 0)
    return 0;
  if (*len < max)
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
collect(pid_t pid, int fd, char *report, size_t max, size_t *len, int *status)
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
    if (writers && p[0].revents && read_report(fd, report, max, len) == 0)
      writers = 0;
  }
  while (writers && *len < max && read_report(fd, report, max, len) == 1) {
    /* the rest of what is there now */
  }
  return 1;
}

/* The result of a delivery whose program exited with exitcode after
 * saying report[0..len). */
static void
finish(int exitcode, char *report, size_t len)
{
  const struct spawn_request *req = current.req;
  struct spawn_outcome out[SPAWN_RCPT_MAX];
  size_t i;
  char result;

  if (current.interpret) {
    for (i = 0; i < req->count; ++i) {
      out[i].status = 'Z';
      out[i].text = "";
      out[i].len = 0;
    }
    current.interpret(exitcode, report, len, out, req->count);
    _exit(write_results(req->slot, out, req->count) ? 0 : 111);
  }
  switch (exitcode) {
  case 0: result = 'K'; break;
  case 100: result = 'D'; break;
  default: result = 'Z'; break;
  }
  if (len > SPAWN_REPORT_MAX)
    len = SPAWN_REPORT_MAX;
  report_result(req, result, report, len);
}

/* The program runs as pid: collect its report, then finish. */
static void
finish_child(pid_t pid)
{
  const struct spawn_request *req = current.req;
  size_t max = SPAWN_REPORT_MAX * (req->count + 1), len = 0;
  char *report = malloc(max);
  int status;

  close(current.report);
  close(current.messfd);
  if (!report) {
    const char *t = "Out of memory. (#4.3.0)";
    report_result(req, 'Z', t, strlen(t));
  }
  if (!collect(pid, current.reportread, report, max, &len, &status)) {
    const char *t = "Unable to wait for the delivery program. (#4.3.0)";
    report_result(req, 'Z', t, strlen(t));
  }
  /* what a background process of the delivery writes now goes nowhere */
  close(current.reportread);
  if (wait_crashed(status)) {
    const char *t = "Delivery program crashed. (#4.3.0)";
    report_result(req, 'Z', t, strlen(t));
  }
  finish(wait_exitcode(status), report, len);
}

/* A close-on-exec copy of *fd numbered 3 or above, replacing it. */
static int
lift(int *fd)
{
  int copy;

  if (*fd > 2)
    return fd_coe(*fd);
  copy = fcntl(*fd, F_DUPFD_CLOEXEC, 3);
  if (copy == -1)
    return 0;
  close(*fd);
  *fd = copy;
  return 1;
}

/* This process exists for one delivery.  run() prepares it here --
 * resolves the recipient -- and starts the program with spawn_exec() or
 * spawn_exec_as() (start_program: no fork's copy of this process's
 * memory).  A run() that fails before that says so with spawn_fail(),
 * which reports what a program would have reported. */
static void
supervise(const struct spawn_request *req, spawn_run *run,
          spawn_interpret *interpret)
{
  stralloc path = STRALLOC_ZERO;
  int messfd, pipes[2];

  if (!interpret && req->count != 1) {
    const char *t = "A local delivery takes one recipient at a time. (#4.3.0)";
    report_result(req, 'Z', t, strlen(t));
  }
  if (!queue_path_split(&path, "queue/mess", req->id))
    report_result(req, 'Z', "Out of memory. (#4.3.0)", 23);
  messfd = open_read(path.s);
  if (messfd == -1) {
    const char *t = "Unable to open the message file in the queue. (#4.3.0)";
    report_result(req, 'Z', t, strlen(t));
  }
  if (pipe(pipes) == -1 || pipe(child_pipe) == -1) {
    const char *t = "Unable to create a pipe. (#4.3.0)";
    report_result(req, 'Z', t, strlen(t));
  }
  if (!fd_coe(child_pipe[0]) || !fd_coe(child_pipe[1])
      || !fd_ndelay_on(child_pipe[0]) || !fd_ndelay_on(child_pipe[1])
      || !lift(&pipes[0]) || !fd_ndelay_on(pipes[0]) || !lift(&pipes[1])
      || !lift(&messfd) || !sig_catch(SIGCHLD, on_child)) {
    const char *t = "Unable to set up a pipe. (#4.3.0)";
    report_result(req, 'Z', t, strlen(t));
  }
  current.req = req;
  current.interpret = interpret;
  current.messfd = messfd;
  current.report = pipes[1];
  current.reportread = pipes[0];
  run(req);
  spawn_fail(111, "Unable to run the delivery program. (#4.3.0)");
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
    const char *rcpt[SPAWN_RCPT_MAX];
    pid_t pid;
    int r = netstring_get(buffer_0, &raw, SPAWN_REQUEST_MAX);

    if (r == 0)
      return 0;
    if (r < 0) {
      warn_sys("unable to read requests from qmail-send");
      return 111;
    }
    if (!parse_request(&raw, &req, rcpt)) {
      warn("malformed request from qmail-send: ignored");
      continue;
    }
    pid = fork();
    if (pid == -1) {
      /* answer anyway, so qmail-send's slot is released */
      const char *t = "Unable to fork. (#4.3.0)";

      write_result(req.slot, req.count, 'Z', t, strlen(t));
      continue;
    }
    if (pid == 0)
      supervise(&req, run, interpret);
  }
}
