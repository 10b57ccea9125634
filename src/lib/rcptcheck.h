/* rcptcheck.h -- would local delivery certainly refuse this recipient?
 *
 * qmail-smtpd asks at RCPT TO (when its recipient check is on), so that
 * mail local delivery would only bounce is refused with 550 in the SMTP
 * dialogue instead of accepted and bounced to a sender who is often
 * forged (backscatter).  It runs unprivileged (qmaild), in the qmail
 * home.
 *
 * The answer is computed with the code delivery itself runs, never with
 * a second opinion:
 *
 *   1. localroute.h routes the address exactly as qmail-send does
 *      (envnoathost, percenthack, locals, virtualdomains).  A remote
 *      address is not our business: accepted.
 *   2. recipient.h finds who receives the local part, as qmail-lspawn
 *      does (users/cdb, the alias user by name, a system account, else
 *      the alias user with the whole local part as extension).
 *   3. dotqmail.h looks for the .qmail file in that home exactly as
 *      qmail-local does (.qmail-EXT, each -default up the chain,
 *      .qmail-default; lowercase, '.' as ':').  None found when there is
 *      an extension (dash not empty) is qmail-local's "Sorry, no mailbox
 *      here by that name. (#5.1.1)": refused.  None found for a plain
 *      account means its default delivery: accepted.
 *   4. A file found is accepted, unless every line that would run
 *      before another delivery is a fastforward(1) program line with a
 *      cdb, and the address is in none of those tables: then fastforward
 *      bounces it (refused).  A line is understood only in the plain
 *      form "| [path/]fastforward [-dDpPN]... [--] cdb" (words of
 *      letters, digits and "_./,:+@-" only, no shell syntax); the
 *      address looked up is $RECIPIENT (local@domain after routing), or
 *      with -d $DEFAULT@$HOST ($EXT@$HOST for a file that is not a
 *      -default), lowercased, tried as address, @domain and local@,
 *      the keys being ":" followed by the target, as setforward(1)
 *      writes them.  With -p a miss passes on to the next line.  A
 *      relative cdb path is taken from the home directory, where
 *      qmail-local runs its programs.
 *
 * Only a certain refusal refuses.  Everything that stops the check from
 * knowing is an acceptance: a users/cdb, home directory, .qmail file or
 * cdb that cannot be read for any reason (EACCES on a private home as
 * much as EIO or a corrupt file), a home or .qmail file that is sticky
 * (its owner is editing it) or a .qmail file that qmail-local would
 * defer for its mode (writable by others, execute bit), a .qmail line
 * not understood, a NUL byte in the address.  Deferrals of qmail-lspawn
 * that do not depend on the address (a recipient with uid 0, an
 * instance delivering only to its own user) do not change the answer:
 * they hold mail back until the configuration is fixed, and the check
 * says what delivery will do then.
 *
 * postmaster is not special: RFC 5321 asks every domain to accept it,
 * and qmail's installation gives the alias user a .qmail-postmaster
 * for that.  Where an administrator has not, local delivery bounces
 * such mail; refusing it in the dialogue tells the sender the same
 * thing sooner, without a bounce.
 *
 * rcptcheck_init(rc, qmail_home)
 *     Reads control/me, control/locals, control/percenthack,
 *     control/virtualdomains and control/envnoathost from the current
 *     directory (the qmail home; see control.h); qmail_home is where
 *     users/cdb and the alias home are looked for (instance_home()).
 *     Returns 1, or 0 with errno set: a control file that exists but
 *     cannot be read is an error, only ENOENT means absent.  May be
 *     called again to reread the files.
 *
 * rcptcheck_address(rc, addr, len, why)
 *     addr[0..len) is a plain envelope address (address.h).  Returns
 *       1  accept: deliverable, not local, or the check cannot tell;
 *       0  local delivery would refuse it: why holds a short reason
 *          for the log ("no such user or alias", ...), NUL-terminated,
 *          len without the NUL;
 *      -1  temporary failure (errno ENOMEM): answer 451.
 *
 * Start from RCPTCHECK_ZERO; rcptcheck_free releases the memory.
 */
#ifndef RCPTCHECK_H
#define RCPTCHECK_H

#include <stddef.h>

#include "localroute.h"
#include "stralloc.h"

struct rcptcheck {
  struct localroute route;
  stralloc home;          /* the qmail home, NUL-terminated */
};

#define RCPTCHECK_ZERO { LOCALROUTE_ZERO, STRALLOC_ZERO }

int rcptcheck_init(struct rcptcheck *rc, const char *qmail_home);
int rcptcheck_address(struct rcptcheck *rc, const char *addr, size_t len,
                      stralloc *why);
void rcptcheck_free(struct rcptcheck *rc);

#endif
