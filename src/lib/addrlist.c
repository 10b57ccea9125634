/* addrlist.c -- the mailboxes of an RFC 5322 address list; see addrlist.h.
 *
 * A tokenizer turns the list into atoms, quoted strings, domain
 * literals and single special characters, skipping white space and
 * comments.  The mailbox parser feeds the tokens of a possible addr-spec
 * to a small builder that both assembles the plain address and notes
 * whether the tokens really form an addr-spec: until the parser reaches
 * '<' or ':' it cannot know whether it has been reading a display name
 * or an address. */
#include <errno.h>

#include "address.h"
#include "addrlist.h"
#include "stralloc.h"

enum token_kind { TOKEN_END, TOKEN_ATOM, TOKEN_QUOTED, TOKEN_LITERAL,
                  TOKEN_SPECIAL };

struct token {
  enum token_kind kind;
  size_t start;     /* first byte (the quote or bracket for those) */
  size_t end;       /* one past the last byte */
};

/* What the builder saw last, to check the order of tokens. */
enum spec_last { LAST_NONE, LAST_WORD, LAST_DOT, LAST_AT, LAST_LITERAL };

struct spec_builder {
  stralloc *addr;
  enum spec_last last;
  int seen_at;
  int invalid;      /* the tokens are not an addr-spec */
  size_t start;     /* span of the tokens given so far */
  size_t end;
  int any;          /* at least one token given */
};

static int is_control(char c);
static int is_blank_or_eol(char c);
static int is_special(char c);
static int skip_cfws(struct addrlist *al);
static int token_next(struct addrlist *al, struct token *t);
static int token_peek(struct addrlist *al, struct token *t);
static int is_char(const struct addrlist *al, const struct token *t, char c);
static void spec_start(struct spec_builder *b, stralloc *addr);
static int spec_add(struct spec_builder *b, const struct addrlist *al,
                    const struct token *t);
static int spec_finish(struct spec_builder *b);
static int parse_angle(struct addrlist *al, stralloc *addr,
                       struct addrlist_span *span);
static int fail(struct addrlist *al, stralloc *addr, int err);

static int
is_control(char c)
{
  unsigned char u = (unsigned char)c;

  return u < 32 || u == 127;
}

