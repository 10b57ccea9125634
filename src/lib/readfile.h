/* readfile.h -- read a whole file into memory.
 *
 * readfile(path, out) replaces out's contents with the bytes of path;
 * readfile_fd(fd, out) does the same from an open descriptor, reading to
 * end of file (the descriptor is not closed).  Both return 1, or 0 with
 * errno set (out may then hold part of the file).  Meant for the small
 * files of the queue and the control directory, not for messages.
 */
#ifndef READFILE_H
#define READFILE_H

#include "stralloc.h"

int readfile(const char *path, stralloc *out);
int readfile_fd(int fd, stralloc *out);

#endif
