/* spawn.c -- delivery requests in, one program per delivery started
 * from this process and watched in one poll loop, results out; see
 * spawn.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE           /* clone */
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
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

/* The delivery being started: start_delivery() prepares it here, the
 * caller's run() works out what to run, then spawn_exec() starts the
 * program or spawn_fail() reports why not; either jumps back to
 * start_delivery() through back. */
static struct {
  const struct spawn_request *req;
  spawn_interpret *interpret;
  int messfd;                 /* the message, for the program's fd 0 */
  int report;                 /* write end of the report pipe: fds 1, 2 */
  int reportread;             /* its read end */
  jmp_buf back;
} current;

/* A delivery program that is running: its report so far. */
struct running {
  pid_t pid;                  /* 0: this entry is free */
  int fd;                     /* the report pipe, -1 once it has no writer */
  unsigned long slot;
  size_t count;
  char *report;
  size_t len, max;
};
static struct running *run_table;
static size_t run_size, run_used;

/* Results not yet written to qmail-send: whole netstrings, written
 * whole (each below PIPE_BUF) as the pipe takes them. */
static stralloc outq = STRALLOC_ZERO;
static size_t outq_done;

static void emit_results(unsigned long slot, const struct spawn_outcome *out,
                         size_t count);
static void finish(unsigned long slot, size_t count, spawn_interpret *interpret,
                   int exitcode, const char *report, size_t len);