static int
is_blank_or_eol(char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
is_special(char c)
{
  switch (c) {
  case '(': case ')': case '<': case '>': case '[': case ']': case ':':
  case ';': case '@': case '\\': case ',': case '.': case '"':
    return 1;
  }
  return 0;
}

/* Skip blanks, line ends and (nested) comments.  0 with EINVAL when a
 * comment does not end. */
static int
skip_cfws(struct addrlist *al)
{
  const char *s = al->s;
  size_t i = al->pos, len = al->len;

  for (;;) {
    while (i < len && is_blank_or_eol(s[i]))
      ++i;
    if (i < len && s[i] == '(') {
      unsigned long depth = 1;

      ++i;
      while (depth) {
        if (i >= len || (s[i] == '\\' && i + 1 >= len)) {
          errno = EINVAL;
          return 0;
        }
        if (s[i] == '\\')
          ++i;
        else if (s[i] == '(')
          ++depth;
        else if (s[i] == ')')
          --depth;
        ++i;
      }
      continue;
    }
    break;
  }
  al->pos = i;
  return 1;
}

/* Read the next token.  Returns 1 (TOKEN_END at the end of the list), 0
 * with EINVAL on an unterminated quoted string or literal or a control
 * byte outside them. */
static int
token_next(struct addrlist *al, struct token *t)
{
  const char *s = al->s;
  size_t i, len = al->len;
  char close;

  if (!skip_cfws(al))
    return 0;
  i = al->pos;
  t->start = i;
  if (i == len) {
    t->kind = TOKEN_END;
    t->end = i;
    return 1;
  }
  if (s[i] == '"' || s[i] == '[') {
    t->kind = s[i] == '"' ? TOKEN_QUOTED : TOKEN_LITERAL;
    close = s[i] == '"' ? '"' : ']';
    for (++i; i < len && s[i] != close; ++i) {
      if (s[i] == '\\')
        ++i;
      else if (close == ']' && s[i] == '[')
        break;
    }
    if (i >= len || s[i] != close) {
      errno = EINVAL;
      return 0;
    }
    al->pos = t->end = i + 1;
    return 1;
  }
  if (is_special(s[i])) {
    t->kind = TOKEN_SPECIAL;
    al->pos = t->end = i + 1;
    return 1;
  }
  if (is_control(s[i])) {
    errno = EINVAL;
    return 0;
  }
  while (i < len && !is_special(s[i]) && !is_blank_or_eol(s[i])
         && !is_control(s[i]))
    ++i;
  t->kind = TOKEN_ATOM;
  al->pos = t->end = i;
  return 1;
}

static int
token_peek(struct addrlist *al, struct token *t)
{
  size_t pos = al->pos;
  int ok = token_next(al, t);

  al->pos = pos;
  return ok;
}

static int
is_char(const struct addrlist *al, const struct token *t, char c)
{
  return t->kind == TOKEN_SPECIAL && al->s[t->start] == c;
}

static void
spec_start(struct spec_builder *b, stralloc *addr)
{
  b->addr = addr;
  addr->len = 0;
  b->last = LAST_NONE;
  b->seen_at = 0;
  b->invalid = 0;
  b->start = b->end = 0;
  b->any = 0;
}

/* Append the content of a quoted string, without its quotes, escapes
 * resolved and folds (a line end followed by a blank) unfolded. */
static int
append_quoted(stralloc *addr, const char *s, size_t start, size_t end)
{
  size_t i;

  for (i = start + 1; i + 1 < end; ++i) {
    if (s[i] == '\\')
      ++i;
    else if (s[i] == '\r' && i + 1 < end - 1 && s[i + 1] == '\n')
      continue;
    else if (s[i] == '\n' && i + 1 < end - 1
             && (s[i + 1] == ' ' || s[i + 1] == '\t'))
      continue;
    if (!stralloc_append(addr, s[i]))
      return 0;
  }
  return 1;
}

/* Give one token to the builder.  Returns 0 only when memory runs out;
 * a token that does not fit the addr-spec grammar just marks it
 * invalid. */
static int
spec_add(struct spec_builder *b, const struct addrlist *al,
         const struct token *t)
{
  const char *s = al->s;

  if (!b->any)
    b->start = t->start;
  b->any = 1;
  b->end = t->end;
  if (b->invalid)
    return 1;
  if (t->kind == TOKEN_ATOM || t->kind == TOKEN_QUOTED) {
    if (b->last == LAST_WORD || b->last == LAST_LITERAL
        || (b->seen_at && t->kind == TOKEN_QUOTED)) {
      b->invalid = 1;
      return 1;
    }
    b->last = LAST_WORD;
    if (t->kind == TOKEN_ATOM)
      return stralloc_catb(b->addr, s + t->start, t->end - t->start);
    return append_quoted(b->addr, s, t->start, t->end);
  }
  if (t->kind == TOKEN_LITERAL) {
    if (b->last != LAST_AT) {
      b->invalid = 1;
      return 1;
    }
    b->last = LAST_LITERAL;
    return stralloc_catb(b->addr, s + t->start, t->end - t->start);
  }
  if (is_char(al, t, '.')) {
    if (b->seen_at && b->last != LAST_WORD) {
      b->invalid = 1;
      return 1;
    }
    b->last = LAST_DOT;
    return stralloc_append(b->addr, '.');
  }
  if (is_char(al, t, '@')) {
    if (b->seen_at || b->last == LAST_NONE) {
      b->invalid = 1;
      return 1;
    }
    b->seen_at = 1;
    b->last = LAST_AT;
    return stralloc_append(b->addr, '@');
  }
  b->invalid = 1;
  return 1;
}

/* Check the finished addr-spec.  1 when it is one, 0 with errno set. */
static int
spec_finish(struct spec_builder *b)
{
  size_t i;

  if (b->invalid || b->last == LAST_NONE
      || (b->seen_at && (b->last == LAST_AT || b->last == LAST_DOT))) {
    errno = EINVAL;
    return 0;
  }
  for (i = 0; i < b->addr->len; ++i)
    if (is_control(b->addr->s[i])) {
      errno = EINVAL;
      return 0;
    }
  if (b->addr->len > ADDRESS_MAX) {
    errno = EMSGSIZE;
    return 0;
  }
  return 1;
}

/* After '<': an optional route, the addr-spec, '>'. */
static int
parse_angle(struct addrlist *al, stralloc *addr, struct addrlist_span *span)
{
  struct spec_builder b;
  struct token t;
  size_t inside;

  if (!skip_cfws(al))
    return 0;
  inside = al->pos;
  if (!token_peek(al, &t))
    return 0;
  if (is_char(al, &t, '@')) {
    /* Obsolete source route "@a,@b:": checked for its characters only,
     * then dropped, as RFC 5321 appendix C asks. */
    for (;;) {
      if (!token_next(al, &t))
        return 0;
      if (is_char(al, &t, ':'))
        break;
      if (t.kind == TOKEN_END || t.kind == TOKEN_QUOTED
          || (t.kind == TOKEN_SPECIAL && !is_char(al, &t, '@')
              && !is_char(al, &t, ',') && !is_char(al, &t, '.'))) {
        errno = EINVAL;
        return 0;
      }
    }
  }
  spec_start(&b, addr);
  for (;;) {
    if (!token_next(al, &t))
      return 0;
    if (is_char(al, &t, '>'))
      break;
    if (t.kind == TOKEN_END) {
      errno = EINVAL;
      return 0;
    }
    if (!spec_add(&b, al, &t))
      return 0;
  }
  if (!b.any) {
    /* "<>": the null path, unless a route stood before it. */
    if (inside != t.start) {
      errno = EINVAL;
      return 0;
    }
  } else if (!spec_finish(&b))
    return 0;
  if (span) {
    span->start = inside;
    span->end = b.any ? b.end : inside;
  }
  /* After the closing bracket only the end of the mailbox may follow. */
  if (!token_peek(al, &t))
    return 0;
  if (is_char(al, &t, ',')) {
    al->pos = t.end;
  } else if (!(t.kind == TOKEN_END || (al->in_group && is_char(al, &t, ';')))) {
    errno = EINVAL;
    return 0;
  }
  return 1;
}

static int
fail(struct addrlist *al, stralloc *addr, int err)
{
  al->failed = 1;
  addr->len = 0;
  errno = err;
  return -1;
}

void
addrlist_init(struct addrlist *al, const char *s, size_t len)
{
  al->s = s;
  al->len = len;
  al->pos = 0;
  al->in_group = 0;
  al->failed = 0;
}

int
addrlist_next(struct addrlist *al, stralloc *addr, struct addrlist_span *span)
{
  struct spec_builder b;
  struct token t;

  if (al->failed)
    return fail(al, addr, EINVAL);
  for (;;) {
    if (!token_peek(al, &t))
      return fail(al, addr, errno);
    if (t.kind == TOKEN_END) {
      addr->len = 0;
      return 0;
    }
    if (is_char(al, &t, ',')) {
      al->pos = t.end;
      continue;
    }
    if (is_char(al, &t, ';')) {
      if (!al->in_group)
        return fail(al, addr, EINVAL);
      al->in_group = 0;
      al->pos = t.end;
      continue;
    }
    break;
  }

  /* A display name, a group name or an addr-spec: read tokens until a
   * character decides which. */
  spec_start(&b, addr);
  for (;;) {
    if (!token_peek(al, &t))
      return fail(al, addr, errno);
    if (t.kind == TOKEN_END || is_char(al, &t, ',') || is_char(al, &t, ';'))
      break;
    if (is_char(al, &t, '<')) {
      al->pos = t.end;
      if (!parse_angle(al, addr, span))
        return fail(al, addr, errno);
      return 1;
    }
    if (is_char(al, &t, ':')) {
      if (al->in_group || b.seen_at)
        return fail(al, addr, EINVAL);
      al->in_group = 1;
      al->pos = t.end;
      return addrlist_next(al, addr, span);
    }
    al->pos = t.end;
    if (!spec_add(&b, al, &t))
      return fail(al, addr, errno);
  }
  if (is_char(al, &t, ';') && !al->in_group)
    return fail(al, addr, EINVAL);
  if (!spec_finish(&b))
    return fail(al, addr, errno);
  if (span) {
    span->start = b.start;
    span->end = b.end;
  }
  return 1;
}
