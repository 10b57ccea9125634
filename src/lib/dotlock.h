/* dotlock.h -- the mail spool's dot-lock: FILE.lock beside FILE.
 *
 * Before kernel locks could be trusted (and on NFS, where they still
 * cannot always be), mail programs agreed to lock a mailbox FILE by
 * creating FILE.lock exclusively in the same directory and removing it
 * when done.  Mail readers (mutt, s-nail, mailx, pine) and deliverers
 * (mail.local, procmail, /bin/mail) still do, so a deliverer that shares
 * a mailbox with them takes this lock as well as fcntl/flock.
 *
 * The lock file holds the owner's pid and a newline; only its existence
 * matters.  A holder that was killed leaves it behind, so a lock file
 * whose modification time is DOTLOCK_STALE seconds old or more is taken
 * for abandoned and removed (the same rule mail.local and procmail use;
 * no delivery holds a spool lock for minutes).
 *
 * dotlock_take(lock, path, timeout)
 *     Sets lock to path + ".lock" and creates that file exclusively,
 *     trying again every tenth of a second while another holder has it,
 *     for at most timeout seconds (0: one try).  Returns 1 when the lock
 *     is ours.  Returns 0 with errno set otherwise: ETIMEDOUT when the
 *     holder kept it too long; EACCES, EPERM or EROFS when this process
 *     may not create files in the directory; ENOMEM; anything else
 *     open(2) says.  lock holds the lock file's name in every case, for
 *     messages.
 * dotlock_release(lock)
 *     Removes the lock file taken by dotlock_take.  Returns 1, or 0
 *     with errno set (the file is gone either way unless unlink failed).
 */
#ifndef DOTLOCK_H
#define DOTLOCK_H

#include "stralloc.h"

#define DOTLOCK_STALE 300

int dotlock_take(stralloc *lock, const char *path, unsigned int timeout);
int dotlock_release(const stralloc *lock);

#endif
