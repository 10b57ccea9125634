/* usermsg.h -- what the .qmail helper programs (forward, condredirect,
 * dot-forward, bouncesaying, except, preline, qreceipt) share.
 *
 * These programs run under qmail-local with the message on fd 0, which
 * qmail-local makes a seekable file, and the delivery described by
 * environment variables (SENDER, NEWSENDER, DTLINE, ...).
 *
 * usermsg_rewind()
 *     Seek fd 0 back to the start of the message, so that it can be
 *     read again after a child read it.  Exits 111 when fd 0 cannot
 *     seek (the program was not started by qmail-local, or its input
 *     is a pipe).
 *
 * usermsg_forward(addrs, count)
 *     Queue the message on fd 0 (from its current offset) through
 *     qmailqueue to the count addresses, with envelope sender
 *     $NEWSENDER and $DTLINE in front, as qmail-local's own forwarding
 *     does, so that a loop is caught by the Delivered-To check.
 *     Returns 0 when the message is queued, 100 on a permanent failure
 *     (NEWSENDER missing, the queue refused the message for good), 111
 *     on a temporary one; a failure is explained on fd 2.
 *
 * usermsg_run(argv, use_shell)
 *     Run the program argv (or "sh -c argv[0]" when use_shell is set)
 *     with this process's fds and environment and wait for it.  Returns
 *     its exit code 0..255, or -1 when it could not be started or was
 *     killed by a signal (explained on fd 2): qmail counts both as a
 *     temporary failure.
 *
 * usermsg_pipe(argv, prefix, nprefix)
 *     Run the program argv with a pipe as its standard input and write
 *     into it the nprefix strings prefix[] (null entries skipped), then
 *     everything on fd 0.  A program that exits without reading all of
 *     it is not an error.  Returns as usermsg_run does; -1 also when
 *     the message could not be read or written.
 */
#ifndef USERMSG_H
#define USERMSG_H

void usermsg_rewind(void);
int usermsg_forward(char *const *addrs, int count);
int usermsg_run(char *const *argv, int use_shell);
int usermsg_pipe(char *const *argv, const char *const *prefix, int nprefix);

#endif