void
spawn_fail(int code, const char *report)
{
  size_t len = strlen(report);

  if (current.req) {
    /* no program ran: the text is the report, as if it had said it */
    finish(current.req->slot, current.req->count, current.interpret, code,
           report, len);
    longjmp(current.back, 1);
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
  long uid;                   /* -1: keep this process's ids */
  long gid;
  int err;                    /* set by the child when it fails */
};

/* In the child: the message on 0, the report pipe on 1 and 2, the
 * recipient's ids, default signal handling, then the program.  It runs
 * in the spawner's memory (see start_program), so it makes system
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
 * while the spawner stays who it is (a delivery program must not be
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

/* A free entry of the table of running programs, grown as needed;
 * 0 when there is no memory for one. */
static struct running *
run_slot(void)
{
  size_t i;

  for (i = 0; i < run_size; ++i)
    if (!run_table[i].pid)
      return &run_table[i];
  {
    size_t n = run_size ? 2 * run_size : 16;
    struct running *t = realloc(run_table, n * sizeof *t);

    if (!t)
      return 0;
    for (i = run_size; i < n; ++i)
      t[i].pid = 0;
    run_table = t;
    i = run_size;
    run_size = n;
    return &run_table[i];
  }
}

void
spawn_exec_as(const char *path, char *const argv[], long uid, long gid)
{
  extern char **environ;
  const struct spawn_request *req = current.req;
  struct exec_args a;
  struct running *r;
  size_t max;
  char *report;
  pid_t pid;

  if (!req) {
    execv(path, argv);
    return;
  }
  max = SPAWN_REPORT_MAX * (req->count + 1);
  report = malloc(max);
  r = report ? run_slot() : 0;
  if (!r) {
    free(report);
    spawn_fail(111, "Out of memory. (#4.3.0)");
  }
  a.path = path;
  a.argv = argv;
  a.envp = environ;
  a.messfd = current.messfd;
  a.report = current.report;
  a.uid = uid;
  a.gid = gid;
  pid = start_program(&a);
  if (pid == -1) {
    free(report);
    return;                     /* run() says what failed */
  }
  r->pid = pid;
  r->fd = current.reportread;
  r->slot = req->slot;
  r->count = req->count;
  r->report = report;
  r->len = 0;
  r->max = max;
  ++run_used;
  current.reportread = -1;      /* the entry's now */
  longjmp(current.back, 2);
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

/* Queue one result netstring for qmail-send. */
static void
emit_results(unsigned long slot, const struct spawn_outcome *out, size_t count)
{
  char frame[SPAWN_RESULT_MAX];
  size_t len = spawn_result_encode(frame, slot, out, count);

  if (!stralloc_catb(&outq, frame, len)) {
    /* without memory the result cannot wait: write it now */
    if (write(1, frame, len) != (ssize_t)len)
      warn_sys("unable to report to qmail-send");
  }
}

/* The same result for all count recipients. */
static void
emit_result(unsigned long slot, size_t count, char status, const char *text,
            size_t len)
{
  struct spawn_outcome out[SPAWN_RCPT_MAX];
  size_t i;

  for (i = 0; i < count; ++i) {
    out[i].status = status;
    out[i].text = text;
    out[i].len = len;
  }
  emit_results(slot, out, count);
}

/* Write what the pipe to qmail-send takes now, a netstring at a time
 * (fd 1 is non-blocking; each netstring is below PIPE_BUF, so a write
 * takes it whole or not at all).  0 when qmail-send is gone. */
static int
flush_results(void)
{
  while (outq_done < outq.len) {
    const char *at = outq.s + outq_done;
    unsigned long body = 0;
    size_t len = scan_ulong(at, &body);
    ssize_t w;

    len += 1 + (size_t)body + 1;      /* LEN ":" body "," */
    w = write(1, at, len);
    if (w == -1 && errno == EINTR)
      continue;
    if (w == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return 1;
    if (w != (ssize_t)len)
      return 0;
    outq_done += len;
  }
  outq.len = outq_done = 0;
  return 1;
}

/* The loop learns that a child ended through this pipe: the
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

/* The result of a delivery whose program exited with exitcode after
 * saying report[0..len). */
static void
finish(unsigned long slot, size_t count, spawn_interpret *interpret,
       int exitcode, const char *report, size_t len)
{
  struct spawn_outcome out[SPAWN_RCPT_MAX];
  size_t i;
  char result;

  if (interpret) {
    for (i = 0; i < count; ++i) {
      out[i].status = 'Z';
      out[i].text = "";
      out[i].len = 0;
    }
    interpret(exitcode, report, len, out, count);
    emit_results(slot, out, count);
    return;
  }
  switch (exitcode) {
  case 0: result = 'K'; break;
  case 100: result = 'D'; break;
  default: result = 'Z'; break;
  }
  if (len > SPAWN_REPORT_MAX)
    len = SPAWN_REPORT_MAX;
  emit_result(slot, count, result, report, len);
}

/* The program of r ended with status: the rest of its report that is
 * in the pipe now (a background process it left behind, "|sleep 99 &"
 * in a .qmail file, may hold the pipe open, or keep writing to it, for
 * ever, so end of file is not waited for), then its result. */
static void
finish_running(struct running *r, int status, spawn_interpret *interpret)
{
  while (r->fd != -1 && r->len < r->max
         && read_report(r->fd, r->report, r->max, &r->len) == 1) {
    /* what is there now */
  }
  if (r->fd != -1)
    close(r->fd);
  if (wait_crashed(status)) {
    const char *t = "Delivery program crashed. (#4.3.0)";
    emit_result(r->slot, r->count, 'Z', t, strlen(t));
  } else
    finish(r->slot, r->count, interpret, wait_exitcode(status), r->report,
           r->len);
  free(r->report);
  r->pid = 0;
  --run_used;
}

/* Reap every program that has ended. */
static void
reap(spawn_interpret *interpret)
{
  char byte[64];
  int status;
  pid_t pid;
  size_t i;

  while (read(child_pipe[0], byte, sizeof byte) > 0) {
    /* empty the wakeups; waitpid says what happened */
  }
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
    for (i = 0; i < run_size; ++i)
      if (run_table[i].pid == pid) {
        finish_running(&run_table[i], status, interpret);
        break;
      }
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

static void
close_current(void)
{
  if (current.messfd != -1)
    close(current.messfd);
  if (current.report != -1)
    close(current.report);
  if (current.reportread != -1)
    close(current.reportread);
  current.messfd = current.report = current.reportread = -1;
  current.req = 0;
}

/* One delivery: open its message, make its report pipe, have run()
 * prepare it -- resolve the recipient -- and start the program with
 * spawn_exec() or spawn_exec_as() (start_program: in the way of vfork,
 * from this process, no copy of its memory).  A run() that fails before
 * that says so with spawn_fail(), which reports what a program would
 * have reported.  Either way the result is queued or the program is in
 * the table when this returns. */
static void
start_delivery(const struct spawn_request *req, spawn_run *run,
               spawn_interpret *interpret)
{
  stralloc path = STRALLOC_ZERO;
  int pipes[2];
  const char *t = 0;

  current.messfd = current.report = current.reportread = -1;
  if (!interpret && req->count != 1)
    t = "A local delivery takes one recipient at a time. (#4.3.0)";
  else if (!queue_path_split(&path, "queue/mess", req->id))
    t = "Out of memory. (#4.3.0)";
  else if ((current.messfd = open_read(path.s)) == -1)
    t = "Unable to open the message file in the queue. (#4.3.0)";
  else if (pipe(pipes) == -1)
    t = "Unable to create a pipe. (#4.3.0)";
  else {
    current.report = pipes[1];
    current.reportread = pipes[0];
    if (!lift(&current.reportread) || !fd_ndelay_on(current.reportread)
        || !lift(&current.report) || !lift(&current.messfd))
      t = "Unable to set up a pipe. (#4.3.0)";
  }
  stralloc_free(&path);
  if (t) {
    close_current();
    emit_result(req->slot, req->count, 'Z', t, strlen(t));
    return;
  }
  current.req = req;
  current.interpret = interpret;
  if (!setjmp(current.back)) {
    run(req);
    spawn_fail(111, "Unable to run the delivery program. (#4.3.0)");
  }
  close_current();
}

int
spawn_main(spawn_run *run)
{
  return spawn_main_interpret(run, 0);
}

int
spawn_main_interpret(spawn_run *run, spawn_interpret *interpret)
{
  stralloc in = STRALLOC_ZERO, raw = STRALLOC_ZERO;
  struct pollfd *p = 0;
  size_t psize = 0;
  int reading = 1, code = 0;

  sig_ignore(SIGPIPE);
  if (pipe(child_pipe) == -1 || !fd_coe(child_pipe[0]) || !fd_coe(child_pipe[1])
      || !fd_ndelay_on(child_pipe[0]) || !fd_ndelay_on(child_pipe[1])
      || !fd_ndelay_on(1) || !sig_catch(SIGCHLD, on_child)) {
    warn_sys("unable to set up the pipes");
    return 111;
  }
  /* until end of input, then until every program has ended and its
   * result is written */
  while (reading || run_used || outq_done < outq.len) {
    size_t n = 0, i, used = 0;

    if (psize < run_size + 3) {
      struct pollfd *np = realloc(p, (run_size + 3) * sizeof *p);

      if (!np) {
        warn("out of memory");
        sleep(1);
        continue;
      }
      p = np;
      psize = run_size + 3;
    }
    p[n].fd = reading ? 0 : -1; p[n].events = POLLIN; p[n++].revents = 0;
    p[n].fd = child_pipe[0]; p[n].events = POLLIN; p[n++].revents = 0;
    p[n].fd = outq_done < outq.len ? 1 : -1; p[n].events = POLLOUT;
    p[n++].revents = 0;
    for (i = 0; i < run_size; ++i) {
      p[n].fd = run_table[i].pid ? run_table[i].fd : -1;
      p[n].events = POLLIN;
      p[n++].revents = 0;
    }
    if (poll(p, n, -1) == -1) {
      if (errno == EINTR)
        continue;
      warn_sys("unable to poll");
      return 111;
    }
    for (i = 0; i < run_size; ++i) {
      struct running *r = &run_table[i];

      if (r->pid && r->fd != -1 && p[3 + i].revents
          && read_report(r->fd, r->report, r->max, &r->len) == 0) {
        close(r->fd);
        r->fd = -1;
      }
    }
    if (p[1].revents)
      reap(interpret);
    if (p[0].revents) {
      char buf[4096];
      ssize_t got = read(0, buf, sizeof buf);

      if (got == 0)
        reading = 0;
      else if (got == -1 && errno != EINTR && errno != EAGAIN) {
        warn_sys("unable to read requests from qmail-send");
        reading = 0;
        code = 111;
      } else if (got > 0 && !stralloc_catb(&in, buf, (size_t)got)) {
        warn("out of memory: no more requests taken");
        reading = 0;
        code = 111;
      }
    }
    /* every whole request now in: start it.  A stream that cannot be
     * read on ends the reading; the programs running are still waited
     * for and their results written. */
    for (;;) {
      const char *data;
      size_t dlen, consumed;
      struct spawn_request req;
      const char *rcpt[SPAWN_RCPT_MAX];
      int r = netstring_parse(in.s + used, in.len - used, SPAWN_REQUEST_MAX,
                              &data, &dlen, &consumed);

      if (r == 0)
        break;
      if (r < 0) {
        warn("malformed request stream from qmail-send: no more requests taken");
        reading = 0;
        code = 111;
        used = in.len;
        break;
      }
      used += consumed;
      if (!stralloc_copyb(&raw, data, dlen)) {
        warn("out of memory: no more requests taken");
        reading = 0;
        code = 111;
        used = in.len;
        break;
      }
      if (!parse_request(&raw, &req, rcpt)) {
        warn("malformed request from qmail-send: ignored");
        continue;
      }
      start_delivery(&req, run, interpret);
    }
    if (used) {
      memmove(in.s, in.s + used, in.len - used);
      in.len -= used;
    }
    if (!reading && in.len) {
      warn("request from qmail-send cut short: ignored");
      in.len = 0;
    }
    if (!flush_results()) {
      /* qmail-send is gone: nobody to report to */
      outq.len = outq_done = 0;
    }
  }
  return code;
}
