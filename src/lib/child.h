/* child.h -- starting a program in a child process.
 *
 * child_spawn(argv, envp, fds)
 *     Fork and exec argv[0] with arguments argv (null-terminated) and
 *     return the child's pid, or -1 with errno set.  When argv[0]
 *     contains no '/', it is looked up in the PATH of the environment
 *     the child gets, as env(1) does.
 *
 *     envp is the child's environment (a null-terminated vector, such
 *     as env_build returns); a null envp passes this process's environ.
 *
 *     fds says what the child's fds 0, 1 and 2 are: fds[i] >= 0 makes
 *     fd i of the child a copy of the caller's fds[i]; -1 (CHILD_KEEP)
 *     leaves fd i as the caller has it.  A null fds keeps all three.
 *     The copies are made as if at once, so swapping (fds[1] = 2,
 *     fds[2] = 1) works, and a redirected fd survives exec even if the
 *     caller's original is close-on-exec.  Every other descriptor is
 *     inherited unless it is close-on-exec (fd_coe).
 *
 *     The child starts with no signal blocked, whatever the caller's
 *     mask, and no handler of the caller runs in it; ignored signals
 *     stay ignored, as exec(2) defines.
 *
 *     A failure to exec (no such program, permission denied) is
 *     reported here, not later: child_spawn then reaps the child and
 *     returns -1 with the exec's errno (ENOENT, EACCES...).  A returned
 *     pid therefore runs the program; the caller must reap it with
 *     wait_pid.  Redirections that fail in the child are reported the
 *     same way.
 *
 * child_run(argv, envp, fds, &status)
 *     child_spawn, then wait for the child.  Returns 1 with the wait
 *     status stored (decode with wait_crashed and wait_exitcode from
 *     wait.h), or 0 with errno set when the program could not be
 *     started or waited for.  A SIGCHLD handler that reaps children
 *     behind its back, or SIGCHLD set to SIG_IGN (which makes the
 *     system reap them), makes the wait fail with ECHILD.
 */
#ifndef CHILD_H
#define CHILD_H

#include <sys/types.h>

#define CHILD_KEEP (-1)

pid_t child_spawn(char *const argv[], char *const envp[], const int fds[3]);
int child_run(char *const argv[], char *const envp[], const int fds[3],
              int *status);
/* In a child between fork and exec, with all signals blocked: every
 * caught signal back to its default action (ignored ones stay
 * ignored), so no handler of the parent can run in the child. */
void child_reset_handlers(void);

#endif
