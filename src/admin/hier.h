/* hier.h -- the installed file hierarchy: every directory, file and fifo
 * under the home with its owner, group and mode.  One table serves
 * qmail-install (which creates it) and qmail-instcheck (which verifies
 * and repairs it), so the two can never disagree.
 */
#ifndef HIER_H
#define HIER_H

#include "instance.h"

enum hier_type {
  HIER_DIR,     /* a directory */
  HIER_FILE,    /* a file copied from the source tree */
  HIER_ZERO,    /* a file created with size zero bytes, contents kept */
  HIER_FIFO     /* a named pipe */
};

struct hier_entry {
  enum hier_type type;
  const char *path;            /* relative to the home; "" is the home */
  enum instance_user owner;
  enum instance_group group;
  unsigned int mode;
  const char *source;          /* HIER_FILE: path in the source tree */
  unsigned long size;          /* HIER_ZERO: bytes of zeros */
  int runtime;                 /* 1: part of every instance, 0: installs only */
};

/* Call fn for every entry, parents before children, queue split
 * subdirectories included.  Stops early and returns 0 if fn returns 0;
 * returns 1 after the last entry. */
int hier_walk(int (*fn)(const struct hier_entry *e, void *arg), void *arg);

/* The mode e gets when it is owned by uid and gid: e->mode, for a
 * program without the set-user-ID bit when uid is 0 and without the
 * set-group-ID bit when gid is 0.  A setuid qmail-queue owned by root (installed as root
 * before the qmail users exist, or with qmailq mapped to uid 0) would
 * be a setuid-root program; it is installed without the bit instead,
 * and qmail-instcheck gives the bit back once the owner is right. */
unsigned int hier_mode(const struct hier_entry *e, unsigned long uid,
                       unsigned long gid);

#endif
