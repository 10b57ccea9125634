/* envelope.c -- the envelope of an injected message; see envelope.h. */
#include <errno.h>
#include <string.h>

#include "caseless.h"
#include "address.h"
#include "addrlist.h"
#include "env.h"
#include "envelope.h"
#include "errmsg.h"
#include "message.h"
#include "stralloc.h"

static void die_memory_or(int code, const char *what, const char *where,
                          const char *status) __attribute__((noreturn));
static int same_address(const char *a, size_t alen, const char *b,
                        size_t blen);
static void recipient_add(struct recipients *r, const stralloc *addr);
static void recipients_from_text(struct recipients *r, const char *s,
                                 size_t len, const char *where,
                                 const struct inject_config *cfg);
static void recipients_from_header(struct recipients *r,
                                   const struct message_header *h,
                                   const struct inject_config *cfg);
static void sender_from_text(stralloc *sender, const char *s, size_t len,
                             const char *where,
                             const struct inject_config *cfg);

/* An address problem: out of memory is temporary, the rest is not. */
static void
die_memory_or(int code, const char *what, const char *where,
              const char *status)
{
  if (errno == ENOMEM || errno == EOVERFLOW)
    die_nomem();
  if (errno == EMSGSIZE)
    die(code, "address too long in ", where, ". ", status);
  die(code, what, where, ". ", status);
}

/* The defaulthost step comes first, so a defaulthost without a dot
 * gets defaultdomain as well, as any other host without one does. */
int
envelope_qualify(stralloc *addr, const struct inject_config *cfg)
{
  size_t at, dlen;
  const char *domain;

  if (!addr->len)
    return 1;
  if (!address_split(addr->s, addr->len, &at)) {
    if (!stralloc_append(addr, '@') || !stralloc_cat(addr, &cfg->defaulthost))
      return 0;
  }
  address_split(addr->s, addr->len, &at);
  domain = addr->s + at + 1;
  dlen = addr->len - at - 1;
  if (dlen && domain[0] == '[') {
    /* an address literal */
  } else if (dlen && domain[dlen - 1] == '+') {
    --addr->len;
    if (dlen > 1 && !stralloc_append(addr, '.'))
      return 0;
    if (!stralloc_cat(addr, &cfg->plusdomain))
      return 0;
  } else if (!memchr(domain, '.', dlen)) {
    if (!stralloc_append(addr, '.') || !stralloc_cat(addr, &cfg->defaultdomain))
      return 0;
  }
  if (addr->len > ADDRESS_MAX) {
    errno = EMSGSIZE;
    return 0;
  }
  return 1;
}

/* Local parts compare exactly, domains without regard to ASCII case. */
static int
same_address(const char *a, size_t alen, const char *b, size_t blen)
{
  size_t at_a, at_b;

  address_split(a, alen, &at_a);
  address_split(b, blen, &at_b);
  if (alen != blen || at_a != at_b || memcmp(a, b, at_a) != 0)
    return 0;
  return case_equalb(a + at_a, b + at_a, alen - at_a);
}

static void
recipient_add(struct recipients *r, const stralloc *addr)
{
  size_t pos = 0;

  while (pos < r->list.len) {
    size_t len = strlen(r->list.s + pos);

    if (same_address(r->list.s + pos, len, addr->s, addr->len))
      return;
    pos += len + 1;
  }
  if (!stralloc_cat(&r->list, addr) || !stralloc_0(&r->list))
    die_nomem();
  ++r->count;
}

static void
recipients_from_text(struct recipients *r, const char *s, size_t len,
                     const char *where, const struct inject_config *cfg)
{
  struct addrlist al;
  stralloc addr = STRALLOC_ZERO;
  int got;

  addrlist_init(&al, s, len);
  while ((got = addrlist_next(&al, &addr, 0)) == 1) {
    if (!addr.len)
      die(100, "the null address <> cannot be a recipient, in ", where,
          ". (#5.1.3)");
    if (!envelope_qualify(&addr, cfg))
      die_memory_or(100, "unable to qualify an address in ", where,
                    "(#5.1.3)");
    recipient_add(r, &addr);
  }
  if (got == -1)
    die_memory_or(100, "invalid address syntax in ", where, "(#5.1.3)");
  stralloc_free(&addr);
}

