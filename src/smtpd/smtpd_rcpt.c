/* smtpd_rcpt.c -- MAIL and RCPT: the envelope, and who may relay.
 *
 * Relay control looks only at the plain address (address.h): the part
 * after its last '@' is the domain delivery will use, whatever quoting,
 * source routes, '%' or '!' the client wrote.  A recipient is taken
 * when the client is a relay client (RELAYCLIENT, or authenticated),
 * when it has no '@' (a local name; qmail-send adds the local host), or
 * when its domain, lowercased, is listed in control/rcpthosts (exactly,
 * or under a ".suffix" entry) or in control/morercpthosts.cdb.  Anything
 * else is answered 553 and never reaches the queue.  A recipient whose
 * domain is an address literal ("[192.0.2.1]") is taken as a recipient
 * at control/localiphost, as qmail does.
 */
#include <errno.h>
#include <string.h>

#include "address.h"
#include "caseless.h"
#include "smtpcmd.h"
#include "smtpd.h"

static void
out_of_memory(struct smtpd *s)
{
  smtpd_reply(s, "421 out of memory (#4.3.0)");
  smtpd_flush(s);
  smtpd_log(s, "end", " out of memory", (char *)0);
  smtpd_exit(s, 111);
}

/* Log a refused MAIL or RCPT with its reply code. */
static void
log_refusal(struct smtpd *s, const char *code, const char *what,
            const char *addr, size_t len)
{
  s->scratch.len = 0;
  stralloc_cats(&s->scratch, " from=");
  smtpd_log_addr(&s->scratch, s->sender.s, s->seen_mail ? s->sender.len : 0);
  if (addr) {
    stralloc_cats(&s->scratch, " rcpt=");
    smtpd_log_addr(&s->scratch, addr, len);
  }
  stralloc_0(&s->scratch);
  smtpd_log(s, "refuse", " ", code, " ", what, s->scratch.s ? s->scratch.s : "",
            (char *)0);
  ++s->refusals;
}

/* Parse "FROM:" or "TO:" and its parameters into addr; 0 after a reply. */
static int
parse_path(struct smtpd *s, size_t arg, const char *keyword, stralloc *addr,
           struct smtpcmd_params *params)
{
  if (smtpcmd_path(s->line.s, s->line.len, arg, keyword, addr, params))
    return 1;
  switch (errno) {
  case ENOMEM:
    out_of_memory(s);
    break;
  case EMSGSIZE:
    smtpd_reply(s, "501 5.1.7 address too long (#5.1.7)");
    break;
  case ENOTSUP:
    s->scratch.len = 0;
    stralloc_cats(&s->scratch, "555 5.5.4 unsupported parameter ");
    stralloc_cats(&s->scratch, params->bad);
    stralloc_cats(&s->scratch, " (#5.5.4)");
    stralloc_0(&s->scratch);
    smtpd_reply(s, s->scratch.s);
    break;
  case ERANGE:
    smtpd_reply(s, "552 sorry, that message size exceeds my databytes "
                "limit (#5.3.4)");
    break;
  default:
    if (params->bad[0])
      smtpd_reply(s, "555 5.5.4 syntax error in a parameter (#5.5.4)");
    else
      smtpd_reply(s, "555 syntax error (#5.5.4)");
  }
  ++s->refusals;
  return 0;
}

/* "local@[literal]" becomes "local@" control/localiphost. */
static void
literal_to_localhost(struct smtpd *s, stralloc *addr)
{
  size_t at;

  if (!address_split(addr->s, addr->len, &at) || at + 1 >= addr->len
      || addr->s[at + 1] != '[' || addr->s[addr->len - 1] != ']')
    return;
  addr->len = at + 1;
  if (!stralloc_cat(addr, &s->liphost))
    out_of_memory(s);
}

/* Is the sender in control/badmailfrom: the whole address, or "@domain"
 * for its domain, ignoring case? */
static int
sender_is_bad(struct smtpd *s)
{
  size_t at, i = 0;
  const char *addr = s->sender.s;
  size_t len = s->sender.len;

  if (!s->badmailfrom.len || !len)
    return 0;
  address_split(addr, len, &at);
  while (i < s->badmailfrom.len) {
    const char *entry = s->badmailfrom.s + i;
    size_t elen = strlen(entry);

    if (elen == len && case_equalb(entry, addr, len))
      return 1;
    if (entry[0] == '@' && at < len && elen == len - at
        && case_equalb(entry, addr + at, elen))
      return 1;
    i += elen + 1;
  }
  return 0;
}

