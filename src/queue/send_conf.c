/* send_conf.c -- qmail-send's control files and recipient routing.
 *
 * Files (in HOME/control), with qmail's defaults:
 *   me                  the host's name (default for most others)
 *   locals              domains delivered locally (default: me)
 *   virtualdomains      "domain:prefix", "user@domain:prefix",
 *                       ".suffix:prefix", ":prefix"; empty prefix means
 *                       "not virtual"
 *   percenthack         domains where user%host@domain is rewritten
 *   envnoathost         domain for addresses without '@' (default: me)
 *   concurrencylocal    simultaneous local deliveries (default 10)
 *   concurrencyremote   simultaneous remote deliveries (default 20)
 *   queuelifetime       seconds before a deferral becomes a bounce
 *                       (default 604800)
 *   bouncefrom, bouncehost, doublebounceto, doublebouncehost
 *                       MAILER-DAEMON, me, postmaster, me
 */
#include <string.h>

#include "caseless.h"
#include "control.h"
#include "qconf.h"
#include "send.h"

struct send_conf conf;

static int
path_of(stralloc *path, const char *dir, const char *name)
{
  return stralloc_copys(path, dir) && stralloc_cats(path, name)
    && stralloc_0(path);
}

static int
read_list(const char *dir, const char *name, stralloc *out, int lowercase,
          const char *def)
{
  stralloc path = STRALLOC_ZERO;
  int r;

  if (!path_of(&path, dir, name))
    return 0;
  out->len = 0;
  r = control_readlist(out, path.s);
  stralloc_free(&path);
  if (r < 0) {
    log_line("alert: unable to read control/", name, "; fix it, then send HUP", (char *)0);
    return 0;
  }
  if (r == 0 && def && !(stralloc_cats(out, def) && stralloc_0(out)))
    return 0;
  if (lowercase)
    case_lowerb(out->s, out->len);
  return 1;
}

static int
read_value(const char *name, stralloc *out, const char *fallback)
{
  stralloc path = STRALLOC_ZERO;
  int r;

  if (!path_of(&path, "control/", name))
    return 0;
  r = control_rldef(out, path.s, 0, fallback);
  stralloc_free(&path);
  if (r < 0) {
    log_line("alert: unable to read control/", name, (char *)0);
    return 0;
  }
  return stralloc_0(out) && (--out->len, 1);
}

/* doublebounceto: missing means postmaster; present but empty means
 * "discard double bounces", so an empty line must not fall back. */
static int
read_doublebounceto(void)
{
  int r = control_readline(&conf.doublebounceto, "control/doublebounceto");

  if (r < 0) {
    log_line("alert: unable to read control/doublebounceto", (char *)0);
    return 0;
  }
  if (r == 0 && !stralloc_copys(&conf.doublebounceto, "postmaster"))
    return 0;
  return stralloc_0(&conf.doublebounceto) && (--conf.doublebounceto.len, 1);
}

static int
read_number(const char *name, int *out, int def, int min, int max)
{
  stralloc path = STRALLOC_ZERO;
  int r;

  *out = def;
  if (!path_of(&path, "control/", name))
    return 0;
  r = control_readint(out, path.s);
  stralloc_free(&path);
  if (r < 0) {
    log_line("alert: control/", name, " must hold a number", (char *)0);
    return 0;
  }
  if (*out < min)
    *out = min;
  if (*out > max)
    *out = max;
  return 1;
}

int
conf_load(void)
{
  int lifetime;
  const char *me;

  if (control_init() != 1) {
    log_line("alert: unable to read control/me", (char *)0);
    return 0;
  }
  conf.me.len = 0;
  if (control_me(&conf.me) < 0)
    return 0;
  if (!conf.me.len && !stralloc_copys(&conf.me, "localhost"))
    return 0;
  if (!stralloc_0(&conf.me))
    return 0;
  --conf.me.len;
  me = conf.me.s;
  if (!read_value("bouncefrom", &conf.bouncefrom, "MAILER-DAEMON")
      || !read_value("bouncehost", &conf.bouncehost, me)
      || !read_doublebounceto()
      || !read_value("doublebouncehost", &conf.doublebouncehost, me)
      || !read_value("envnoathost", &conf.envnoathost, me))
    return 0;
  if (!read_number("concurrencylocal", &conf.concurrency[CHANNEL_LOCAL], 10, 1, CONF_SPAWN_LIMIT)
      || !read_number("concurrencyremote", &conf.concurrency[CHANNEL_REMOTE], 20, 1, CONF_SPAWN_LIMIT)
      || !read_number("queuelifetime", &lifetime, 604800, 0, 0x7fffffff))
    return 0;
  conf.lifetime = (unsigned long)lifetime;
  return read_list("control/", "locals", &conf.locals, 1, me)
    && read_list("control/", "percenthack", &conf.percenthack, 1, 0)
    && read_list("control/", "virtualdomains", &conf.virtualdomains, 0, 0);
}

int
conf_reload(void)
{
  /* called from HOME/queue */
  return read_list("../control/", "locals", &conf.locals, 1, conf.me.s)
    && read_list("../control/", "percenthack", &conf.percenthack, 1, 0)
    && read_list("../control/", "virtualdomains", &conf.virtualdomains, 0, 0);
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

/* The prefix for key (of length len) in virtualdomains, or 0. */
static const char *
virtual_prefix(const char *key, size_t len)
{
  size_t i = 0;
  const stralloc *v = &conf.virtualdomains;

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
conf_route(const char *recipient, stralloc *out, int *channel)
{
  stralloc addr = STRALLOC_ZERO;
  const char *prefix = 0;
  char *at;
  size_t local_len, domain_len, i;
  int ok = 0;

  if (!stralloc_copys(&addr, recipient))
    goto done;
  if (!strchr(recipient, '@')
      && !(stralloc_append(&addr, '@') && stralloc_cat(&addr, &conf.envnoathost)))
    goto done;
  if (!stralloc_0(&addr))
    goto done;
  at = strrchr(addr.s, '@');
  case_lowerb(at + 1, strlen(at + 1));

  /* user%host@percenthack-domain becomes user@host, repeatedly */
  while (in_list(&conf.percenthack, at + 1, strlen(at + 1))) {
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
  if (in_list(&conf.locals, at + 1, domain_len)) {
    *channel = CHANNEL_LOCAL;
    ok = stralloc_copys(out, addr.s);
    goto done;
  }
  /* virtual domains: the whole address, the domain, its parent
   * suffixes (".example.com"), then the catch-all ":" line */
  prefix = virtual_prefix(addr.s, local_len + 1 + domain_len);
  if (!prefix)
    prefix = virtual_prefix(at + 1, domain_len);
  for (i = 1; !prefix && i < domain_len; ++i)
    if (at[1 + i] == '.')
      prefix = virtual_prefix(at + 1 + i, domain_len - i);
  if (!prefix)
    prefix = virtual_prefix("", 0);
  if (prefix && *prefix) {
    *channel = CHANNEL_LOCAL;
    ok = stralloc_copys(out, prefix) && stralloc_append(out, CONF_EXT_CHAR)
      && stralloc_cats(out, addr.s);
    goto done;
  }
  *channel = CHANNEL_REMOTE;
  ok = stralloc_copys(out, addr.s);
done:
  stralloc_free(&addr);
  return ok && stralloc_0(out) && (--out->len, 1);
}
