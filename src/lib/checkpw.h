/* checkpw.h -- asking a checkpassword-compatible program whether a user
 * name and password are right.
 *
 * The interface is the one of DJB's checkpassword, which many programs
 * implement: the program reads from descriptor 3, up to 512 bytes, the
 * user name, a NUL, the password, a NUL, a timestamp, a NUL; then it
 * exits 0 when it accepts them (after running the rest of its own
 * argv, /bin/true for instance), 1 when it refuses them, 2 when it was
 * misused, 111 on a temporary error.
 *
 * checkpw_verify(argv, user, ulen, pass, plen, timestamp, timeout)
 *     Run argv (null-terminated; argv[0] looked up in PATH when it has
 *     no '/') with the credentials on its fd 3, wait for it, and return
 *       1  accepted: it exited 0;
 *       0  refused: it exited 1, 2 or any other code but 111 (errno
 *          EACCES); or it was not run because the credentials cannot
 *          be said in its language: a NUL inside user or pass (EINVAL),
 *          or user, pass and timestamp with their three NULs longer
 *          than 512 bytes (EMSGSIZE) -- the program would read a
 *          truncated password, so such a login is refused outright;
 *      -1  temporary failure: it exited 111 or was killed by a signal
 *          (errno EAGAIN); it did not end within timeout seconds and
 *          was killed (ETIMEDOUT); or it could not be started (the
 *          errno of pipe, fork, exec or opening /dev/null: ENOENT,
 *          EACCES, ENOMEM...; EINVAL for a null or empty argv).
 *     checkpw_status() tells these apart for the log.
 *
 *     timestamp may be null for the empty string; qmail-smtpd passes
 *     an RFC 1939 style "<pid.time@host>".  timeout 0 means no limit.
 *
 *     The child's fd 0 and fd 1 are /dev/null, so it can neither read
 *     the caller's input (an SMTP connection) nor write into it; fd 2
 *     stays the caller's for the program's complaints; fd 3 is the
 *     read end of a pipe; every other descriptor is closed at exec
 *     whether or not the caller marked it close-on-exec.  The program
 *     runs in a process group of its own, and on a timeout the whole
 *     group is killed with SIGKILL, so helpers it started die with it.
 *     Signal handlers and the blocked mask are reset in the child as
 *     child.h describes; ignored signals stay ignored.
 *
 *     The credentials are written into the pipe before the program is
 *     started (they always fit: at most 512 bytes, and an empty pipe
 *     takes PIPE_BUF >= 512 at once), so a program that never reads
 *     them cannot make the caller block or get SIGPIPE.  The staging
 *     copy made here is wiped before returning; user and pass are the
 *     caller's to wipe.
 *
 *     The wait is a poll of waitpid(WNOHANG) with short sleeps; a
 *     SIGCHLD handler of the caller that reaps children behind its
 *     back, or SIGCHLD set to SIG_IGN, makes it fail with ECHILD (-1).
 *
 * checkpw_status()
 *     What the last checkpw_verify saw: the program's wait status
 *     (decode with wait_crashed, wait_termsig and wait_exitcode from
 *     wait.h) when it ended on its own, or -1 when it did not run or
 *     was killed for its timeout.  With errno this makes each outcome
 *     distinct: exit 0, 1, 2, n; killed by signal n; timed out; could
 *     not be run (and why); not run (why).  Not meant for threads.
 *
 * checkpw_wipe(p, n)
 *     Overwrite p[0..n) with zeros in a way the compiler may not drop
 *     as a dead store, for passwords about to go out of scope or be
 *     freed.
 */
#ifndef CHECKPW_H
#define CHECKPW_H

#include <stddef.h>

/* the most a checkpassword program reads from fd 3 */
#define CHECKPW_MAX 512

int checkpw_verify(char *const *argv, const char *user, size_t ulen,
                   const char *pass, size_t plen, const char *timestamp,
                   unsigned int timeout_seconds);
int checkpw_status(void);
void checkpw_wipe(void *p, size_t n);

#endif
