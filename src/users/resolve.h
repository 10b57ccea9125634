/* resolve.h -- who receives the mail for a local part.
 *
 * Shared by qmail-lspawn, which delivers, and qmail-getpw, which only
 * reports.  Three sources, tried in this order by qmail-lspawn:
 *
 * 1. qmail-users: users/cdb, built from users/assign by qmail-newu.
 *    The layout is qmail's, so a users/cdb made by qmail 1.03's
 *    qmail-newu works here and the other way round:
 *
 *      key "!" LOCAL NUL     a simple assignment "=LOCAL:..."
 *      key "!" PREFIX        a wildcard assignment "+PREFIX:..."
 *      key ""                the last characters of all non-empty
 *                            wildcard prefixes (a lookup hint)
 *
 *    Keys are lowercased.  The data of an assignment is
 *    "user NUL uid NUL gid NUL home NUL dash NUL ext" (no final NUL).
 *    A simple assignment for the lowercased local part wins; else the
 *    wildcard with the longest prefix of it (the empty prefix last),
 *    whose ext is the assignment's ext followed by the rest of the
 *    local part after the prefix, in its original case.
 *
 * 2. A system account (qmail-getpw's rule): the longest prefix of the
 *    local part that is the whole local part or ends before an
 *    extension character (CONF_EXT_CHAR), lowercased, names an account
 *    whose uid is not 0 and which owns its home directory.  Then dash
 *    is the extension character and ext what follows it (both empty
 *    when the whole local part matched).  Accounts come from
 *    getpwnam(): /etc/passwd only in a static musl binary.
 *
 * 3. The alias user, home HOME/alias, dash the extension character,
 *    ext the whole local part.
 *
 * Results go into a struct resolve whose strings are NUL-terminated.
 * Functions return 1 found, 0 not found, -1 error with errno set.
 */
#ifndef RESOLVE_H
#define RESOLVE_H

#include "stralloc.h"

struct resolve {
  stralloc user;
  stralloc home;
  stralloc dash;
  stralloc ext;
  unsigned long uid;
  unsigned long gid;
};

#define RESOLVE_ZERO \
  { STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, 0, 0 }

/* Account names longer than this are never tried against the password
 * file (a hostile local part with many extension characters would
 * otherwise cost one password-file scan per character). */
#define RESOLVE_NAME_MAX 64

/* Look local up in the qmail-users database at path.  A missing
 * database is 0 (nothing assigned).  Errors: errno from open/mmap,
 * EPROTO for a corrupt database, EINVAL for an assignment whose data is
 * not six fields with numeric uid and gid, a non-empty user and home
 * (the database may come from anywhere), ENOMEM. */
int resolve_users(struct resolve *r, const char *path, const char *local);

/* The system-account rule.  -1 only for temporary trouble: ENOMEM, or
 * a home directory that cannot be examined for a reason other than
 * ENOENT/ENOTDIR (an NFS server that is down must defer, not bounce). */
int resolve_passwd(struct resolve *r, const char *local);

/* The alias user: user name, the instance's home directory, uid and
 * gid given by the caller.  Returns 1, or -1 (ENOMEM). */
int resolve_alias(struct resolve *r, const char *local, const char *user,
                  const char *qmail_home, unsigned long uid, unsigned long gid);

/* Parse a decimal uid or gid field of length len: digits only, fitting
 * in uid_t/gid_t and not (uid_t)-1.  Returns 1 and sets *out, or 0.
 * Shared with qmail-newu and qmail-pw2u so all three agree. */
int resolve_scan_id(const char *s, size_t len, unsigned long *out);

#endif
