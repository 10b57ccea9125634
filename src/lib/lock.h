/* lock.h -- advisory whole-file locks.
 *
 * Two kinds of lock exist.  On Linux they are independent, so a program
 * that shares a file with others takes the kind they take, and an mbox
 * delivery, which must keep out both flock users and fcntl users (mail
 * readers such as mutt and mailx lock with fcntl), takes both.  On the
 * BSDs the two are one mechanism: there one kind keeps out both, and a
 * process that holds one kind on a file and asks for the other may end
 * up waiting on itself.  All functions return 1 on success and 0 with
 * errno set.
 *
 * lock_ex(fd)     Take an exclusive flock(2) lock on the open file,
 *                 waiting for other holders to let go.  A signal does
 *                 not end the wait (EINTR is retried).
 * lock_exnb(fd)   The same without waiting: 0 with errno EWOULDBLOCK
 *                 (equal to EAGAIN on Linux and the BSDs) when another
 *                 open file holds a lock.
 * lock_un(fd)     Release it.
 *
 * flock locks belong to the open file description: a child that
 * inherits fd shares the lock, and it goes away when the last fd for
 * that open file is closed.  This is the lock qmail's queue and
 * qmail-local use.  Where flock(2) does not exist these fall back to
 * the fcntl lock below.
 *
 * lock_fcntl_ex(fd)    Take an exclusive POSIX record lock (fcntl
 *                      F_SETLKW) over the whole file, now and as it
 *                      grows, waiting as lock_ex does.  fd must be
 *                      open for writing (EBADF otherwise).
 * lock_fcntl_exnb(fd)  The same without waiting: 0 with errno EAGAIN
 *                      or EACCES (POSIX allows both) when another
 *                      process holds it.
 * lock_fcntl_un(fd)    Release it.
 *
 * fcntl locks belong to the process, are not inherited by fork, and
 * vanish when the process closes ANY fd for the file, so a program must
 * not open and close the same file elsewhere while it holds one.
 */
#ifndef LOCK_H
#define LOCK_H

int lock_ex(int fd);
int lock_exnb(int fd);
int lock_un(int fd);

int lock_fcntl_ex(int fd);
int lock_fcntl_exnb(int fd);
int lock_fcntl_un(int fd);

#endif
