/* forwardcdb.h -- where an incoming address stands in a fastforward
 * table (the cdb newaliases and setforward write; src/alias/fwdb.h has
 * the whole format).
 *
 * fastforward, which obeys the table, and qmail-smtpd's recipient check
 * (rcptcheck.h), which asks whether fastforward would bounce, look up
 * with this one function, so the two always agree.
 *
 * forwardcdb_find(db, address, len, key, data)
 *     The address (user@host) is lowercased and tried as the keys
 *     ":user@host", ":@host" and ":user@", in that order; an address
 *     without '@' only as itself.  Returns 1 with key holding the key
 *     found and data its commands, 0 when none is there, -1 on error
 *     with errno set (EPROTO for a corrupt table, ENOMEM).
 */
#ifndef FORWARDCDB_H
#define FORWARDCDB_H

#include <stddef.h>

#include "constdb.h"
#include "stralloc.h"

int forwardcdb_find(struct constdb *db, const char *address, size_t len,
                    stralloc *key, stralloc *data);

#endif
