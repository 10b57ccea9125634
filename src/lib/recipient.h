/* recipient.h -- who receives the mail for a local part.
 *
 * One resolver for qmail-lspawn, which delivers, and qmail-getpw, which
 * reports, so the two always give the same answer.  recipient_find
 * tries, in this order:
 *
 * 1. qmail-users: HOME/users/cdb, built from users/assign by qmail-newu
 *    and opened afresh for every lookup (qmail-newu replaces it by
 *    rename).  The layout is qmail's, so a users/cdb made by qmail
 *    1.03's qmail-newu works here and the other way round:
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
 *    local part after the prefix, in its original case.  A missing
 *    database assigns nothing.
 *
 * 2. The alias user by name: a local part that is the alias user's
 *    name (config.mk's USER_ALIAS), alone or followed by the extension
 *    character ("alias", "alias-outgoing-joe"), in any case.  Home
 *    HOME/alias; dash and ext empty for the name alone, else the
 *    extension character and what follows it.
 *
 * 3. A system account: the longest prefix of the local part that is
 *    the whole local part or ends before an extension character
 *    (CONF_EXT_CHAR), lowercased, at most RECIPIENT_NAME_MAX bytes,
 *    names an account whose uid is not 0 and which owns its home
 *    directory.  Then dash is the extension character and ext what
 *    follows it (both empty when the whole local part matched).
 *    Accounts come from getpwnam(): /etc/passwd only in a static musl
 *    binary.
 *
 * 4. Everything else: the alias user, home HOME/alias, dash the
 *    extension character, ext the whole local part.
 *
 * HOME is the qmail_home argument (instance_home() for the programs).
 * The alias user's uid and gid (USER_ALIAS, GROUP_NOFILES) come from
 * ids, or, when ids is null, from instance_ids() at the moment they are
 * needed, so a lookup that ends at a system account works on a system
 * without the qmail users.
 *
 * What the caller does with the answer is its own business: qmail-lspawn
 * refuses uid 0 and, in an instance, every uid but the instance's.
 */
#ifndef RECIPIENT_H
#define RECIPIENT_H

#include "instance.h"
#include "stralloc.h"

enum recipient_source {
  RECIPIENT_USERS,        /* a users/cdb assignment */
  RECIPIENT_ALIAS_NAME,   /* the alias user, asked for by name */
  RECIPIENT_PASSWD,       /* a system account */
  RECIPIENT_ALIAS         /* nobody else: the alias user */
};

/* Strings are NUL-terminated (len counts the NUL). */
struct recipient {
  stralloc user;
  stralloc home;
  stralloc dash;
  stralloc ext;
  unsigned long uid;
  unsigned long gid;
  enum recipient_source source;  /* the answer's step, or the failed one */
  const char *missing;           /* see recipient_find */
};

#define RECIPIENT_ZERO \
  { STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, \
    RECIPIENT_USERS, 0 }

/* Account names longer than this are never tried against the password
 * file (a hostile local part with many extension characters would
 * otherwise cost one password-file scan per character). */
#define RECIPIENT_NAME_MAX 64

/* Resolve local.  Returns 1 with r filled in, or 0 with errno set and
 * r->source naming the step that failed:
 *   RECIPIENT_USERS   users/cdb could not be used: EPROTO corrupt or
 *                     truncated, EINVAL an assignment that is not six
 *                     fields with decimal uid and gid and non-empty user
 *                     and home (the file may come from anywhere), else
 *                     the errno of opening or reading it;
 *   RECIPIENT_PASSWD  an account's home directory could not be examined
 *                     for a reason other than ENOENT/ENOTDIR (an NFS
 *                     server that is down must defer, not misdirect);
 *   RECIPIENT_ALIAS_NAME, RECIPIENT_ALIAS
 *                     ids was null and instance_ids() failed: r->missing
 *                     names the user, group or directory (errno ENOENT
 *                     for one that does not exist).
 * ENOMEM can come from any step. */
int recipient_find(struct recipient *r, const char *qmail_home,
                   const struct instance_ids *ids, const char *local);

void recipient_free(struct recipient *r);

/* Parse a decimal uid or gid field of length len: digits only, fitting
 * in uid_t/gid_t and not (uid_t)-1.  Returns 1 and sets *out, or 0.
 * qmail-newu and qmail-pw2u use it too, so all agree on what an id is. */
int recipient_scan_id(const char *s, size_t len, unsigned long *out);

#endif
