/* recipient.c -- qmail-users, the alias user, system accounts; see
 * recipient.h. */
#include <errno.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "caseless.h"
#include "constdb.h"
#include "instance.h"
#include "qconf.h"
#include "recipient.h"
#include "scan.h"

/* The steps below return 1 found, 0 not found, -1 error with errno. */

int
recipient_scan_id(const char *s, size_t len, unsigned long *out)
{
  unsigned long n;

  if (len == 0 || scan_ulongn(s, len, &n) != len)
    return 0;
  if ((unsigned long)(uid_t)n != n || (uid_t)n == (uid_t)-1)
    return 0;
  if ((unsigned long)(gid_t)n != n || (gid_t)n == (gid_t)-1)
    return 0;
  *out = n;
  return 1;
}

static int
set_field(stralloc *sa, const char *s, size_t len)
{
  return stralloc_copyb(sa, s, len) && stralloc_0(sa);
}

/* Split data (the six NUL-separated fields, suffix appended to the
 * last) into r. */
static int
take_assignment(struct recipient *r, const stralloc *data, const char *suffix)
{
  stralloc all = STRALLOC_ZERO;
  const char *field[6];
  size_t flen[6];
  size_t i, start = 0;
  int n = 0, ok = 0;

  if (!stralloc_copy(&all, data) || !stralloc_cats(&all, suffix)
      || !stralloc_0(&all))
    goto out;
  for (i = 0; i < all.len; ++i)
    if (all.s[i] == 0) {
      if (n == 6)
        break;
      field[n] = all.s + start;
      flen[n] = i - start;
      ++n;
      start = i + 1;
    }
  if (n != 6 || i != all.len || flen[0] == 0 || flen[3] == 0
      || !recipient_scan_id(field[1], flen[1], &r->uid)
      || !recipient_scan_id(field[2], flen[2], &r->gid)) {
    errno = EINVAL;
    goto out;
  }
  if (set_field(&r->user, field[0], flen[0]) && set_field(&r->home, field[3], flen[3])
      && set_field(&r->dash, field[4], flen[4]) && set_field(&r->ext, field[5], flen[5]))
    ok = 1;
out:
  stralloc_free(&all);
  return ok ? 1 : -1;
}

static int
from_users(struct recipient *r, const char *qmail_home, const char *local)
{
  struct constdb db = CONSTDB_ZERO;
  stralloc path = STRALLOC_ZERO;
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO, hint = STRALLOC_ZERO;
  size_t len = strlen(local), n, i;
  int have_hint, found, opened, result = -1;

  if (!stralloc_copys(&path, qmail_home) || !stralloc_cats(&path, "/users/cdb")
      || !stralloc_0(&path))
    return -1;
  opened = constdb_open(&db, path.s);
  stralloc_free(&path);
  if (!opened)
    return errno == ENOENT ? 0 : -1;

  if (!stralloc_copys(&key, "!"))
    goto out;
  for (i = 0; i < len; ++i)
    if (!stralloc_append(&key, case_lower(local[i])))
      goto out;

  /* simple assignment: the key carries a NUL */
  if (!stralloc_0(&key))
    goto out;
  found = constdb_find(&db, key.s, key.len, &data);
  if (found == -1)
    goto out;
  if (found) {
    result = take_assignment(r, &data, "");
    goto out;
  }
  --key.len;

  /* qmail-newu stores the last characters of the wildcard prefixes
   * under the empty key; prefixes ending in another character need no
   * lookup.  Without that record every prefix is tried. */
  have_hint = constdb_find(&db, "", 0, &hint);
  if (have_hint == -1)
    goto out;
  for (i = 0; i < hint.len; ++i)
    hint.s[i] = case_lower(hint.s[i]);

  for (n = len + 1; n-- > 0;) {
    if (n > 0 && have_hint
        && (hint.len == 0 || !memchr(hint.s, key.s[n], hint.len)))
      continue;
    found = constdb_find(&db, key.s, n + 1, &data);
    if (found == -1)
      goto out;
    if (found) {
      result = take_assignment(r, &data, local + n);
      goto out;
    }
  }
  result = 0;
out:
  constdb_close(&db);
  stralloc_free(&key);
  stralloc_free(&data);
  stralloc_free(&hint);
  return result;
}

