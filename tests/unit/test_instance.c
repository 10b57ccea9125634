/* Unit tests for instance: the home override and the role ids. */
#include <stdlib.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "instance.h"
#include "qconf.h"
#include "unit.h"

static void
test_default_home(void)
{
  unsetenv("QMAILHOME");
  CHECK_STR(instance_home(), CONF_HOME);
  CHECK(!instance_overridden());
}

static void
test_override(void)
{
  setenv("QMAILHOME", "/tmp/some-instance", 1);
  CHECK(!instance_setid());
  CHECK_STR(instance_home(), "/tmp/some-instance");
  CHECK(instance_overridden());
  /* relative or empty overrides are ignored */
  setenv("QMAILHOME", "relative/dir", 1);
  CHECK_STR(instance_home(), CONF_HOME);
  setenv("QMAILHOME", "", 1);
  CHECK_STR(instance_home(), CONF_HOME);
  unsetenv("QMAILHOME");
}

static void
test_names(void)
{
  CHECK_STR(instance_user_name(USER_QUEUE), CONF_USER_QUEUE);
  CHECK_STR(instance_user_name(USER_SEND), CONF_USER_SEND);
  CHECK_STR(instance_user_name(USER_ALIAS), CONF_USER_ALIAS);
  CHECK_STR(instance_group_name(GROUP_NOFILES), CONF_GROUP_NOFILES);
}

static void
test_ids(void)
{
  struct instance_ids ids;
  const char *missing = "unset";
  char dir[] = "/tmp/instance-test.XXXXXX";
  struct stat st;
  int i;

  CHECK(mkdtemp(dir) != 0);
  CHECK(stat(dir, &st) == 0);
  setenv("QMAILHOME", dir, 1);
  /* an instance is one user: the caller, or for root the owner */
  CHECK(instance_ids(&ids, &missing));
  CHECK(missing == 0);
  for (i = 0; i < USER_COUNT; ++i)
    CHECK(ids.uid[i] == (geteuid() == 0 ? st.st_uid : getuid()));
  for (i = 0; i < GROUP_COUNT; ++i)
    CHECK(ids.gid[i] == (geteuid() == 0 ? st.st_gid : getgid()));
  if (geteuid() == 0) {
    CHECK(chown(dir, 65534, 65534) == 0);
    CHECK(instance_ids(&ids, &missing));
    CHECK(ids.uid[USER_QUEUE] == 65534 && ids.gid[GROUP_QMAIL] == 65534);
    /* an instance directory that does not exist is reported */
    setenv("QMAILHOME", "/nonexistent/instance", 1);
    CHECK(!instance_ids(&ids, &missing));
    CHECK(missing && !strcmp(missing, "/nonexistent/instance"));
  }
  rmdir(dir);
  unsetenv("QMAILHOME");

  /* the installed system: the real users, all distinct, when they exist */
  if (instance_ids(&ids, &missing)) {
    /* read from the files in one pass, the same as the C library says */
    for (i = 0; i < USER_COUNT; ++i) {
      struct passwd *pw = getpwnam(instance_user_name((enum instance_user)i));

      CHECK(pw && pw->pw_uid == ids.uid[i]);
    }
    for (i = 0; i < GROUP_COUNT; ++i) {
      struct group *gr = getgrnam(instance_group_name((enum instance_group)i));

      CHECK(gr && gr->gr_gid == ids.gid[i]);
    }
    CHECK(ids.uid[USER_QUEUE] != ids.uid[USER_SEND]);
    CHECK(ids.uid[USER_REMOTE] != ids.uid[USER_DAEMON]);
    CHECK(ids.gid[GROUP_QMAIL] != ids.gid[GROUP_NOFILES]);
  } else {
    CHECK(missing != 0);
  }
}

int
main(void)
{
  RUN(test_default_home);
  RUN(test_override);
  RUN(test_names);
  RUN(test_ids);
  return unit_done();
}
