/* rewrite.c -- the injector's header rewriting; see rewrite.h. */
#include <errno.h>
#include <string.h>

#include "caseless.h"
#include "address.h"
#include "addrlist.h"
#include "envelope.h"
#include "errmsg.h"
#include "header.h"
#include "message.h"
#include "readfile.h"
#include "rewrite.h"
#include "stralloc.h"

static int field_rewrite(stralloc *out, const char *body, size_t len,
                         const struct inject_config *cfg);
static int same_address_nocase(const char *a, size_t alen, const char *b,
                               size_t blen);
static int is_listed(const stralloc *lists, const stralloc *addr);
static void collect_followup(stralloc *addrs, int *listed,
                             const struct message_header *h,
                             const struct inject_config *cfg,
                             const stralloc *lists);

/* Rewrite one field body into out.  Qualification only ever adds to
 * the end of an address, or replaces its final '+', so the address's
 * own text (span) is kept and only that tail changes.  1 with out
 * holding the new body; 0 when the list cannot be parsed (out is then
 * of no use). */
static int
field_rewrite(stralloc *out, const char *body, size_t len,
              const struct inject_config *cfg)
{
  struct addrlist al;
  struct addrlist_span span;
  stralloc plain = STRALLOC_ZERO, full = STRALLOC_ZERO;
  size_t copied = 0;
  int got;

  out->len = 0;
  addrlist_init(&al, body, len);
  while ((got = addrlist_next(&al, &plain, &span)) == 1) {
    size_t keep = span.end;
    const char *tail = 0;
    size_t tail_len = 0;

    if (!plain.len)
      continue;
    if (!stralloc_copy(&full, &plain))
      die_nomem();
    if (!envelope_qualify(&full, cfg)) {
      if (errno == ENOMEM || errno == EOVERFLOW)
        die_nomem();
      continue;  /* too long once qualified: left as written */
    }
    if (full.len >= plain.len && !memcmp(full.s, plain.s, plain.len)) {
      tail = full.s + plain.len;
      tail_len = full.len - plain.len;
    } else if (plain.s[plain.len - 1] == '+' && span.end > span.start
               && body[span.end - 1] == '+'
               && !memcmp(full.s, plain.s, plain.len - 1)) {
      keep = span.end - 1;
      tail = full.s + plain.len - 1;
      tail_len = full.len - (plain.len - 1);
    }
    if (!tail_len)
      continue;
    if (!stralloc_catb(out, body + copied, keep - copied)
        || !stralloc_catb(out, tail, tail_len))
      die_nomem();
    copied = span.end;
  }
  if (got == -1) {
    if (errno == ENOMEM)
      die_nomem();
    stralloc_free(&plain);
    stralloc_free(&full);
    return 0;
  }
  if (!stralloc_catb(out, body + copied, len - copied))
    die_nomem();
  stralloc_free(&plain);
  stralloc_free(&full);
  return 1;
}

void
rewrite_addresses(struct message_header *h, const struct inject_config *cfg)
{
  stralloc text = STRALLOC_ZERO, body = STRALLOC_ZERO;
  size_t i;

  for (i = 0; i < h->count; ++i) {
    struct field *f = &h->fields[i];
    size_t start = text.len;
    const char *old = h->text.s + f->start;
    size_t blen;
    const char *b = message_field_body(h, i, &blen);

    if ((f->flags & FIELD_ADDRESSES) && !(f->flags & FIELD_DROP)
        && field_rewrite(&body, b, blen, cfg)) {
      if (!stralloc_catb(&text, old, f->body) || !stralloc_cat(&text, &body))
        die_nomem();
    } else if (!stralloc_catb(&text, old, f->len)) {
      die_nomem();
    }
    f->start = start;
    f->len = text.len - start;
  }
  stralloc_free(&h->text);
  h->text = text;
  stralloc_free(&body);
}

static int
same_address_nocase(const char *a, size_t alen, const char *b, size_t blen)
{
  return alen == blen && case_equalb(a, b, alen);
}

/* lists holds one address a line; blanks around it and lines starting
 * with '#' do not count. */
static int
is_listed(const stralloc *lists, const stralloc *addr)
{
  size_t pos = 0;

  while (pos < lists->len) {
    const char *line = lists->s + pos;
    const char *lf = memchr(line, '\n', lists->len - pos);
    size_t len = lf ? (size_t)(lf - line) : lists->len - pos;
    size_t start = 0, end = len;

    pos += len + 1;
    while (start < end && (line[start] == ' ' || line[start] == '\t'))
      ++start;
    while (end > start && (line[end - 1] == ' ' || line[end - 1] == '\t'
                           || line[end - 1] == '\r'))
      --end;
    if (end == start || line[start] == '#')
      continue;
    if (same_address_nocase(line + start, end - start, addr->s, addr->len))
      return 1;
  }
  return 0;
}

static void
collect_followup(stralloc *addrs, int *listed, const struct message_header *h,
                 const struct inject_config *cfg, const stralloc *lists)
{
  stralloc addr = STRALLOC_ZERO;
  size_t i;

  for (i = 0; i < h->count; ++i) {
    const struct field *f = &h->fields[i];
    const char *name = h->text.s + f->start;
    struct addrlist al;
    const char *body;
    size_t len;

    if (!header_is(name, f->len, "To") && !header_is(name, f->len, "Cc"))
      continue;
    body = message_field_body(h, i, &len);
    addrlist_init(&al, body, len);
    while (addrlist_next(&al, &addr, 0) == 1) {
      if (!addr.len || !envelope_qualify(&addr, cfg))
        continue;
      if (is_listed(lists, &addr))
        *listed = 1;
      if (addrs->len && !stralloc_cats(addrs, ",\n  "))
        die_nomem();
      if (!address_quote(addrs, addr.s, addr.len) && errno != EINVAL)
        die_nomem();
    }
  }
  stralloc_free(&addr);
}

void
rewrite_followup(stralloc *added, const struct message_header *h,
                 const struct inject_config *cfg, const char *listfile)
{
  stralloc lists = STRALLOC_ZERO, addrs = STRALLOC_ZERO;
  int listed = 0;

  if (h->seen & FIELD_FOLLOWUP)
    return;
  if (!readfile(listfile, &lists)) {
    if (errno == ENOMEM)
      die_nomem();
    die_sys(111, "unable to read ", listfile, " ($QMAILMFTFILE). (#4.3.0)");
  }
  collect_followup(&addrs, &listed, h, cfg, &lists);
  if (listed && addrs.len)
    if (!stralloc_cats(added, "Mail-Followup-To: ")
        || !stralloc_cat(added, &addrs) || !stralloc_append(added, '\n'))
      die_nomem();
  stralloc_free(&lists);
  stralloc_free(&addrs);
}
