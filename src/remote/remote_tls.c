/* remote_tls.c -- STARTTLS by the policy of control/tlspolicy.
 *
 * Lines "KEY:LEVEL": KEY a domain, a relay host from smtproutes, a
 * ".suffix", or empty for the default; LEVEL none, may, require or
 * verify.  The relay's entry counts before the domain's, an exact key
 * before a suffix, a longer suffix before a shorter one.  Without an
 * entry the level is may: encrypt when the server offers STARTTLS,
 * whatever its certificate (RFC 7435), and deliver in plain text when
 * it does not.  require: TLS or no delivery.  verify: TLS with a
 * certificate chain leading to a CA of control/tlscafile (default
 * TLS_CAFILE) and naming the host connected to (the MX or relay host).
 */
#include <errno.h>
#include <string.h>

#include "caseless.h"
#include "control.h"
#include "remote.h"
#include "tls.h"

static struct tls tls;
static struct tls_anchors anchors = TLS_ANCHORS_ZERO;
static int anchors_state;       /* 0 not tried, 1 loaded, -1 failed */
static stralloc anchors_why = STRALLOC_ZERO;

static int
level_scan(const char *s, enum tls_level *level)
{
  if (!strcmp(s, "none"))
    *level = TLSP_NONE;
  else if (!strcmp(s, "may"))
    *level = TLSP_MAY;
  else if (!strcmp(s, "require"))
    *level = TLSP_REQUIRE;
  else if (!strcmp(s, "verify"))
    *level = TLSP_VERIFY;
  else
    return 0;
  return 1;
}

/* Look key up: exact, then its suffixes; 1 found, 0 not, -1 bad line. */
static int
lookup(const stralloc *list, const char *key, enum tls_level *level,
       const char **bad)
{
  const char *k = key;

  while (*k) {
    size_t klen = strlen(k), i = 0;

    while (i < list->len) {
      const char *entry = list->s + i;
      const char *colon = strchr(entry, ':');

      if (colon && (size_t)(colon - entry) == klen
          && case_equalb(entry, k, klen)) {
        if (!level_scan(colon + 1, level)) {
          *bad = entry;
          return -1;
        }
        return 1;
      }
      i += strlen(entry) + 1;
    }
    k = strchr(k + 1, '.');
    if (!k)
      break;
  }
  return 0;
}

static int
policy(struct remote *r, enum tls_level *level)
{
  stralloc list = STRALLOC_ZERO;
  const char *bad = 0;
  int rc = control_readlist(&list, "control/tlspolicy");

  *level = TLSP_MAY;
  if (rc == 0)
    return 1;
  if (rc == -1)
    return remote_fail(r, 0, "Unable to read control/tlspolicy. (#4.3.0)",
                       (char *)0);
  rc = r->routed ? lookup(&list, r->relay.s, level, &bad) : 0;
  if (rc == 0)
    rc = lookup(&list, r->host, level, &bad);
  if (rc == 0) {
    /* the default: the entry with the empty key */
    size_t i = 0;

    while (i < list.len) {
      if (list.s[i] == ':') {
        rc = level_scan(list.s + i + 1, level) ? 1 : -1;
        bad = list.s + i;
        break;
      }
      i += strlen(list.s + i) + 1;
    }
  }
  if (rc == -1) {
    remote_fail(r, 0, "control/tlspolicy has a line with an unknown level "
                "(none, may, require or verify): ", bad, ". (#4.3.5)",
                (char *)0);
    stralloc_free(&list);
    return 0;
  }
  stralloc_free(&list);
  return 1;
}

static int
load_anchors(void)
{
  stralloc path = STRALLOC_ZERO;
  int rc;

  if (anchors_state)
    return anchors_state == 1;
  rc = control_readline(&path, "control/tlscafile");
  anchors_state = -1;
  if (rc == -1 || (rc == 1 && !path.len)) {
    stralloc_copys(&anchors_why, "unable to read control/tlscafile");
    stralloc_free(&path);
    return 0;
  }
  if (rc == 0 && !stralloc_copys(&path, TLS_CAFILE))
    return 0;
  if (!stralloc_0(&path))
    return 0;
  if (tls_anchors_load(&anchors, path.s))
    anchors_state = 1;
  else if (errno == EINVAL)
    stralloc_copys(&anchors_why, anchors.error), stralloc_cats(&anchors_why, " in "),
      stralloc_cats(&anchors_why, path.s);
  else
    stralloc_copys(&anchors_why, "unable to read "), stralloc_cats(&anchors_why, path.s),
      stralloc_cats(&anchors_why, ": "), stralloc_cats(&anchors_why, strerror(errno));
  stralloc_0(&anchors_why);
  stralloc_free(&path);
  return anchors_state == 1;
}

