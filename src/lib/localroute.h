/* localroute.h -- which recipients this host delivers itself, and under
 * which local address.
 *
 * qmail-send routes every recipient with it (local or remote channel,
 * virtual domains prefixed), and qmail-smtpd's recipient check
 * (rcptcheck.h) asks it which addresses local delivery will see, so the
 * two can never disagree.
 *
 * Control files, qmail's, read from the directory the caller names
 * ("control/" from the qmail home, "../control/" from the queue):
 *
 *   locals          one domain a line; mail for it is delivered here.
 *                   Missing: the host's name (control/me).
 *   percenthack     one domain a line; local%host@domain is treated as
 *                   local@host, repeatedly.  Missing: none.
 *   virtualdomains  lines "key:prefix"; key is user@domain, domain,
 *                   .suffix (every domain ending in it) or empty (every
 *                   domain).  Missing: none.
 *   envnoathost     the domain of an address without '@'.  Missing, or
 *                   an empty first line: the host's name.
 *
 * Lists follow control_readlist (comments and empty lines skipped);
 * locals and percenthack are lowercased; virtualdomains lines are kept
 * as written and compared without regard to case.
 *
 * localroute_route(lr, addr, len, out, &is_local)
 *     The delivery address of addr[0..len), as qmail-send computes it:
 *       1. an address without '@' gets "@" envnoathost;
 *       2. the domain (after the last '@') is lowercased;
 *       3. while the domain is in percenthack and the local part holds
 *          a '%', the last '%' becomes the '@' (domain lowercased again);
 *       4. a domain in locals: local, out is the address as it is now;
 *       5. else the first virtualdomains key that matches, tried as the
 *          whole address, the domain, each suffix of the domain that
 *          starts with '.' (longest first), then the empty key: if its
 *          prefix is not empty, local, and out is prefix '-' address
 *          (the extension character of config.mk); an empty prefix
 *          means "not virtual";
 *       6. else remote, out is the address as it is now.
 *     out is NUL-terminated (len does not count the NUL); the local part
 *     local delivery sees is what precedes its last '@'.  A NUL byte in
 *     addr ends it (envelope addresses never hold one).  Returns 1, or
 *     0 with errno ENOMEM.
 *
 * localroute_read(lr, dir, me, &failed)
 *     Reads all four files (me is the host's name, the default).
 * localroute_reread(lr, dir, me, &failed)
 *     Reads the three lists again and keeps envnoathost, as qmail-send
 *     does on SIGHUP.
 *     Both return 1, or 0 with errno set and *failed naming the file
 *     that could not be read ("locals", ...; null after ENOMEM outside a
 *     read).  On failure lr keeps every value it had: a bad edit does
 *     not turn local mail into remote mail until it is fixed.
 *
 * Start from LOCALROUTE_ZERO; localroute_free releases the memory.
 */
#ifndef LOCALROUTE_H
#define LOCALROUTE_H

#include <stddef.h>

#include "stralloc.h"

struct localroute {
  stralloc locals;          /* NUL-separated, lowercase */
  stralloc percenthack;     /* NUL-separated, lowercase */
  stralloc virtualdomains;  /* NUL-separated "key:prefix" lines */
  stralloc envnoathost;     /* NUL-terminated; len without the NUL */
};

#define LOCALROUTE_ZERO \
  { STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO }

int localroute_read(struct localroute *lr, const char *dir, const char *me,
                    const char **failed);
int localroute_reread(struct localroute *lr, const char *dir, const char *me,
                      const char **failed);
int localroute_route(const struct localroute *lr, const char *addr, size_t len,
                     stralloc *out, int *is_local);
void localroute_free(struct localroute *lr);

#endif