void
smtpd_mail(struct smtpd *s, size_t arg)
{
  struct smtpcmd_params params;

  if (s->auth_required && !s->auth_user.len) {
    smtpd_reply(s, "530 5.7.0 authentication required (#5.7.0)");
    ++s->refusals;
    return;
  }
  if (!parse_path(s, arg, "FROM:", &s->sender, &params)) {
    smtpd_reset_transaction(s);
    return;
  }
  if (params.has_size && s->databytes && params.size > s->databytes) {
    smtpd_reset_transaction(s);
    smtpd_reply(s, "552 sorry, that message size exceeds my databytes "
                "limit (#5.3.4)");
    log_refusal(s, "552", "SIZE", 0, 0);
    return;
  }
  literal_to_localhost(s, &s->sender);
  /* a C string for the queue, len without the NUL */
  if (!stralloc_0(&s->sender))
    out_of_memory(s);
  --s->sender.len;
  s->rcpts.len = 0;
  s->rcpt_count = 0;
  s->seen_mail = 1;
  s->sender_bad = sender_is_bad(s);
  smtpd_reply(s, "250 ok");
}

/* Does domain (lowercased) belong to rcpthosts or morercpthosts? */
int
smtpd_rcpthosts_match(struct smtpd *s, const char *domain, size_t len)
{
  size_t i = 0;

  while (i < s->rcpthosts.len) {
    const char *entry = s->rcpthosts.s + i;
    size_t elen = strlen(entry);

    if (elen == len && case_equalb(entry, domain, len))
      return 1;
    if (entry[0] == '.' && elen < len
        && case_equalb(entry, domain + len - elen, elen))
      return 1;
    i += elen + 1;
  }
  if (s->mrh.fd < 0)
    return 0;
  for (i = 0; i < len; ++i) {
    int r;

    if (i && domain[i] != '.')
      continue;
    r = constdb_find(&s->mrh, domain + i, len - i, &s->scratch);
    if (r == 1)
      return 1;
    if (r == -1)
      return -1;
  }
  return 0;
}

/* May this recipient be accepted from this client?  1 yes, 0 no, -1
 * the database could not be read. */
static int
relay_allowed(struct smtpd *s, const stralloc *addr)
{
  size_t at;
  stralloc *d = &s->line;   /* the command is parsed: reuse its space */

  if (s->relayclient)
    return 1;
  if (!address_split(addr->s, addr->len, &at))
    return 1;
  d->len = 0;
  if (!stralloc_catb(d, addr->s + at + 1, addr->len - at - 1))
    out_of_memory(s);
  case_lowerb(d->s, d->len);
  return smtpd_rcpthosts_match(s, d->s, d->len);
}

void
smtpd_rcpt(struct smtpd *s, size_t arg)
{
  static stralloc addr = STRALLOC_ZERO;
  static stralloc why = STRALLOC_ZERO;
  struct smtpcmd_params params;
  int r;

  if (!s->seen_mail) {
    smtpd_reply(s, "503 MAIL first (#5.5.1)");
    ++s->refusals;
    return;
  }
  if (!parse_path(s, arg, "TO:", &addr, &params))
    return;
  if (!addr.len) {
    smtpd_reply(s, "555 syntax error (#5.5.4)");
    ++s->refusals;
    return;
  }
  if (s->sender_bad) {
    smtpd_reply(s, "553 sorry, your envelope sender is in my badmailfrom "
                "list (#5.7.1)");
    log_refusal(s, "553", "badmailfrom", addr.s, addr.len);
    return;
  }
  literal_to_localhost(s, &addr);
  r = relay_allowed(s, &addr);
  if (r == -1) {
    smtpd_reply(s, "451 unable to read controls (#4.3.0)");
    log_refusal(s, "451", "morercpthosts.cdb unreadable", addr.s, addr.len);
    return;
  }
  if (!r) {
    smtpd_reply(s, "553 sorry, that domain isn't in my list of allowed "
                "rcpthosts (#5.7.1)");
    log_refusal(s, "553", "rcpthosts", addr.s, addr.len);
    return;
  }
  if (s->rcptcheck_on) {
    why.len = 0;
    r = smtpd_check(s, addr.s, addr.len, &why);
    if (r == 0) {
      smtpd_reply(s, "550 sorry, no mailbox here by that name (#5.1.1)");
      if (!stralloc_0(&why))
        out_of_memory(s);
      log_refusal(s, "550", why.s, addr.s, addr.len);
      return;
    }
    if (r == -1) {
      smtpd_reply(s, "451 unable to check the recipient now (#4.3.0)");
      log_refusal(s, "451", "recipient check failed", addr.s, addr.len);
      return;
    }
  }
  if (s->rcpt_count >= SMTPD_RCPT_MAX) {
    smtpd_reply(s, "452 4.5.3 too many recipients, send the rest in "
                "another transaction");
    ++s->refusals;
    return;
  }
  if (s->relayclient && !stralloc_cats(&addr, s->relayclient))
    out_of_memory(s);
  if (!stralloc_cat(&s->rcpts, &addr) || !stralloc_0(&s->rcpts))
    out_of_memory(s);
  ++s->rcpt_count;
  smtpd_reply(s, "250 ok");
}