static int
from_passwd(struct recipient *r, const char *local)
{
  const char ext_char[2] = { CONF_EXT_CHAR, 0 };
  char name[RECIPIENT_NAME_MAX + 1];
  size_t len = strlen(local), n, i;

  /* longest candidate first: the whole local part, then each prefix
   * that ends before an extension character */
  for (n = len + 1; n-- > 0;) {
    struct passwd *pw;
    struct stat st;

    if (n < len && local[n] != CONF_EXT_CHAR)
      continue;
    if (n == 0 || n > RECIPIENT_NAME_MAX)
      continue;
    for (i = 0; i < n; ++i)
      name[i] = case_lower(local[i]);
    name[n] = 0;
    if (strchr(name, '/'))
      continue;
    pw = getpwnam(name);
    if (!pw || pw->pw_uid == 0)
      continue;
    if (stat(pw->pw_dir, &st) == -1) {
      if (errno == ENOENT || errno == ENOTDIR)
        continue;
      return -1;
    }
    if (st.st_uid != pw->pw_uid)
      continue;
    r->uid = pw->pw_uid;
    r->gid = pw->pw_gid;
    if (!set_field(&r->user, name, n) || !stralloc_copys(&r->home, pw->pw_dir)
        || !stralloc_0(&r->home))
      return -1;
    if (n < len)
      return set_field(&r->dash, ext_char, 1)
        && set_field(&r->ext, local + n + 1, len - n - 1) ? 1 : -1;
    return set_field(&r->dash, "", 0) && set_field(&r->ext, "", 0) ? 1 : -1;
  }
  return 0;
}

/* Is local the alias user's name, alone or followed by the extension
 * character?  Then *rest is what follows the name. */
static int
names_alias(const char *local, const char **rest)
{
  const char *name = instance_user_name(USER_ALIAS);
  size_t n = strlen(name);

  if (strlen(local) < n || !case_equalb(local, name, n))
    return 0;
  if (local[n] != 0 && local[n] != CONF_EXT_CHAR)
    return 0;
  *rest = local + n;
  return 1;
}

/* The alias user with home HOME/alias and the given dash and ext. */
static int
the_alias(struct recipient *r, const char *qmail_home,
          const struct instance_ids *ids, const char *dash, const char *ext)
{
  struct instance_ids found;

  if (!ids) {
    if (!instance_ids(&found, &r->missing))
      return -1;
    ids = &found;
  }
  r->uid = ids->uid[USER_ALIAS];
  r->gid = ids->gid[GROUP_NOFILES];
  if (!stralloc_copys(&r->user, instance_user_name(USER_ALIAS))
      || !stralloc_0(&r->user)
      || !stralloc_copys(&r->home, qmail_home) || !stralloc_cats(&r->home, "/alias")
      || !stralloc_0(&r->home)
      || !stralloc_copys(&r->dash, dash) || !stralloc_0(&r->dash)
      || !stralloc_copys(&r->ext, ext) || !stralloc_0(&r->ext))
    return -1;
  return 1;
}

int
recipient_find(struct recipient *r, const char *qmail_home,
               const struct instance_ids *ids, const char *local)
{
  const char ext_char[2] = { CONF_EXT_CHAR, 0 };
  const char *rest;
  int found;

  r->missing = 0;
  r->source = RECIPIENT_USERS;
  found = from_users(r, qmail_home, local);
  if (found)
    return found == 1;

  if (names_alias(local, &rest)) {
    r->source = RECIPIENT_ALIAS_NAME;
    if (*rest)
      return the_alias(r, qmail_home, ids, ext_char, rest + 1) == 1;
    return the_alias(r, qmail_home, ids, "", "") == 1;
  }

  r->source = RECIPIENT_PASSWD;
  found = from_passwd(r, local);
  if (found)
    return found == 1;

  r->source = RECIPIENT_ALIAS;
  return the_alias(r, qmail_home, ids, ext_char, local) == 1;
}

void
recipient_free(struct recipient *r)
{
  stralloc_free(&r->user);
  stralloc_free(&r->home);
  stralloc_free(&r->dash);
  stralloc_free(&r->ext);
}
