/* queue.h -- names of files in the queue.
 *
 * A queued message is known by its id, the inode number of its file in
 * mess/.  Directories that hold one file per message (mess, intd, todo,
 * info, local, remote) are split into CONF_QUEUE_SPLIT subdirectories:
 * message 457 lives in mess/20/457 with the default split of 23.
 * bounce/ and pid/ are not split.  Paths are relative to the queue
 * directory (programs chdir to HOME/queue).
 *
 * The functions append to out and return 1, or 0 on ENOMEM.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <sys/stat.h>

#include "stralloc.h"

/* Append "DIR/N/ID" (NUL-terminated, the NUL not counted in len). */
int queue_path_split(stralloc *out, const char *dir, unsigned long id);
/* Append "DIR/ID" (NUL-terminated, the NUL not counted in len). */
int queue_path_flat(stralloc *out, const char *dir, unsigned long id);
/* Append "DIR/N" for subdirectory n (NUL-terminated, not counted). */
int queue_path_sub(stralloc *out, const char *dir, unsigned long n);
/* The subdirectory number of a message. */
unsigned long queue_split_of(unsigned long id);

/* Does message id have a file in the split directory dir?  The one
 * existence check of the queue programs, because only ENOENT means
 * "absent": 1 present (*st filled in when st is not null), 0 absent,
 * -1 unknown (errno set: EACCES, EIO, ENOMEM ...), which a caller must
 * treat as "try again later", never as absent. */
int queue_exists(const char *dir, unsigned long id, struct stat *st);

/* Call fn(id, arg) for every message file in the split directory dir
 * (every DIR/N/ID whose name is a number).  A subdirectory that cannot
 * be read is reported through unreadable(path, arg) when that is not
 * null, and skipped.  Returns 1, or 0 on ENOMEM. */
int queue_scan(const char *dir, void (*fn)(unsigned long id, void *arg),
               void (*unreadable)(const char *path, void *arg), void *arg);

#endif
