/* failure.h -- explaining a failed mailbox write the qmail way.
 *
 * Maildir and mbox delivery both end a failure with one line for the
 * sender's log: what could not be done, to which file, why, and the
 * enhanced status code that tells the reader what to do about it.
 *
 * failure_status(err)
 *     The status code (without "#" or parentheses) for a write into a
 *     mailbox that failed with errno err: "4.2.2" when the user is over
 *     quota (EDQUOT) or the file would grow past the allowed size
 *     (EFBIG), "4.3.1" when the disk is full (ENOSPC), "4.2.1" when the
 *     mailbox is missing or not ours to write (ENOENT, ENOTDIR, EACCES,
 *     EPERM, EISDIR), "4.3.0" for anything else.  All are temporary:
 *     the user or the administrator can mend each of them.
 *
 * failure_explain(why, what, path, reason, err, code)
 *     Replaces why with what, path, ": ", the reason (strerror(err)
 *     when reason is 0), ". (#", code and ")", NUL-free and without a
 *     final newline:
 *         Unable to write /home/joe/Mailbox: Disk quota exceeded. (#4.2.2)
 *     and leaves errno = err, so the caller can return at once.  If
 *     memory runs out why is left empty.
 */
#ifndef FAILURE_H
#define FAILURE_H

#include "stralloc.h"

const char *failure_status(int err);
void failure_explain(stralloc *why, const char *what, const char *path,
                     const char *reason, int err, const char *code);

#endif
