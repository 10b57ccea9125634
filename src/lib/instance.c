/* instance.c -- home directory and role ids; see instance.h. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/auxv.h>
#endif

#include "instance.h"
#include "qconf.h"

static const char *const user_names[USER_COUNT] = {
  CONF_USER_ALIAS, CONF_USER_DAEMON, CONF_USER_LOG, CONF_USER_OWNER,
  CONF_USER_PASSWD, CONF_USER_QUEUE, CONF_USER_REMOTE, CONF_USER_SEND
};
static const char *const group_names[GROUP_COUNT] = {
  CONF_GROUP_QMAIL, CONF_GROUP_NOFILES, CONF_GROUP_MAIL
};

int
instance_setid(void)
{
#if defined(__linux__) && defined(AT_SECURE)
  if (getauxval(AT_SECURE))
    return 1;
#elif defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) \
  || defined(__DragonFly__) || defined(__APPLE__)
  if (issetugid())
    return 1;
#endif
  return getuid() != geteuid() || getgid() != getegid();
}

static const char *
override(void)
{
  const char *home;

  if (instance_setid())
    return 0;
  home = getenv("QMAILHOME");
  if (!home || home[0] != '/')
    return 0;
  return home;
}

const char *
instance_home(void)
{
  const char *home = override();

  return home ? home : CONF_HOME;
}

int
instance_overridden(void)
{
  return override() != 0;
}

const char *
instance_user_name(enum instance_user u)
{
  return user_names[u];
}

const char *
instance_group_name(enum instance_group g)
{
  return group_names[g];
}

int
instance_ids(struct instance_ids *ids, const char **missing)
{
  int i;

  *missing = 0;
  if (override()) {
    uid_t uid = getuid();
    gid_t gid = getgid();

    if (geteuid() == 0) {
      /* root runs an instance as the user who owns it */
      struct stat st;

      if (stat(override(), &st) == -1) {
        *missing = override();
        return 0;
      }
      uid = st.st_uid;
      gid = st.st_gid;
    }
    for (i = 0; i < USER_COUNT; ++i)
      ids->uid[i] = uid;
    for (i = 0; i < GROUP_COUNT; ++i)
      ids->gid[i] = gid;
    return 1;
  }
  for (i = 0; i < USER_COUNT; ++i) {
    struct passwd *pw;

    errno = 0;
    pw = getpwnam(user_names[i]);
    if (!pw) {
      *missing = user_names[i];
      if (!errno)
        errno = ENOENT;
      return 0;
    }
    ids->uid[i] = pw->pw_uid;
  }
  for (i = 0; i < GROUP_COUNT; ++i) {
    struct group *gr;

    errno = 0;
    gr = getgrnam(group_names[i]);
    if (!gr) {
      *missing = group_names[i];
      if (!errno)
        errno = ENOENT;
      return 0;
    }
    ids->gid[i] = gr->gr_gid;
  }
  return 1;
}
