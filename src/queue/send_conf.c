/* send_conf.c -- qmail-send's control files and recipient routing.
 *
 * Files (in HOME/control), with qmail's defaults:
 *   me                  the host's name (default for most others)
 *   locals, virtualdomains, percenthack, envnoathost
 *                       the routing of recipients, shared with
 *                       qmail-smtpd's recipient check: see
 *                       src/lib/localroute.h
 *   concurrencylocal    simultaneous local deliveries (default 10)
 *   concurrencyremote   simultaneous remote deliveries (default 20)
 *   queuelifetime       seconds before a deferral becomes a bounce
 *                       (default 604800)
 *   bouncefrom, bouncehost, doublebounceto, doublebouncehost
 *                       MAILER-DAEMON, me, postmaster, me
 */
#include <errno.h>
#include <string.h>

#include "control.h"
#include "localroute.h"
#include "qconf.h"
#include "send.h"

struct send_conf conf;

static int
path_of(stralloc *path, const char *dir, const char *name)
{
  return stralloc_copys(path, dir) && stralloc_cats(path, name)
    && stralloc_0(path);
}

/* Log which routing file could not be read. */
static void
log_route_failure(const char *failed)
{
  if (failed)
    log_line("alert: unable to read control/", failed, ": ", strerror(errno),
             "; fix it, then send HUP", (char *)0);
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
  const char *me, *failed;

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
      || !read_value("doublebouncehost", &conf.doublebouncehost, me))
    return 0;
  if (!read_number("concurrencylocal", &conf.concurrency[CHANNEL_LOCAL], 10, 1, CONF_SPAWN_LIMIT)
      || !read_number("concurrencyremote", &conf.concurrency[CHANNEL_REMOTE], 20, 1, CONF_SPAWN_LIMIT)
      || !read_number("queuelifetime", &lifetime, 604800, 0, 0x7fffffff))
    return 0;
  conf.lifetime = (unsigned long)lifetime;
  if (!localroute_read(&conf.route, "control/", me, &failed)) {
    log_route_failure(failed);
    return 0;
  }
  return 1;
}

int
conf_reload(void)
{
  const char *failed;

  /* called from HOME/queue */
  if (!localroute_reread(&conf.route, "../control/", conf.me.s, &failed)) {
    log_route_failure(failed);
    return 0;
  }
  return 1;
}

int
conf_route(const char *recipient, stralloc *out, int *channel)
{
  int is_local;

  if (!localroute_route(&conf.route, recipient, strlen(recipient), out,
                        &is_local))
    return 0;
  *channel = is_local ? CHANNEL_LOCAL : CHANNEL_REMOTE;
  return 1;
}
