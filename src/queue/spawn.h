/* spawn.h -- the common part of qmail-lspawn and qmail-rspawn.
 *
 * spawn_main() reads qmail-send's delivery requests from fd 0 until end
 * of input, each a netstring
 *
 *   SLOT NUL ID NUL SENDER NUL RECIPIENT1 [NUL RECIPIENT2 ...]
 *
 * with 1 to SPAWN_RCPT_MAX recipients and at most SPAWN_REQUEST_MAX
 * bytes in all.  qmail-send sends qmail-lspawn one recipient per request
 * (local delivery is per recipient) and qmail-rspawn up to
 * SPAWN_RCPT_MAX recipients of one message at one domain, delivered by
 * one qmail-remote in one SMTP transaction.
 *
 * For each request it opens queue/mess/N/ID, has the caller's run()
 * prepare the delivery, starts the delivery program (spawn_exec) with
 * the message on fd 0 and a pipe on fds 1 and 2, and goes on with the
 * next request: one process watches every running program in one poll
 * loop.  It collects at most SPAWN_REPORT_MAX bytes per recipient (plus
 * one SPAWN_REPORT_MAX for the message) of each program's report until
 * that program exits, and then writes one netstring to fd 1:
 *
 *   SLOT NUL ENTRY1 [NUL ENTRY2 ...]
 *
 * one entry per recipient, in the request's order.  An entry is a
 * STATUS letter and a text: K delivered, D failed for good, Z failed
 * for now; or "=" alone, meaning the same status and text as the entry
 * before it.  Every entry's text but the last's ends at the next NUL;
 * the last one's runs to the end of the netstring (for a single
 * recipient this is "SLOT NUL STATUS REPORT", the report taken as it
 * is).  The whole netstring is at most SPAWN_RESULT_MAX bytes, below
 * PIPE_BUF, so that each is written whole by one write to a
 * non-blocking fd 1 (results wait in memory while qmail-send is not
 * reading; requests are still read meanwhile): equal consecutive
 * results are written once and "=" after that, and when the distinct
 * texts still do not fit they are cut to a common length chosen so
 * that they do (a text shorter than that is kept whole).  At end of
 * input it waits for the running programs and writes their results.
 *
 * The delivery ends when that process ends, not when its pipe reaches
 * end of file: a background process started by a .qmail program line
 * ("|sleep 99 &") may keep the pipe open, and what it writes after the
 * delivery process exited is thrown away.  Without an interpreter the
 * STATUS is K for exit 0, D for exit 100, Z for exit 111 and for
 * anything else (a crash, another code): qmail-local's convention.
 *
 * The caller's run() executes in the spawner itself, which keeps its
 * user: it works out what to run, then calls spawn_exec() or
 * spawn_exec_as() (the recipient's ids, taken by the new process alone
 * on its way to the program) in place of execv(); neither returns to
 * run() once the program runs, so run() keeps nothing that must be
 * freed in automatic variables.  It reports a failure before that with
 * spawn_fail(code, text): 100 or 111 and the text, treated as what a
 * program exiting with that code would have written.  The program is
 * started in the way of vfork (clone(2) with CLONE_VM on Linux), which,
 * unlike fork(2) and exec, never copies the spawner's memory: on a
 * busy machine most of the cost of starting a program per delivery.
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <stddef.h>

#define SPAWN_REPORT_MAX 1000
#define SPAWN_RCPT_MAX 100
#define SPAWN_REQUEST_MAX 32768
/* a result netstring, its length and punctuation included; < PIPE_BUF */
#define SPAWN_RESULT_MAX 4000

struct spawn_request {
  unsigned long slot;
  unsigned long id;
  const char *sender;
  const char *recipient;          /* the first: recipients[0] */
  const char *const *recipients;
  size_t count;                   /* 1 to SPAWN_RCPT_MAX */
};

/* The result of one recipient: text[0..len) need not be NUL-terminated
 * and may point into the report. */
struct spawn_outcome {
  char status;                    /* K, D or Z */
  const char *text;
  size_t len;
};

typedef void spawn_run(const struct spawn_request *request);

/* Turns what a delivery program that exited with exitcode wrote
 * (report[0..len)) into the results of its count recipients, out[0] to
 * out[count - 1]. */
typedef void spawn_interpret(int exitcode, const char *report, size_t len,
                             struct spawn_outcome *out, size_t count);

/* Returns at end of input: the exit code for main (0), or 111 when the
 * requests could not be read.  With interpret null (qmail-lspawn), a
 * request must have one recipient (more are all deferred); the result
 * is K for exit 0, D for 100 and Z otherwise, and the report is the
 * program's output as it is. */
int spawn_main(spawn_run *run);
int spawn_main_interpret(spawn_run *run, spawn_interpret *interpret);

/* Encode the result of a slot into frame as one netstring, as described
 * above; returns its length, at most SPAWN_RESULT_MAX.  Exposed for the
 * unit test. */
size_t spawn_result_encode(char frame[SPAWN_RESULT_MAX], unsigned long slot,
                           const struct spawn_outcome *out, size_t count);

/* In run(): end the delivery with exit code and report (see above). */
void spawn_fail(int code, const char *report) __attribute__((noreturn));

/* In run(): start the delivery program path with argv, the message on
 * its fd 0 and the report pipe on fds 1 and 2, in place of execv(2);
 * spawn_exec_as also gives it the user id uid and the group gid (its
 * only group), which needs root.  They return only when the program
 * could not be started (errno set); the caller then reports that with
 * spawn_fail(). */
void spawn_exec(const char *path, char *const argv[]);
void spawn_exec_as(const char *path, char *const argv[], long uid, long gid);

#endif
