/* instance.h -- where the mail system lives and whom it runs as.
 *
 * The installed system lives in CONF_HOME (config.mk: QMAILHOME) and its
 * programs run under the users and groups named in config.mk.  Any other
 * directory can hold an instance of the system (tests, the demo): set
 * QMAILHOME in the environment.  The override is honoured only when the
 * process is not running setuid or setgid, so it can never redirect a
 * privileged program.
 *
 * An instance runs every component as one user: when an override is in
 * effect every role (alias, qmaild, qmailq, ...) maps to the invoking
 * user and group, or, when root runs it, to the owner of the instance
 * directory (root itself for a directory root owns).  Such an instance
 * delivers only to that user.  Without an override the roles are looked
 * up by name (getpwnam/getgrnam; a static musl binary reads /etc/passwd
 * and /etc/group only, no NSS).
 */
#ifndef INSTANCE_H
#define INSTANCE_H

#include <sys/types.h>

enum instance_user {
  USER_ALIAS, USER_DAEMON, USER_LOG, USER_OWNER, USER_PASSWD,
  USER_QUEUE, USER_REMOTE, USER_SEND, USER_COUNT
};
enum instance_group { GROUP_QMAIL, GROUP_NOFILES, GROUP_MAIL, GROUP_COUNT };

struct instance_ids {
  uid_t uid[USER_COUNT];
  gid_t gid[GROUP_COUNT];
};

/* The home directory: $QMAILHOME if allowed and set, else CONF_HOME. */
const char *instance_home(void);

/* 1 if instance_home() comes from the environment. */
int instance_overridden(void);

/* 1 if the process runs setuid or setgid (then no override applies). */
int instance_setid(void);

/* The configured name of a user or group role. */
const char *instance_user_name(enum instance_user u);
const char *instance_group_name(enum instance_group g);

/* Fill ids for every role.  Returns 1, or 0 with *missing set to the
 * user or group name that does not exist (errno ENOENT), or to the
 * instance directory that cannot be examined (errno from stat). */
int instance_ids(struct instance_ids *ids, const char **missing);

#endif
