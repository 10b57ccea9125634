/* fd.h -- moving file descriptors around and setting their flags.
 *
 * All functions return 1 on success and 0 with errno set (EBADF for a
 * descriptor that is not open, or what dup2(2)/fcntl(2) report).  They
 * retry when interrupted by a signal.
 *
 * fd_copy(to, from)
 *     Make to refer to the same open file as from, closing whatever to
 *     was before (dup2).  from stays open.  The copy does not inherit
 *     from's close-on-exec flag: it survives exec, which is what a
 *     parent arranging a child's fds 0, 1, 2 wants.  When to == from
 *     nothing changes, after checking that from is open.
 * fd_move(to, from)
 *     fd_copy, then close from.  When to == from nothing changes and
 *     from stays open.
 * fd_coe(fd)
 *     Set close-on-exec on fd, so an exec'd program does not inherit it.
 * fd_coe_off(fd)
 *     Clear close-on-exec on fd.
 * fd_ndelay_on(fd)
 *     Make I/O on fd non-blocking (O_NONBLOCK): reads and writes that
 *     would wait fail with EAGAIN instead.  The flag belongs to the open
 *     file, so every process sharing it sees the change.
 * fd_ndelay_off(fd)
 *     Make I/O on fd blocking again.
 */
#ifndef FD_H
#define FD_H

int fd_copy(int to, int from);
int fd_move(int to, int from);
int fd_coe(int fd);
int fd_coe_off(int fd);
int fd_ndelay_on(int fd);
int fd_ndelay_off(int fd);

#endif
