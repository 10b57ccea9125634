/* fwdb.h -- the two binary formats of fastforward 0.51, shared by
 * setforward, printforward, setmaillist, printmaillist, newaliases,
 * newinclude and fastforward, so that tables are exchangeable with
 * Debian's fastforward package in both directions.
 *
 * Forwarding database (a cdb, constdb.h).  Two kinds of records:
 *   ":" target  ->  commands, each followed by a NUL byte
 *   "?" target  ->  the owner address (no NUL after it)
 * The target is lowercased: "joe@example.org", "@example.org" (every
 * user at a host) or "joe@" (joe at every host).  A command's first
 * byte says what it is:
 *   '&'  a recipient address follows (at most FWDB_ADDRESS_MAX bytes)
 *   '|'  a program, fed the message
 *   '!'  a program, fed $UFLINE $RPLINE $DTLINE and the message
 *   '/' or '.'  the whole command names a binary mailing list
 * A ":" record with no commands is never written.  Records are kept in
 * the order the source gave them; fastforward uses the first of each
 * key.
 *
 * Binary mailing list (setmaillist, newinclude): the commands '&'
 * address and '/' or '.' list, each followed by a NUL byte, nothing
 * else.
 *
 * fwdb_forward_valid(data, len)   1 when data is a well-formed ":"
 *                                 record's data, else 0
 * fwdb_maillist_valid(data, len)  1 when data is a well-formed list
 * fwdb_escape(out, s, len)        append s to out as printforward
 *                                 prints it: a backslash in front of
 *                                 every byte that setforward would not
 *                                 read back as itself (control bytes,
 *                                 space, 8-bit bytes, # , : ; \)
 * fwdb_image_walk(image, len, pos, key, klen, data, dlen)
 *     Walk the records of a cdb held in memory (read from a pipe):
 *     start with *pos = 0; returns 1 with the next record's key and
 *     data pointing into image, 0 after the last one, -1 when the
 *     image is not a well-formed cdb (errno EPROTO).
 * fwdb_replace(path, tmp, data, len)
 *     Write data to tmp (created world-readable, mode 0644 whatever
 *     the umask), sync it, rename it onto path and sync the directory:
 *     readers see the old file or the whole new one.  On failure tmp
 *     is removed and path left alone.
 * The other functions return 1 or 0 with errno set (ENOMEM).
 */
#ifndef ALIAS_FWDB_H
#define ALIAS_FWDB_H

#include <stddef.h>

#include "stralloc.h"

#define FWDB_ADDRESS_MAX 800

int fwdb_forward_valid(const char *data, size_t len);
int fwdb_maillist_valid(const char *data, size_t len);
int fwdb_escape(stralloc *out, const char *s, size_t len);
int fwdb_image_walk(const char *image, size_t len, size_t *pos,
                    const char **key, size_t *klen,
                    const char **data, size_t *dlen);
int fwdb_replace(const char *path, const char *tmp, const char *data,
                 size_t len);

#endif
