/* maildir.h -- delivering one message into a maildir.
 *
 * A maildir is a directory with three subdirectories, tmp/, new/ and
 * cur/.  A deliverer writes the message under a name nobody else can
 * be using into tmp/, makes it durable, and only then gives it a second
 * name in new/; a reader therefore never sees a partial message in new/,
 * and needs no lock.  A crash at any moment leaves either nothing in
 * new/ or the complete message (plus, at worst, a stale file in tmp/
 * that readers remove after 36 hours).
 *
 * maildir_unique(out)
 *     Appends a file name no other delivery on any host can produce:
 *         TIME.MmicrosecondsPpid_COUNTER.HOST
 *     TIME is the current time in seconds since the epoch in decimal,
 *     microseconds its fraction in six decimal digits (so that names
 *     made in one second sort by time), pid this process's id
 *     and COUNTER a number this process increases with every call, so
 *     two names made in one microsecond by one process still differ.
 *     HOST is the host name from gethostname(2) ("localhost" when it is
 *     unavailable or empty) in which every '/' is written as the four
 *     characters \057 and every ':' as \072: a '/' cannot appear in a
 *     file name, and readers use ':' to separate the name from the
 *     message's flags (":2,S").  Returns 1, or 0 with errno ENOMEM
 *     (out unchanged then).
 *
 * maildir_deliver(dir, msgfd, head, headlen, timeout, why)
 *     Delivers into the maildir dir (with or without a final '/', as
 *     written in a dot-qmail line): the header lines head[0..headlen)
 *     (the caller's Return-Path: and Delivered-To: lines, each ending in
 *     "\n"), then every byte read from msgfd, from its current offset to
 *     end of input, unchanged.  The steps:
 *       1. dir, dir/tmp and dir/new must be directories;
 *       2. dir/tmp/NAME is created with O_EXCL, mode 0600 less the
 *          umask, NAME from maildir_unique() (a name that exists already
 *          is replaced by a fresh one, a few times at most);
 *       3. head and the message are written to it, then it is fsync'd
 *          and closed;
 *       4. it is hard-linked as dir/new/NAME; on a filesystem without
 *          hard links (link gives EPERM, EXDEV, ENOSYS or EOPNOTSUPP)
 *          it is renamed there instead;
 *       5. dir/new is fsync'd, so the new name survives a crash;
 *       6. dir/tmp/NAME is removed (a failure here is ignored: the
 *          message is delivered, and the leftover is only clutter).
 *     When timeout is not 0, the delivery gives up after that many
 *     seconds (MAILDIR_TIMEOUT, one day, is qmail's limit): a read or
 *     write still waiting then (a hung network filesystem, a message
 *     source that never ends) is interrupted.  The timer is alarm(2)
 *     with a SIGALRM handler of its own; the caller's SIGALRM
 *     disposition is restored on return, and any alarm it had set is
 *     cancelled.
 *     Returns 1 when the message is in new/ and on disk.  Otherwise
 *     returns 0 with errno set (ETIMEDOUT for the timeout) and why
 *     replaced by a one-line explanation for the sender's log, without
 *     a final newline, ending in a qmail status code: "(#4.2.1)" when
 *     the maildir or one of its subdirectories is missing or not
 *     accessible ("Unable to open maildir ./Maildir/: No such file or
 *     directory. (#4.2.1)"), "(#4.2.2)" when the user is over quota
 *     or the file would grow past the allowed size (EFBIG), "(#4.3.1)"
 *     when the disk is full (failure.h), "(#4.3.0)" for other failures
 *     and for the timeout.  Every failure is temporary: the message may
 *     be delivered on a later attempt.  On failure nothing is left in
 *     new/ and the file in tmp/ is removed.  If why cannot be filled
 *     (out of memory) it is left empty; the caller should then report
 *     a failure of its own.
 */
#ifndef MAILDIR_H
#define MAILDIR_H

#include <stddef.h>

#include "stralloc.h"

#define MAILDIR_TIMEOUT 86400

int maildir_unique(stralloc *out);
int maildir_deliver(const char *dir, int msgfd, const char *head,
                    size_t headlen, unsigned int timeout, stralloc *why);

/* maildir_list(dir, names, &list, &count)
 *     The messages of the maildir dir, in new/ and cur/, oldest first
 *     (ordered by their unique names, which begin with the delivery
 *     time): names is filled with "new/NAME\0cur/NAME\0..." and *list
 *     (allocated; free it) points at each entry, *count of them.  Names
 *     starting with '.' are skipped.  Returns 1, or 0 with errno set
 *     (a missing new/ or cur/ is an error). */
int maildir_list(const char *dir, stralloc *names, char ***list,
                 size_t *count);

#endif
