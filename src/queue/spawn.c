/* spawn.c -- delivery requests in, one supervised child per delivery,
 * results out; see spawn.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
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

static void
supervise(const struct spawn_request *req, spawn_run *run)
{
  stralloc path = STRALLOC_ZERO;
  char report[SPAWN_REPORT_MAX];
  size_t len = 0;
  int messfd, out[2], status;
  pid_t pid;
  char result;

  sig_default(SIGCHLD);
  if (!queue_path_split(&path, "queue/mess", req->id))
    report_result(req->slot, 'Z', "Out of memory. (#4.3.0)", 23);
  messfd = open_read(path.s);
  if (messfd == -1) {
    const char *t = "Unable to open the message file in the queue. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  if (pipe(out) == -1) {
    const char *t = "Unable to create a pipe. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  pid = fork();
  if (pid == -1) {
    const char *t = "Unable to fork. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  if (pid == 0) {
    close(out[0]);
    if (!fd_move(0, messfd) || !fd_move(1, out[1]) || !fd_copy(2, 1))
      _exit(111);
    run(req);
    spawn_fail(111, "Unable to run the delivery program. (#4.3.0)");
  }
  close(out[1]);
  close(messfd);
  for (;;) {
    char discard[512];
    ssize_t r;

    if (len < sizeof report)
      r = read(out[0], report + len, sizeof report - len);
    else
      r = read(out[0], discard, sizeof discard);
    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0)
      break;
    if (len < sizeof report)
      len += (size_t)r;
  }
  close(out[0]);
  if (wait_pid(pid, &status) == -1) {
    const char *t = "Unable to wait for the delivery program. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
  }
  if (wait_crashed(status)) {
    const char *t = "Delivery program crashed. (#4.3.0)";
    report_result(req->slot, 'Z', t, strlen(t));
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
      supervise(&req, run);
  }
}
