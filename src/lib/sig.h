/* sig.h -- signal dispositions and the blocked-signal mask.
 *
 * All functions return 1 on success and 0 with errno set (EINVAL for a
 * signal number the system does not know, or one such as SIGKILL whose
 * disposition cannot change).  They are meant for single-threaded
 * programs: the mask is the process's, changed with sigprocmask(2).
 *
 * sig_catch(sig, handler)
 *     Run handler(sig) when sig arrives.  The handler runs with no extra
 *     signals blocked beyond sig itself, and system calls it interrupts
 *     are NOT restarted: a blocking read(2), poll(2) or wait fails with
 *     EINTR, so a daemon sees SIGTERM or SIGALRM at once instead of
 *     after the next byte arrives.  Code that must ride over signals
 *     retries EINTR itself (buffer, wait and timeoutio all do).
 * sig_ignore(sig)
 *     Discard sig.  An ignored signal stays ignored across exec.
 * sig_default(sig)
 *     Restore the system's default action for sig.
 * sig_block(sig)
 *     Hold sig pending instead of delivering it, until sig_unblock.
 * sig_unblock(sig)
 *     Deliver sig again; one that arrived while blocked is handled
 *     before sig_unblock returns.
 * sig_blocknone()
 *     Unblock every signal.
 * sig_isblocked(sig)
 *     1 when sig is blocked, 0 when not or on error.
 */
#ifndef SIG_H
#define SIG_H

typedef void sig_handler(int sig);

int sig_catch(int sig, sig_handler *handler);
int sig_ignore(int sig);
int sig_default(int sig);
int sig_block(int sig);
int sig_unblock(int sig);
int sig_blocknone(void);
int sig_isblocked(int sig);

#endif
