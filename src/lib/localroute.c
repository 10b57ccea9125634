/* localroute.c -- locals, percenthack, virtualdomains, envnoathost;
 * see localroute.h. */
#include <errno.h>
#include <string.h>

#include "caseless.h"
#include "control.h"
#include "localroute.h"
#include "qconf.h"

/* Read the list dir/name into out (replacing it; lowercased if asked),
 * with def as its only entry when the file is missing.  1, or 0 with
 * errno. */
static int
read_list(stralloc *out, const char *dir, const char *name, int lowercase,
          const char *def)
{
  stralloc path = STRALLOC_ZERO;
  int r;

  if (!stralloc_copys(&path, dir) || !stralloc_cats(&path, name)
      || !stralloc_0(&path)) {
    stralloc_free(&path);
    errno = ENOMEM;
    return 0;
  }
  out->len = 0;
  r = control_readlist(out, path.s);
  stralloc_free(&path);
  if (r < 0)
    return 0;
  if (r == 0 && def && !(stralloc_cats(out, def) && stralloc_0(out)))
    return 0;
  if (lowercase)
    case_lowerb(out->s, out->len);
  return 1;
}

/* envnoathost into out, NUL-terminated, len without the NUL. */
static int
read_envnoathost(stralloc *out, const char *dir, const char *me)
{
  stralloc path = STRALLOC_ZERO;
  int r;

  if (!stralloc_copys(&path, dir) || !stralloc_cats(&path, "envnoathost")
      || !stralloc_0(&path)) {
    stralloc_free(&path);
    errno = ENOMEM;
    return 0;
  }
  r = control_rldef(out, path.s, 0, me);
  stralloc_free(&path);
  if (r < 0)
    return 0;
  return stralloc_0(out) && (--out->len, 1);
}

static void
swap(stralloc *a, stralloc *b)
{
  stralloc t = *a;

  *a = *b;
  *b = t;
}

/* Read into a fresh value and install it only when everything worked. */
static int
read_all(struct localroute *lr, const char *dir, const char *me,
         const char **failed, int with_envnoathost)
{
  struct localroute fresh = LOCALROUTE_ZERO;
  int ok = 0, err;

  *failed = 0;
  if (!read_list(&fresh.locals, dir, "locals", 1, me)) {
    *failed = "locals";
    goto done;
  }
  if (!read_list(&fresh.percenthack, dir, "percenthack", 1, 0)) {
    *failed = "percenthack";
    goto done;
  }
  if (!read_list(&fresh.virtualdomains, dir, "virtualdomains", 0, 0)) {
    *failed = "virtualdomains";
    goto done;
  }
  if (with_envnoathost && !read_envnoathost(&fresh.envnoathost, dir, me)) {
    *failed = "envnoathost";
    goto done;
  }
  swap(&lr->locals, &fresh.locals);
  swap(&lr->percenthack, &fresh.percenthack);
  swap(&lr->virtualdomains, &fresh.virtualdomains);
  if (with_envnoathost)
    swap(&lr->envnoathost, &fresh.envnoathost);
  ok = 1;
done:
  err = errno;
  localroute_free(&fresh);
  errno = err;
  return ok;
}

int
localroute_read(struct localroute *lr, const char *dir, const char *me,
                const char **failed)
{
  return read_all(lr, dir, me, failed, 1);
}

int
localroute_reread(struct localroute *lr, const char *dir, const char *me,
                  const char **failed)
{
  return read_all(lr, dir, me, failed, 0);
}

static int
in_list(const stralloc *list, const char *s, size_t len)
{
  size_t i = 0;

  while (i < list->len) {
    size_t n = strlen(list->s + i);

    if (n == len && memcmp(list->s + i, s, len) == 0)
      return 1;
    i += n + 1;
  }
  return 0;
}

/* The prefix for key[0..len) in virtualdomains, or 0. */
static const char *
virtual_prefix(const struct localroute *lr, const char *key, size_t len)
{
  const stralloc *v = &lr->virtualdomains;
  size_t i = 0;

  while (i < v->len) {
    const char *entry = v->s + i;
    size_t n = strlen(entry);
    const char *colon = memchr(entry, ':', n);

    if (colon && (size_t)(colon - entry) == len && case_equalb(entry, key, len))
      return colon + 1;
    i += n + 1;
  }
  return 0;
}

int
localroute_route(const struct localroute *lr, const char *recipient,
                 size_t len, stralloc *out, int *is_local)
{
  stralloc addr = STRALLOC_ZERO;
  const char *prefix = 0;
  char *at;
  size_t local_len, domain_len, i;
  int ok = 0;

  len = strnlen(recipient, len);
  if (!stralloc_copyb(&addr, recipient, len))
    goto done;
  if (!memchr(recipient, '@', len)
      && !(stralloc_append(&addr, '@')
           && stralloc_catb(&addr, lr->envnoathost.s, lr->envnoathost.len)))
    goto done;
  if (!stralloc_0(&addr))
    goto done;
  at = strrchr(addr.s, '@');
  case_lowerb(at + 1, strlen(at + 1));

  /* user%host@percenthack-domain becomes user@host, repeatedly */
  while (in_list(&lr->percenthack, at + 1, strlen(at + 1))) {
    char *percent = 0, *p;

    for (p = addr.s; p < at; ++p)
      if (*p == '%')
        percent = p;
    if (!percent)
      break;
    *percent = '@';
    addr.len = (size_t)(at - addr.s);
    at = percent;
    addr.s[addr.len] = 0;
    case_lowerb(at + 1, strlen(at + 1));
  }

  local_len = (size_t)(at - addr.s);
  domain_len = strlen(at + 1);
  if (in_list(&lr->locals, at + 1, domain_len)) {
    *is_local = 1;
    ok = stralloc_copys(out, addr.s);
    goto done;
  }
  /* virtual domains: the whole address, the domain, its parent
   * suffixes (".example.com"), then the catch-all ":" line */
  prefix = virtual_prefix(lr, addr.s, local_len + 1 + domain_len);
  if (!prefix)
    prefix = virtual_prefix(lr, at + 1, domain_len);
  for (i = 1; !prefix && i < domain_len; ++i)
    if (at[1 + i] == '.')
      prefix = virtual_prefix(lr, at + 1 + i, domain_len - i);
  if (!prefix)
    prefix = virtual_prefix(lr, "", 0);
  if (prefix && *prefix) {
    *is_local = 1;
    ok = stralloc_copys(out, prefix) && stralloc_append(out, CONF_EXT_CHAR)
      && stralloc_cats(out, addr.s);
    goto done;
  }
  *is_local = 0;
  ok = stralloc_copys(out, addr.s);
done:
  stralloc_free(&addr);
  if (!(ok && stralloc_0(out) && (--out->len, 1))) {
    errno = ENOMEM;
    return 0;
  }
  return 1;
}

void
localroute_free(struct localroute *lr)
{
  stralloc_free(&lr->locals);
  stralloc_free(&lr->percenthack);
  stralloc_free(&lr->virtualdomains);
  stralloc_free(&lr->envnoathost);
}
