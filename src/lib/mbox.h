/* mbox.h -- appending one message to an mbox file.
 *
 * An mbox is one file holding many messages, each starting with a
 * "From " line (the From_ line: envelope sender and arrival date) and
 * followed by a blank line.  So that a body line beginning with "From "
 * is not taken for the start of a new message, such lines are quoted
 * the "mboxrd" way: every line that matches ^>*From  (any number of
 * '>', then "From" and a space) gets one more '>' in front.  A reader
 * that removes one '>' from every such line gets the message back
 * exactly.
 *
 * Several programs write and read an mbox at once (this deliverer, mail
 * readers, other deliverers), so every writer locks it.  Readers on
 * Linux lock with either flock(2) or fcntl(2), which there are two
 * independent locks, so the delivery takes both; on other systems the
 * two are one mechanism and it takes only the fcntl lock (see lock.h).
 *
 * mbox_fromline(out, sender, when)
 *     Appends the From_ line for a message from the envelope sender
 *     sender that arrived at when, with its final "\n":
 *         From joe@example.org Sun Nov 22 03:00:00 2026
 *     The date is in UTC in the fixed-width form of asctime(3) (the
 *     day of the month padded with a space: "Nov  2").  An empty sender
 *     (a bounce) is written as MAILER-DAEMON; in any other, spaces and
 *     control characters, which would break the line apart for readers,
 *     become '-'.  Returns 1, or 0 with errno ENOMEM, or EOVERFLOW when
 *     the date cannot be represented; out is unchanged then.
 *
 * mbox_deliver(path, msgfd, head, headlen, lock_timeout, why)
 *     Appends a message to the mbox file path: first head[0..headlen)
 *     unchanged (the From_ line from mbox_fromline, then the caller's
 *     Return-Path: and Delivered-To: lines), then every byte read from
 *     msgfd from its current offset to end of input, quoted as above,
 *     then a "\n" if the message did not end with one, then an empty
 *     line.  The steps:
 *       1. the dot-lock path.lock is taken (dotlock.h), waiting at most
 *          lock_timeout seconds, where the directory lets this process
 *          create it; where it does not (a read-only or foreign
 *          directory), or when path is not a regular file (/dev/null),
 *          the kernel locks below are all there is;
 *       2. path is opened for appending, and created with mode 0600
 *          (less the umask) if it does not exist; when the file is
 *          empty (new, or left empty by an earlier attempt whose sync
 *          failed) the directory holding the name path is fsync'd
 *          before anything is written, so that the file's name
 *          survives a crash with the message;
 *       3. mbox_append below does the rest;
 *       4. the file is closed and the dot-lock removed.
 *     A mailbox that a mail reader removed or replaced while we waited
 *     for its lock is opened again (a few times at most).
 *     Returns 1 when the message is appended and on disk.  Otherwise
 *     returns 0 with errno set (ETIMEDOUT when a lock could not be had
 *     in time) and why replaced by a one-line explanation for the
 *     sender's log, without a final newline, ending in a qmail status
 *     code: "(#4.2.1)" when the file cannot be opened (a missing
 *     directory, no permission), "(#4.2.2)" when the user is over quota
 *     or the file would grow past the allowed size (EFBIG), "(#4.3.1)"
 *     when the disk is full, "(#4.3.0)" otherwise.  Every failure is
 *     temporary.  If why cannot be filled (out of memory) it is left
 *     empty.
 *
 * mbox_append(fd, path, msgfd, head, headlen, lock_timeout, why)
 *     The same for a mailbox the caller opened itself (fd, open for
 *     writing; binmail opens spool files with checks of its own), with
 *     any dot-lock already taken.  path names the file in messages.
 *       1. fd is locked (see above), waiting at most lock_timeout
 *          seconds (MBOX_LOCK_TIMEOUT is qmail's 30; 0 means one try
 *          only) for other holders to let go: a busy lock is tried
 *          again every tenth of a second, so a mail reader that holds
 *          it forever delays the delivery instead of blocking it;
 *       2. if path no longer names the file fd is open on (removed or
 *          replaced meanwhile), it gives up with errno ESTALE, having
 *          written nothing, so that the caller opens path again;
 *       3. the file's size is noted, the message appended and the file
 *          fsync'd (a file that cannot be synced at all, such as
 *          /dev/null, counts as synced);
 *       4. the locks are released; fd stays open.
 *     If anything fails after step 3 begins -- reading the message,
 *     writing, the fsync -- the file is truncated back to the size
 *     noted (and synced) before the locks are released, so the mbox
 *     does not hold a partial message.  If that truncation or its sync
 *     fails too (for a regular file: a special one such as /dev/null
 *     has nothing to cut back), the file may end in a partial message
 *     that retries cannot take away: why then names both failures,
 *     says "The mailbox may end in a partial message and needs
 *     attention." and ends in "(#4.3.0)", so that the administrator
 *     learns of it from the log.
 *     Returns and explains as mbox_deliver does.
 */
#ifndef MBOX_H
#define MBOX_H

#include <stddef.h>
#include <time.h>

#include "stralloc.h"

#define MBOX_LOCK_TIMEOUT 30

int mbox_fromline(stralloc *out, const char *sender, time_t when);
int mbox_deliver(const char *path, int msgfd, const char *head,
                 size_t headlen, unsigned int lock_timeout, stralloc *why);
int mbox_append(int fd, const char *path, int msgfd, const char *head,
                size_t headlen, unsigned int lock_timeout, stralloc *why);

#endif
