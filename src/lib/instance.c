/* instance.c -- home directory and role ids; see instance.h. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
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

/* Field 3 of line[0..len) (name:x:ID:...) as *id, when field 1 is name;
 * 1 when it is, 0 when not (or when the line is malformed). */
static int
line_id(const char *line, size_t len, const char *name, unsigned long *id)
{
  size_t n = strlen(name), i;
  unsigned long v = 0;
  int digits = 0;

  if (len <= n || memcmp(line, name, n) || line[n] != ':')
    return 0;
  for (i = n + 1; i < len && line[i] != ':'; ++i)
    ;
  if (i == len)
    return 0;
  for (++i; i < len && line[i] >= '0' && line[i] <= '9'; ++i) {
    unsigned long d = (unsigned long)(line[i] - '0');

    if (v > (0xffffffffUL - d) / 10)      /* ids are 32 bits */
      return 0;
    v = v * 10 + d;
    ++digits;
  }
  if (!digits || i == len || line[i] != ':')
    return 0;
  *id = v;
  return 1;
}

/* One reading of path (/etc/passwd or /etc/group) for the ids of the
 * count names not yet found: found[i] and id[i] for each name on a
 * line of its own, the first such line winning.  Only the first 255
 * bytes of a line are looked at (a name and an id come first).  1 when
 * the file was read to its end or is absent, 0 with errno on an error. */
static int
scan_file(const char *path, const char *const *names, int count,
          unsigned long *id, int *found)
{
  char buf[4096], line[256];
  size_t len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC), i, eof = 0;

  if (fd == -1)
    return errno == ENOENT;
  while (!eof) {
    ssize_t r = read(fd, buf, sizeof buf);
    ssize_t k;

    if (r == -1) {
      if (errno == EINTR)
        continue;
      i = errno;
      close(fd);
      errno = i;
      return 0;
    }
    if (r == 0) {
      eof = 1;
      buf[0] = '\n';       /* the last line, unterminated */
      r = 1;
    }
    for (k = 0; k < r; ++k) {
      if (buf[k] != '\n') {
        if (len < sizeof line)
          line[len++] = buf[k];
        continue;
      }
      for (i = 0; i < count; ++i)
        if (!found[i] && line_id(line, len, names[i], &id[i]))
          found[i] = 1;
      len = 0;
    }
  }
  close(fd);
  return 1;
}

int
instance_ids(struct instance_ids *ids, const char **missing)
{
  unsigned long id[USER_COUNT + GROUP_COUNT];
  int found[USER_COUNT + GROUP_COUNT];
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
  /* the files first, each read once (qmail-queue runs this for every
   * message); a name they do not have is asked of the C library, which
   * may know other sources */
  for (i = 0; i < USER_COUNT; ++i)
    found[i] = 0;
  if (!scan_file("/etc/passwd", user_names, USER_COUNT, id, found)) {
    *missing = user_names[0];
    return 0;
  }
  for (i = 0; i < USER_COUNT; ++i) {
    struct passwd *pw;

    if (found[i]) {
      ids->uid[i] = (uid_t)id[i];
      continue;
    }
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
  for (i = 0; i < GROUP_COUNT; ++i)
    found[i] = 0;
  if (!scan_file("/etc/group", group_names, GROUP_COUNT, id, found)) {
    *missing = group_names[0];
    return 0;
  }
  for (i = 0; i < GROUP_COUNT; ++i) {
    struct group *gr;

    if (found[i]) {
      ids->gid[i] = (gid_t)id[i];
      continue;
    }
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