static int
describe(struct remote *r)
{
  return (stralloc_copys(&r->tls_text, "TLS=")
          && stralloc_cats(&r->tls_text, tls_version_name(&tls))
          && stralloc_cats(&r->tls_text, " ")
          && stralloc_cats(&r->tls_text, tls_cipher_name(&tls))
          && stralloc_cats(&r->tls_text, tls_verified(&tls) ? " verified"
                           : " unverified"))
    || remote_fail(r, 0, "Out of memory. (#4.3.0)", (char *)0);
}

static const char *
level_name(enum tls_level level)
{
  return level == TLSP_VERIFY ? "verify" : "require";
}

int
remote_tls(struct remote *r)
{
  stralloc who = STRALLOC_ZERO;
  enum tls_level level;
  unsigned int code;
  int mode, ok;

  if (!policy(r, &level))
    return 0;
  if (level == TLSP_NONE)
    return 1;
  if (!remote_peer_text(&who, r) || !stralloc_0(&who))
    return remote_fail(r, 0, "Out of memory. (#4.3.0)", (char *)0);
  if (!(r->smtp.ext & SMTPCLIENT_EXT_STARTTLS)) {
    ok = level == TLSP_MAY
      || remote_fail(r, 0, "Connected to ", who.s, " but it does not offer "
                     "STARTTLS, and control/tlspolicy says ",
                     level_name(level), " for this destination. (#4.7.5)",
                     (char *)0);
    stralloc_free(&who);
    return ok;
  }
  if (!load_anchors() && level == TLSP_VERIFY) {
    remote_fail(r, 0, "TLS must be verified for ", r->peer->name,
                " but there are no trust anchors: ", anchors_why.s,
                ". (#4.7.5)", (char *)0);
    stralloc_free(&who);
    return 0;
  }
  code = smtpclient_starttls(&r->smtp);
  if (code != 220) {
    stralloc said = STRALLOC_ZERO;

    if (code && level == TLSP_MAY && code >= 400) {
      /* offered but refused: go on in plain text, as without the offer */
      stralloc_free(&who);
      return 1;
    }
    if (code)
      remote_said(&said, &r->smtp);
    else
      stralloc_copys(&said, r->smtp.error);
    stralloc_0(&said);
    remote_fail(r, 0, "Connected to ", who.s, " but STARTTLS failed: ",
                said.s, ". (#4.7.5)", (char *)0);
    /* refused with a reply, the session is still plain text; after a
     * 220 (with bytes behind it) or no reply at all it is not */
    r->lost = !code;
    stralloc_free(&said);
    stralloc_free(&who);
    return 0;
  }
  mode = level == TLSP_VERIFY ? TLS_VERIFY : TLS_OPPORTUNISTIC;
  /* an address literal is no name to send or check: the bare address */
  if (!tls_client_start(&tls, r->fd, r->fd,
                        r->peer->name[0] == '[' ? r->peer_ip : r->peer->name,
                        anchors_state == 1 ? &anchors : 0, mode,
                        r->timeoutremote, r->timeoutremote)) {
    remote_fail(r, 0, "Connected to ", who.s, " but TLS could not be set "
                "up: ", tls_error(&tls), ". (#4.7.5)", (char *)0);
    r->lost = 1;
    stralloc_free(&who);
    return 0;
  }
  stralloc_free(&who);
  smtpclient_tls(&r->smtp, &tls);
  r->tls_on = 1;
  if (!describe(r))
    return 0;
  return remote_ehlo(r);
}

void
remote_tls_end(struct remote *r)
{
  if (r->tls_on)
    tls_close(&tls);
  r->tls_on = 0;
}
