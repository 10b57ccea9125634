/* prot.h -- giving up privileges: the one place a program changes its
 * user and groups.
 *
 * prot_become(uid, gid)
 *     Make uid and gid the process's real, effective and saved user and
 *     group ids and gid its only group.  As root it calls setgroups(1,
 *     &gid), setgid(gid) and setuid(uid), in that order (groups first:
 *     once the uid is gone, root's groups could no longer be dropped),
 *     checking each, and then verifies the result: getuid(), geteuid()
 *     are uid, getgid(), getegid() are gid, and, when uid is not 0, root
 *     cannot be had back with setuid(0).  Returns 1, or 0 with errno set
 *     (what the failing call reported, EPERM when the check after the
 *     calls fails).  A process that does not run as root cannot change
 *     its groups: prot_become succeeds for it only when it already is
 *     uid and gid (real and effective), and changes nothing; asked for
 *     any other ids it fails with EPERM.
 *
 *     The caller decides what to do when it fails; it must not go on as
 *     if it had switched.  prot_become does not judge the ids: refusing
 *     uid 0 for a delivery is qmail-lspawn's business.
 */
#ifndef PROT_H
#define PROT_H

#include <sys/types.h>

int prot_become(uid_t uid, gid_t gid);

#endif