static void
recipients_from_header(struct recipients *r, const struct message_header *h,
                       const struct inject_config *cfg)
{
  /* A message being resent goes to the Resent- recipients only: the
   * original ones have had their copy. */
  unsigned want = h->seen & FIELD_RESENT ? FIELD_RESENT_RECIPIENTS
                                          : FIELD_RECIPIENTS;
  stralloc where = STRALLOC_ZERO;
  size_t i;

  for (i = 0; i < h->count; ++i) {
    const struct field *f = &h->fields[i];
    const char *body;
    size_t len;

    if (!(f->flags & want))
      continue;
    body = message_field_body(h, i, &len);
    if (!stralloc_copys(&where, "the ")
        || !stralloc_catb(&where, h->text.s + f->start, f->body)
        || !stralloc_cats(&where, " field") || !stralloc_0(&where))
      die_nomem();
    recipients_from_text(r, body, len, where.s, cfg);
  }
  stralloc_free(&where);
}

void
envelope_recipients(struct recipients *r, const struct inject_options *opt,
                   const struct message_header *h, const struct inject_config *cfg)
{
  int have_args = opt->args[0] != 0;
  int use_args = opt->recipients != INJECT_HEADER;
  int use_header = opt->recipients == INJECT_HEADER
                   || opt->recipients == INJECT_ARGS_AND_HEADER
                   || (opt->recipients == INJECT_ARGS_OR_HEADER && !have_args);
  stralloc where = STRALLOC_ZERO;
  size_t i;

  if (use_args)
    for (i = 0; opt->args[i]; ++i) {
      if (!stralloc_copys(&where, "the recipient argument \"")
          || !stralloc_cats(&where, opt->args[i])
          || !stralloc_cats(&where, "\"") || !stralloc_0(&where))
        die_nomem();
      recipients_from_text(r, opt->args[i], strlen(opt->args[i]), where.s,
                           cfg);
    }
  if (use_header)
    recipients_from_header(r, h, cfg);
  stralloc_free(&where);
}

/* The envelope sender from -f or Return-Path: at most one address;
 * none, or "<>", is the null sender. */
static void
sender_from_text(stralloc *sender, const char *s, size_t len,
                 const char *where, const struct inject_config *cfg)
{
  struct addrlist al;
  stralloc extra = STRALLOC_ZERO;
  int got;

  addrlist_init(&al, s, len);
  got = addrlist_next(&al, sender, 0);
  if (got == 1) {
    got = addrlist_next(&al, &extra, 0);
    if (got == 1)
      die(100, "more than one address in ", where, ". (#5.1.7)");
  }
  if (got == -1)
    die_memory_or(100, "invalid address syntax in ", where, "(#5.1.7)");
  if (!envelope_qualify(sender, cfg))
    die_memory_or(100, "unable to qualify the address in ", where,
                  "(#5.1.7)");
  stralloc_free(&extra);
}

void
envelope_sender(stralloc *sender, const struct inject_options *opt,
                const struct message_header *h, const char *user,
                const char *host, const struct inject_config *cfg)
{
  const char *suser = env_get("QMAILSUSER");
  const char *shost = env_get("QMAILSHOST");
  size_t i;

  /* Set but empty counts as not set, as for the other variables. */
  if (suser && !*suser)
    suser = 0;
  if (shost && !*shost)
    shost = 0;
  if (opt->sender) {
    sender_from_text(sender, opt->sender, strlen(opt->sender),
                     "the envelope sender given with -f", cfg);
    goto done;
  }
  if (!suser && !shost && (h->seen & FIELD_RETURN_PATH))
    for (i = 0; i < h->count; ++i)
      if (h->fields[i].flags & FIELD_RETURN_PATH) {
        const char *body;
        size_t len;

        body = message_field_body(h, i, &len);
        sender_from_text(sender, body, len, "the Return-Path: field", cfg);
        goto done;
      }
  if (!stralloc_copys(sender, suser ? suser : user)
      || !stralloc_append(sender, '@')
      || !stralloc_cats(sender, shost ? shost : host))
    die_nomem();
  for (i = 0; i < sender->len; ++i)
    if ((unsigned char)sender->s[i] < 32 || sender->s[i] == 127)
      die(100, "the envelope sender made from the user and host names "
          "contains a control character. (#5.1.7)");
  if (sender->len > ADDRESS_MAX)
    die(100, "the envelope sender made from the user and host names "
        "is too long. (#5.1.7)");
done:
  if (!stralloc_0(sender))
    die_nomem();
}
