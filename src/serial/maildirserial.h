/* maildirserial.h -- the parts of maildirserial: the spool and the
 * client (maildirserial.c), bounces (serial_bounce.c). */
#ifndef MAILDIRSERIAL_H
#define MAILDIRSERIAL_H

#include <sys/types.h>
#include <time.h>

#include "instance.h"
#include "stralloc.h"

struct spool_entry {
  char *name;                  /* "new/..." or "cur/..." */
  time_t mtime;
  off_t body;                  /* where the message starts after the
                                  envelope lines */
  stralloc sender;
  stralloc recipient;          /* prefix taken off */
  int done;                    /* the client gave a result */
};

/* Open a spool file for reading without following a symbolic link;
 * -1 with errno. */
int open_spool_file(const char *name);

/* Queue a bounce of e to its sender, saying why; 1 when queued, 0 with
 * failure saying why not. */
int serial_bounce(struct spool_entry *e, const char *dir, const char *why,
                  stralloc *failure);

#endif
