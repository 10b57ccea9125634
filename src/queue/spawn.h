/* spawn.h -- the common part of qmail-lspawn and qmail-rspawn.
 *
 * spawn_main() reads qmail-send's delivery requests (netstrings
 * "SLOT NUL ID NUL SENDER NUL RECIPIENT") from fd 0 until end of input.
 * For each it forks a supervisor that opens queue/mess/N/ID, forks the
 * delivery with the message on fd 0 and a pipe on fds 1 and 2, collects
 * at most SPAWN_REPORT_MAX bytes of its report until the delivery
 * process exits, and writes one netstring "SLOT NUL STATUS REPORT" to
 * fd 1 with a single write (shorter than PIPE_BUF, so supervisors can
 * share the pipe).  The delivery ends when that process ends, not when
 * its pipe reaches end of file: a background process started by a
 * .qmail program line ("|sleep 99 &") may keep the pipe open, and what
 * it writes after the delivery process exited is thrown away.  STATUS is
 * K for exit 0, D for exit 100, Z for exit 111 and for anything else
 * (a crash, another code): qmail-local's and qmail-remote's convention.
 *
 * The caller's run() executes in the delivery process, after the fds are
 * in place; it must exec or exit (100 or 111 with a report on fd 1).
 */
#ifndef SPAWN_H
#define SPAWN_H

#include <stddef.h>

#define SPAWN_REPORT_MAX 1000

struct spawn_request {
  unsigned long slot;
  unsigned long id;
  const char *sender;
  const char *recipient;
};

typedef void spawn_run(const struct spawn_request *request);

/* Turns what a delivery program that exited with exitcode wrote
 * (report[0..*len)) into the result for qmail-send: returns K, D or Z
 * and may rewrite the report in place, never longer. */
typedef char spawn_interpret(int exitcode, char *report, size_t *len);

/* Returns at end of input: the exit code for main (0), or 111 when the
 * requests could not be read.  With interpret null, the result is K
 * for exit 0, D for 100 and Z otherwise, and the report is the
 * program's output as it is. */
int spawn_main(spawn_run *run);
int spawn_main_interpret(spawn_run *run, spawn_interpret *interpret);

/* In the delivery process: print the report and exit. */
void spawn_fail(int code, const char *report) __attribute__((noreturn));

#endif
