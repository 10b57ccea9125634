/* remote_auth.c -- SMTP AUTH to a smarthost with control/smtpauth.
 *
 * Lines "RELAY:USER:PASSWORD" or "RELAY:USER:PASSWORD:OPTIONS", RELAY
 * being the relay host exactly as control/smtproutes names it (or the
 * recipient domain when the message goes by MX).  With four or more
 * fields the last one is the options, and the password is everything
 * between the second and the last colon; a password holding a colon is
 * therefore written with a final colon ("relay:joe:pa:ss:").  The only
 * option is "plaintext": send the password even without TLS.  The file
 * holds passwords: it belongs to qmailr, mode 0400.
 *
 * The mechanism is PLAIN when the server offers it, else LOGIN.  Every
 * failure (no AUTH offered, no mechanism in common, no TLS, 535) defers
 * the message: credentials are the sender's own configuration, which
 * the administrator can fix while the message waits, and a smarthost
 * often answers a wrong password only for a while (rate limits).
 */
#include <errno.h>
#include <string.h>

#include "checkpw.h"
#include "control.h"
#include "remote.h"

struct credentials {
  const char *user;
  const char *password;
  int plaintext;
};

/* Find key's line in list and split it in place; 1 found, 0 not. */
static int
find(stralloc *list, const char *key, struct credentials *cr)
{
  size_t klen = strlen(key), i = 0;

  while (i < list->len) {
    char *entry = list->s + i;
    size_t elen = strlen(entry);
    char *first = strchr(entry, ':');

    i += elen + 1;
    if (!first || (size_t)(first - entry) != klen
        || memcmp(entry, key, klen) != 0)
      continue;
    cr->user = first + 1;
    {
      char *second = strchr(first + 1, ':');
      char *last;

      if (!second)
        return -1;
      *second = 0;
      cr->password = second + 1;
      last = strrchr(second + 1, ':');
      cr->plaintext = 0;
      if (last) {
        *last = 0;
        cr->plaintext = !strcmp(last + 1, "plaintext");
        if (!cr->plaintext && last[1])
          return -1;
      }
    }
    return 1;
  }
  return 0;
}

static int
auth_failed(struct remote *r, const char *why)
{
  stralloc who = STRALLOC_ZERO;
  int ok;

  ok = remote_peer_text(&who, r) && stralloc_0(&who);
  remote_fail(r, 0, "Connected to ", ok ? who.s : r->peer_ip,
              " but could not log in with the credentials in "
              "control/smtpauth: ", why, ". (#4.7.8)", (char *)0);
  stralloc_free(&who);
  return 0;
}

int
remote_auth(struct remote *r)
{
  stralloc list = STRALLOC_ZERO;
  struct credentials cr;
  unsigned int mech, code;
  int rc = control_readlist(&list, "control/smtpauth");

  if (rc == 0)
    return 1;
  if (rc == -1)
    return remote_fail(r, 0, "Unable to read control/smtpauth: ",
                       strerror(errno), ". (#4.3.0)", (char *)0);
  rc = find(&list, r->routed ? r->relay.s : r->host, &cr);
  if (rc == 0) {
    checkpw_wipe(list.s, list.a);
    stralloc_free(&list);
    return 1;
  }
  if (rc == -1)
    rc = auth_failed(r, "its line is malformed");
  else if (!r->tls_on && !cr.plaintext)
    rc = auth_failed(r, "the connection is not encrypted, and the line "
                     "does not say plaintext");
  else if (!(r->smtp.ext & SMTPCLIENT_EXT_AUTH))
    rc = auth_failed(r, "the server does not offer AUTH");
  else {
    mech = r->smtp.auth & SMTPCLIENT_AUTH_PLAIN ? SMTPCLIENT_AUTH_PLAIN
      : r->smtp.auth & SMTPCLIENT_AUTH_LOGIN ? SMTPCLIENT_AUTH_LOGIN : 0;
    if (!mech)
      rc = auth_failed(r, "the server offers neither PLAIN nor LOGIN");
    else {
      code = smtpclient_auth(&r->smtp, mech, cr.user, cr.password);
      if (code == 235)
        rc = 1;
      else {
        stralloc said = STRALLOC_ZERO;

        if (code)
          remote_said(&said, &r->smtp);
        else
          stralloc_copys(&said, r->smtp.error);
        stralloc_0(&said);
        rc = auth_failed(r, said.len ? said.s : "out of memory");
        stralloc_free(&said);
      }
    }
  }
  checkpw_wipe(list.s, list.a);
  stralloc_free(&list);
  return rc;
}
