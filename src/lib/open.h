/* open.h -- opening files the few ways a mail system needs, and
 * making them durable.
 *
 * The open_ functions return a new descriptor, or -1 with errno set
 * (like open(2)); they retry when a signal interrupts the open (which
 * can happen on FIFOs and network filesystems).  None sets
 * close-on-exec: qmail programs hand descriptors to their children on
 * purpose, and a program that must not leak one calls fd_coe.
 *
 * open_read(path)      Read only.
 * open_write(path)     Write only; the file must exist and is not
 *                      truncated.
 * open_append(path)    Write only, every write going to the end of the
 *                      file (O_APPEND); created with mode 0600 (less
 *                      the umask) if missing, as an mbox is.
 * open_trunc(path)     Write only, emptied; created with mode 0644 (less
 *                      the umask) if missing.
 * open_excl(path, mode)
 *                      Write only, created with mode (less the umask);
 *                      fails with EEXIST when path exists, even as a
 *                      dangling symbolic link, so two processes can
 *                      never both believe they made the same file (queue
 *                      and maildir file names rely on this).
 *
 * Durability.  A file is safe after a crash only when its data AND the
 * directory entry naming it have reached the disk; on Linux neither
 * close(2) nor rename(2) guarantees the second, so after creating,
 * linking or renaming a file the directory itself is fsync'd.
 *
 * fsync_dir(path)
 *     Open the directory path and fsync(2) it.  Returns 1 on success,
 *     0 with errno set (ENOTDIR when path is not a directory).  A
 *     filesystem that cannot sync directories at all (fsync gives
 *     EINVAL there) counts as success: nothing more can be done.
 * file_fsync_close(fd)
 *     fsync fd, then close it.  Returns 1 when both worked, else 0 with
 *     the errno of the first failure; fd is closed either way.  A write
 *     error that the kernel reports only at fsync or close (a full disk
 *     on NFS) is caught here, so a caller that gets 1 may report the
 *     message as accepted.
 * fs_sync(path)
 *     Everything written so far to the filesystem that holds path --
 *     file data and directory entries alike, of every process -- goes
 *     to the disk before this returns (Linux syncfs(2)).  One such
 *     barrier costs about what one fsync costs, so a program that makes
 *     many files durable at once (qmail-send preprocessing a batch of
 *     messages, qmail-queue's message and envelope) writes them all and
 *     then calls this once, instead of an fsync per file and per
 *     directory.  Returns 1, or 0 with errno: ENOSYS where the system
 *     has no such call, and the caller then syncs file by file; the
 *     errno of a write that failed (EIO, ENOSPC) otherwise.  It waits
 *     for other programs' dirty data on the same filesystem too: a busy
 *     server keeps its queue on a filesystem of its own.
 */
#ifndef OPEN_H
#define OPEN_H

#include <sys/types.h>

int open_read(const char *path);
int open_write(const char *path);
int open_append(const char *path);
int open_trunc(const char *path);
int open_excl(const char *path, mode_t mode);

int fsync_dir(const char *path);
int file_fsync_close(int fd);
int fs_sync(const char *path);

#endif
