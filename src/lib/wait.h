/* wait.h -- reaping children and reading their wait status.
 *
 * wait_pid(pid, &status)
 *     Wait for the child pid to end; store its wait status and return
 *     pid, or return -1 with errno set (ECHILD when pid is not an
 *     unreaped child of this process).  A signal that interrupts the
 *     wait does not end it: EINTR is retried, so a SIGALRM or SIGCHLD
 *     handler cannot make it fail.  pid -1 means any child.
 * wait_nohang(&status)
 *     Reap one child that has already ended, without waiting: its pid
 *     with the status stored, 0 when children exist but none has ended
 *     yet, -1 with errno ECHILD when there are no children at all.  A
 *     SIGCHLD-driven daemon calls it in a loop until it returns <= 0.
 *
 * Reading a status (the int stored above):
 *     wait_crashed(status)   nonzero when the child was killed by a
 *                            signal (a crash, a kill -9) rather than
 *                            exiting; qmail treats that as temporary.
 *     wait_termsig(status)   the signal that killed it (when crashed).
 *     wait_exitcode(status)  the exit code 0..255 (when not crashed).
 * Children are never reported as stopped: neither function asks for
 * that.
 */
#ifndef WAIT_H
#define WAIT_H

#include <sys/types.h>
#include <sys/wait.h>

pid_t wait_pid(pid_t pid, int *status);
pid_t wait_nohang(int *status);

#define wait_crashed(status) (WIFSIGNALED(status) != 0)
#define wait_termsig(status) (WIFSIGNALED(status) ? WTERMSIG(status) : 0)
#define wait_exitcode(status) (WIFEXITED(status) ? WEXITSTATUS(status) : 0)

#endif
