/* qmail-send -- deliver the queue.
 *
 * Started by qmail-start as qmails, with fd 0 the log, fds 1/2 the
 * pipes to and from qmail-lspawn, 3/4 to and from qmail-rspawn, 5/6 to
 * and from qmail-clean (see qmail-start.c).  Preprocesses new messages
 * from todo/, schedules and starts local and remote deliveries within
 * concurrencylocal and concurrencyremote, retries deferrals on qmail's
 * schedule until queuelifetime, sends bounces, and has finished messages
 * removed.  Holds lock/sendmutex so only one runs per queue.
 *
 * Deliveries go out oldest message first (send_sched.c).  A transient
 * error never removes anything: the message is tried again a little
 * later, and the queue is looked over every RESCAN_SECONDS for anything
 * that dropped out of the schedule.
 *
 * Signals: HUP rereads locals, virtualdomains and percenthack; ALRM
 * looks over the queue and tries every queued message now; TERM stops
 * starting deliveries, waits for those under way and exits.  Writing to lock/trigger wakes it (a
 * NUL byte: look at todo/; "R" ID newline: try that message now).
 *
 * Exit codes: 0 after TERM; 111 when it cannot start (another qmail-send
 * holds the lock, the queue or control files are unreadable) or a spawn
 * or qmail-clean went away.  Problems are logged, never printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance.h"
#include "lock.h"
#include "open.h"
#include "scan.h"
#include "send.h"
#include "sig.h"

#define TODO_BATCH 32         /* preprocessed between delivery rounds */
#define RESCAN_SECONDS 60     /* periodic look at todo/ and info/ */

static int signal_pipe[2];
static volatile sig_atomic_t got_term, got_hup, got_alrm;

static void
on_signal(int sig)
{
  int saved = errno;

  if (sig == SIGTERM) got_term = 1;
  if (sig == SIGHUP) got_hup = 1;
  if (sig == SIGALRM) got_alrm = 1;
  if (write(signal_pipe[1], "", 1) == -1) {
    /* the pipe is full: the loop wakes up anyway */
  }
  errno = saved;
}

static void __attribute__((noreturn))
fatal(const char *why)
{
  log_line("alert: ", why, (char *)0);
  _exit(111);
}

/* Parse what tools wrote into the trigger: NULs, and "R<id>\n" lines. */
static int
read_trigger(int fd, int *scan)
{
  static stralloc pending = STRALLOC_ZERO;
  char buf[512];
  ssize_t r;
  size_t i, start = 0;

  r = read(fd, buf, sizeof buf);
  if (r <= 0)
    return 0;
  if (!stralloc_catb(&pending, buf, (size_t)r))
    return 1;
  for (i = 0; i < pending.len; ++i) {
    if (pending.s[i] == 0) {
      *scan = 1;
      start = i + 1;
    } else if (pending.s[i] == '\n') {
      unsigned long id;
      size_t len = i - start;

      if (len > 1 && pending.s[start] == 'R'
          && scan_ulongn(pending.s + start + 1, len - 1, &id) == len - 1) {
        job_refresh(id);
        sched_one_now(id);
      }
      start = i + 1;
    }
  }
  if (pending.len - start > 64)
    start = pending.len;         /* garbage without newline: drop it */
  memmove(pending.s, pending.s + start, pending.len - start);
  pending.len -= start;
  return 1;
}

int
main(void)
{
  int trigger, trigger_writer, mutex;
  time_t last_scan = 0;

  sig_ignore(SIGPIPE);
  umask(077);
  if (chdir(instance_home()) == -1)
    fatal("unable to enter the home directory");
  if (!conf_load())
    fatal("unable to read the control files; fix them and restart");
  if (chdir("queue") == -1)
    fatal("unable to enter the queue directory");
  mutex = open("lock/sendmutex", O_WRONLY);
  if (mutex == -1)
    fatal("unable to open lock/sendmutex; run qmail-instcheck");
  if (!lock_exnb(mutex))
    fatal("another qmail-send is already running on this queue");
  trigger = open("lock/trigger", O_RDONLY | O_NONBLOCK);
  if (trigger == -1)
    fatal("unable to open lock/trigger; run qmail-instcheck");
  /* our own writer keeps the fifo from reporting end of file */
  trigger_writer = open("lock/trigger", O_WRONLY | O_NONBLOCK);
  if (pipe(signal_pipe) == -1)
    fatal("unable to create a pipe");
  fcntl(signal_pipe[0], F_SETFL, O_NONBLOCK);
  fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
  fcntl(result_fd[0], F_SETFL, O_NONBLOCK);
  fcntl(result_fd[1], F_SETFL, O_NONBLOCK);
  sig_catch(SIGTERM, on_signal);
  sig_catch(SIGHUP, on_signal);
  sig_catch(SIGALRM, on_signal);

  restore_queue();
  todo_scan();
  last_scan = time(0);
  log_status();

  for (;;) {
    struct pollfd pfd[4];
    time_t now = time(0);
    int timeout, c, scan = 0;

    if (got_hup) {
      got_hup = 0;
      if (conf_reload())
        log_line("status: reread locals, percenthack and virtualdomains", (char *)0);
    }
    if (got_alrm) {
      got_alrm = 0;
      restore_rescan();
      sched_all_now();
      todo_scan();
    }
    if (got_term && !deliver_active())
      break;

    if (!got_term) {
      long later;

      finish_retry(now, &later);
      deliver_start(now);
      if (todo_pending()) {
        todo_process(TODO_BATCH);
        deliver_start(time(0));
      }
    }

    /* sleep until something happens or something is due */
    timeout = 60;
    if (!got_term) {
      if (todo_pending())
        timeout = 0;
      long wait;

      for (c = 0; c < CHANNELS; ++c)
        if (concurrency_used[c] < conf.concurrency[c] && sched_wait(c, now, &wait)
            && wait < timeout)
          timeout = wait > 0 ? (int)wait : 0;
      if (finish_retry(now, &wait) && wait < timeout)
        timeout = wait > 0 ? (int)wait : 0;
    }
    pfd[0].fd = signal_pipe[0]; pfd[0].events = POLLIN;
    pfd[1].fd = trigger; pfd[1].events = POLLIN;
    pfd[2].fd = result_fd[CHANNEL_LOCAL]; pfd[2].events = POLLIN;
    pfd[3].fd = result_fd[CHANNEL_REMOTE]; pfd[3].events = POLLIN;
    if (poll(pfd, 4, timeout * 1000) == -1 && errno != EINTR)
      fatal("poll failed");
    if (pfd[0].revents) {
      char drain[64];

      while (read(signal_pipe[0], drain, sizeof drain) > 0)
        ;
    }
    if (pfd[1].revents & POLLIN)
      while (read_trigger(trigger, &scan))
        ;
    for (c = 0; c < CHANNELS; ++c)
      if (pfd[2 + c].revents && !deliver_results(c))
        fatal(c ? "qmail-rspawn went away" : "qmail-lspawn went away");
    now = time(0);
    if (scan)
      todo_scan();
    if (now >= last_scan + RESCAN_SECONDS) {
      todo_scan();
      restore_rescan();
      last_scan = now;
    }
  }
  log_line("status: exiting", (char *)0);
  close(trigger_writer);
  return 0;
}
