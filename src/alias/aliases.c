/* aliases.c -- the sendmail aliases syntax; see aliases.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aliases.h"
#include "caseless.h"
#include "fwdb.h"

enum token_type { TOKEN_WORD, TOKEN_QUOTED, TOKEN_LITERAL, TOKEN_SPECIAL };

struct token {
  enum token_type type;
  char special;           /* for TOKEN_SPECIAL */
  size_t start, len;      /* the value, in parser.values */
  size_t at;              /* where it starts in the text */
};

struct parser {
  const char *text;
  size_t len;
  const struct aliases_config *cfg;
  struct aliases_error *err;
  int in_list;            /* an include file, not an aliases file */
  struct token *tokens;
  size_t ntokens, atokens;
  stralloc values;        /* the tokens' unquoted bytes */
  stralloc word;          /* scratch: one address, name or path */
  stralloc commands;      /* one entry's commands, NUL-terminated */
  size_t *starts;         /* where each command starts in commands */
  size_t nstarts, astarts;
  stralloc key, data;
};

#define SYNTAX 0
#define SYSTEM (-1)

static int
syntax(struct parser *p, size_t at, const char *why)
{
  p->err->offset = at;
  p->err->why = why;
  return SYNTAX;
}

static int
is_special(char c)
{
  return c && strchr("<>@,;:.", c) != 0;
}

static int
push_token(struct parser *p, enum token_type type, char special,
           size_t start, size_t at)
{
  struct token *t;

  if (p->ntokens == p->atokens) {
    size_t n = p->atokens ? 2 * p->atokens : 64;

    t = realloc(p->tokens, n * sizeof *t);
    if (!t)
      return 0;
    p->tokens = t;
    p->atokens = n;
  }
  t = &p->tokens[p->ntokens++];
  t->type = type;
  t->special = special;
  t->start = start;
  t->len = p->values.len - start;
  t->at = at;
  return 1;
}

/* Read a quoted string, domain literal or comment that starts at
 * text[*pos] and ends with close; backslash escapes one byte.  The
 * bytes go to values unless skip.  Comments nest. */
static int
read_delimited(struct parser *p, size_t *pos, size_t end, char close,
               int keep_delimiters, int skip)
{
  size_t at = *pos;
  char open = p->text[at];
  int depth = 1;
  size_t i = at + 1;

  if (keep_delimiters && !stralloc_append(&p->values, open))
    return SYSTEM;
  for (; i < end; ++i) {
    char c = p->text[i];

    if (!c)
      return syntax(p, i, "NUL bytes are not permitted");
    if (c == '\\') {
      if (++i == end)
        break;
      c = p->text[i];
      if (!c)
        return syntax(p, i, "NUL bytes are not permitted");
    } else if (c == close && !--depth) {
      if (keep_delimiters && !stralloc_append(&p->values, c))
        return SYSTEM;
      *pos = i + 1;
      return 1;
    } else if (c == open && open == '(') {
      ++depth;
    }
    if (!skip && !stralloc_append(&p->values, c))
      return SYSTEM;
  }
  if (open == '"')
    return syntax(p, at, "unterminated quoted string");
  if (open == '[')
    return syntax(p, at, "unterminated domain literal");
  return syntax(p, at, "unterminated comment");
}

/* Split text[start..end) into tokens. */
static int
tokenize(struct parser *p, size_t start, size_t end)
{
  size_t pos = start;
  int r;

  p->ntokens = 0;
  p->values.len = 0;
  while (pos < end) {
    char c = p->text[pos];
    size_t vstart = p->values.len;

    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      ++pos;
    } else if (c == '(') {
      if ((r = read_delimited(p, &pos, end, ')', 0, 1)) != 1)
        return r;
    } else if (c == '"' || c == '[') {
      size_t at = pos;

      if ((r = read_delimited(p, &pos, end, c == '"' ? '"' : ']',
                              c == '[', 0)) != 1)
        return r;
      if (!push_token(p, c == '"' ? TOKEN_QUOTED : TOKEN_LITERAL, 0,
                      vstart, at))
        return SYSTEM;
    } else if (is_special(c)) {
      if (!push_token(p, TOKEN_SPECIAL, c, vstart, pos))
        return SYSTEM;
      ++pos;
    } else if (c == ')' || c == ']') {
      return syntax(p, pos, c == ')' ? "unbalanced ')'" : "unbalanced ']'");
    } else {
      size_t at = pos;

      while (pos < end) {
        c = p->text[pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '('
            || c == ')' || c == '"' || c == '[' || c == ']' || is_special(c))
          break;
        if (c == '\\') {
          if (++pos == end)
            return syntax(p, at, "backslash at the end of an entry");
          c = p->text[pos];
        }
        if (!c)
          return syntax(p, pos, "NUL bytes are not permitted");
        if ((unsigned char)c < 32 || c == 127)
          return syntax(p, pos, "control characters are not permitted");
        if (!stralloc_append(&p->values, c))
          return SYSTEM;
        ++pos;
      }
      if (!push_token(p, TOKEN_WORD, 0, vstart, at))
        return SYSTEM;
    }
  }
  return 1;
}

static const char *
value(const struct parser *p, const struct token *t)
{
  return p->values.s ? p->values.s + t->start : "";
}

static int
is(const struct token *t, char special)
{
  return t->type == TOKEN_SPECIAL && t->special == special;
}

/* The end of the address that starts at token i: words joined by '.'
 * and '@'. */
static size_t
address_end(const struct parser *p, size_t i, size_t end)
{
  int want_word = 1;

  while (i < end) {
    const struct token *t = &p->tokens[i];

    if (t->type == TOKEN_SPECIAL) {
      if (t->special != '.' && t->special != '@')
        break;
      want_word = 1;
    } else {
      if (!want_word)
        break;
      want_word = 0;
    }
    ++i;
  }
  return i;
}

/* Join tokens [i, end) into word: words as their unquoted bytes, '.'
 * and '@' as themselves; in a route also ':' and ','. */
static int
join(struct parser *p, size_t i, size_t end, int route)
{
  p->word.len = 0;
  for (; i < end; ++i) {
    const struct token *t = &p->tokens[i];

    if (t->type == TOKEN_SPECIAL) {
      if (t->special != '.' && t->special != '@'
          && !(route && (t->special == ':' || t->special == ',')))
        return syntax(p, t->at, "a special character where an address "
                      "was expected");
      if (!stralloc_append(&p->word, t->special))
        return SYSTEM;
    } else if (!stralloc_catb(&p->word, value(p, t), t->len)) {
      return SYSTEM;
    }
  }
  return 1;
}

/* qmail-inject's qualification of the address in word. */
static int
qualify(struct parser *p, size_t at)
{
  stralloc *w = &p->word;
  const struct aliases_config *cfg = p->cfg;
  size_t i, sign = w->len;
  const char *domain;
  size_t dlen;

  for (i = 0; i < w->len; ++i)
    if (w->s[i] == '@')
      sign = i;
  if (sign == w->len) {
    if (!stralloc_append(w, '@') || !stralloc_cat(w, &cfg->defaulthost))
      return SYSTEM;
  }
  domain = w->s + sign + 1;
  dlen = w->len - sign - 1;
  if (!dlen)
    return syntax(p, at, "an address with an empty domain");
  if (domain[0] == '[') {
    /* an address literal stays as it is */
  } else if (domain[dlen - 1] == '+') {
    --w->len;
    if (dlen > 1 && !stralloc_append(w, '.'))
      return SYSTEM;
    if (!stralloc_cat(w, &cfg->plusdomain))
      return SYSTEM;
  } else if (!memchr(domain, '.', dlen)) {
    if (!stralloc_append(w, '.') || !stralloc_cat(w, &cfg->defaultdomain))
      return SYSTEM;
  }
  return 1;
}

static int
add_command(struct parser *p, char kind, const char *s, size_t len,
            const char *tail)
{
  if (p->nstarts == p->astarts) {
    size_t n = p->astarts ? 2 * p->astarts : 32;
    size_t *a = realloc(p->starts, n * sizeof *a);

    if (!a)
      return SYSTEM;
    p->starts = a;
    p->astarts = n;
  }
  p->starts[p->nstarts++] = p->commands.len;
  if ((kind && !stralloc_append(&p->commands, kind))
      || !stralloc_catb(&p->commands, s, len)
      || (tail && !stralloc_cats(&p->commands, tail))
      || !stralloc_0(&p->commands))
    return SYSTEM;
  return 1;
}

/* One address, tokens [i, end): a program, a file (refused) or an
 * address. */
static int
recipient(struct parser *p, size_t i, size_t end, int route)
{
  const struct token *first = &p->tokens[i];
  int has_at = 0, r;
  size_t k;

  for (k = i; k < end; ++k)
    if (is(&p->tokens[k], '@'))
      has_at = 1;
  if ((r = join(p, i, end, route)) != 1)
    return r;
  if (!has_at && first->type != TOKEN_SPECIAL && first->len
      && value(p, first)[0] == '|') {
    if (p->in_list)
      return syntax(p, first->at, "programs are not supported in "
                    "include files");
    if (p->word.len < 2)
      return syntax(p, first->at, "an empty program");
    return add_command(p, '!', p->word.s + 1, p->word.len - 1, 0);
  }
  if (!has_at && first->type == TOKEN_WORD && value(p, first)[0] == '/')
    return syntax(p, first->at, "file deliveries are not supported "
                  "(use a .qmail file)");
  if (!p->word.len)
    return syntax(p, first->at, "an empty address");
  if ((r = qualify(p, first->at)) != 1)
    return r;
  if (p->word.len > FWDB_ADDRESS_MAX)
    return syntax(p, first->at, "addresses over 800 bytes are not "
                  "permitted");
  return add_command(p, '&', p->word.s, p->word.len, 0);
}

/* One element of the list, tokens [i, end), between commas. */
static int
element(struct parser *p, size_t i, size_t end)
{
  size_t k, open = end, close = end;
  int r;

  if (i == end)
    return 1;
  if (is(&p->tokens[i], ':')) {
    const struct token *t = &p->tokens[i + 1];

    if (i + 2 >= end || t->type != TOKEN_WORD || t->len != 7
        || !case_equalb(value(p, t), "include", 7)
        || !is(&p->tokens[i + 2], ':'))
      return syntax(p, p->tokens[i].at, "a colon where an address was "
                    "expected");
    if (i + 3 == end)
      return syntax(p, p->tokens[i].at, ":include: without a file name");
    if ((r = join(p, i + 3, end, 0)) != 1)
      return r;
    if (p->word.s[0] != '/' && p->word.s[0] != '.')
      return syntax(p, p->tokens[i].at, ":include: needs a path starting "
                    "with / or .");
    if (p->cfg->include_ok) {
      if (memchr(p->word.s, 0, p->word.len) || !stralloc_0(&p->word))
        return SYSTEM;
      --p->word.len;
      if (!p->cfg->include_ok(p->word.s))
        return syntax(p, p->tokens[i].at, p->cfg->include_why);
    }
    return add_command(p, 0, p->word.s, p->word.len, ".bin");
  }
  for (k = i; k < end; ++k)
    if (is(&p->tokens[k], '<')) {
      open = k;
      break;
    }
  if (open < end) {
    for (k = open + 1; k < end; ++k) {
      if (is(&p->tokens[k], '<'))
        return syntax(p, p->tokens[k].at, "nested angle brackets");
      if (is(&p->tokens[k], '>')) {
        close = k;
        break;
      }
    }
    if (close == end)
      return syntax(p, p->tokens[open].at, "unterminated angle brackets");
    if (close + 1 != end)
      return syntax(p, p->tokens[close + 1].at, "text after an address "
                    "in angle brackets");
    if (close == open + 1)
      return syntax(p, p->tokens[open].at, "an empty address");
    return recipient(p, open + 1, close, 1);
  }
  while (i < end) {
    k = address_end(p, i, end);
    if (k == i)
      return syntax(p, p->tokens[i].at, "a special character where an "
                    "address was expected");
    if ((r = recipient(p, i, k, 0)) != 1)
      return r;
    i = k;
  }
  return 1;
}

/* The recipients in tokens [i, end); elements end at commas outside
 * angle brackets. */
static int
recipients(struct parser *p, size_t i, size_t end)
{
  size_t start = i;
  int angle = 0, r;

  p->commands.len = 0;
  p->nstarts = 0;
  for (; i <= end; ++i) {
    if (i < end && is(&p->tokens[i], '<'))
      angle = 1;
    else if (i < end && is(&p->tokens[i], '>'))
      angle = 0;
    if (i == end || (!angle && is(&p->tokens[i], ','))) {
      if ((r = element(p, start, i)) != 1)
        return r;
      start = i + 1;
    }
  }
  return 1;
}

static int
append_command(struct parser *p, size_t n)
{
  size_t from = p->starts[n];
  size_t to = n + 1 < p->nstarts ? p->starts[n + 1] : p->commands.len;

  return stralloc_catb(&p->data, p->commands.s + from, to - from);
}

/* The commands of the entry, last first, into data, in the order
 * fastforward 0.51 writes them so that the tables are the same byte
 * for byte: an include file's line simply reversed; in an aliases
 * entry, going from the last command to the first, programs and
 * includes at once but each address only when the next address (or
 * the end) is reached. */
static int
reversed_commands(struct parser *p)
{
  size_t n = p->nstarts, pending = 0;
  int have_pending = 0;

  p->data.len = 0;
  while (n--) {
    if (!p->in_list && p->commands.s[p->starts[n]] == '&') {
      if (have_pending && !append_command(p, pending))
        return SYSTEM;
      pending = n;
      have_pending = 1;
    } else if (!append_command(p, n)) {
      return SYSTEM;
    }
  }
  if (have_pending && !append_command(p, pending))
    return SYSTEM;
  return 1;
}

/* The key for name (lowercased in place): kind, name, '@' when name
 * has none. */
static int
make_key(struct parser *p, char kind, const char *name, size_t len)
{
  return stralloc_copyb(&p->key, &kind, 1)
    && stralloc_catb(&p->key, name, len)
    && (memchr(name, '@', len) || stralloc_append(&p->key, '@'));
}

static int
entry(struct parser *p, aliases_emit *emit, void *ctx)
{
  size_t n = p->ntokens, colon, rest;
  stralloc name = STRALLOC_ZERO;
  int r = SYSTEM;

  for (colon = 1; colon < n; ++colon)
    if (is(&p->tokens[colon], ':') || is(&p->tokens[colon], '<'))
      break;
  if (colon < n && is(&p->tokens[colon], ':')) {
    rest = colon + 1;
  } else {
    colon = address_end(p, 0, n);
    rest = colon;
  }
  if (colon == 0)
    return syntax(p, p->tokens[0].at, "an entry must start with a name");
  if ((r = join(p, 0, colon, 0)) != 1)
    return r;
  r = SYSTEM;
  if (!stralloc_copy(&name, &p->word))
    goto done;
  case_lowerb(name.s, name.len);

  if ((r = recipients(p, rest, n)) != 1)
    goto done;
  if (!p->nstarts) {
    r = syntax(p, p->tokens[0].at, "an alias without recipients");
    goto done;
  }
  r = SYSTEM;
  if (name.len > 6 && !memcmp(name.s, "owner-", 6) && name.s[6] != '@') {
    if (!make_key(p, '?', name.s + 6, name.len - 6)
        || !stralloc_copy(&p->word, &name))
      goto done;
    if ((r = qualify(p, p->tokens[0].at)) != 1)
      goto done;
    r = SYSTEM;
    if (!emit(ctx, p->key.s, p->key.len, p->word.s, p->word.len))
      goto done;
  }
  if (!make_key(p, ':', name.s, name.len) || !reversed_commands(p)
      || !emit(ctx, p->key.s, p->key.len, p->data.s, p->data.len))
    goto done;
  r = 1;
done:
  stralloc_free(&name);
  return r;
}

static void
parser_init(struct parser *p, const char *text, size_t len,
            const struct aliases_config *cfg, struct aliases_error *err)
{
  static const stralloc zero = STRALLOC_ZERO;

  p->text = text;
  p->len = len;
  p->cfg = cfg;
  p->err = err;
  p->in_list = 0;
  p->tokens = 0;
  p->ntokens = p->atokens = 0;
  p->starts = 0;
  p->nstarts = p->astarts = 0;
  p->values = p->word = p->commands = p->key = p->data = zero;
}

static void
parser_free(struct parser *p)
{
  int err = errno;

  free(p->tokens);
  free(p->starts);
  stralloc_free(&p->values);
  stralloc_free(&p->word);
  stralloc_free(&p->commands);
  stralloc_free(&p->key);
  stralloc_free(&p->data);
  errno = err;
}

static size_t
next_line(const char *text, size_t len, size_t pos)
{
  const char *nl = memchr(text + pos, '\n', len - pos);

  return nl ? (size_t)(nl - text) + 1 : len;
}

int
aliases_parse(const char *text, size_t len,
              const struct aliases_config *cfg, aliases_emit *emit,
              void *ctx, struct aliases_error *err)
{
  struct parser p;
  size_t pos = 0;
  int r = 1;

  parser_init(&p, text, len, cfg, err);
  while (pos < len) {
    size_t start = pos;

    pos = next_line(text, len, pos);
    while (pos < len && (text[pos] == ' ' || text[pos] == '\t'
                         || text[pos] == '\n'))
      pos = next_line(text, len, pos);
    if (text[start] == '#') {
      const char *nul = memchr(text + start, 0, pos - start);

      if (nul) {
        r = syntax(&p, (size_t)(nul - text), "NUL bytes are not permitted");
        break;
      }
      continue;
    }
    if ((r = tokenize(&p, start, pos)) != 1)
      break;
    if (p.ntokens && (r = entry(&p, emit, ctx)) != 1)
      break;
  }
  if (r == SYSTEM && !errno)
    errno = ENOMEM;
  parser_free(&p);
  return r;
}

int
aliases_parse_list(const char *text, size_t len,
                   const struct aliases_config *cfg, stralloc *out,
                   struct aliases_error *err)
{
  struct parser p;
  size_t pos = 0;
  int r = 1;

  parser_init(&p, text, len, cfg, err);
  p.in_list = 1;
  while (pos < len) {
    size_t start = pos;

    pos = next_line(text, len, pos);
    if (text[start] == '#') {
      if (memchr(text + start, 0, pos - start)) {
        r = syntax(&p, start, "NUL bytes are not permitted");
        break;
      }
      continue;
    }
    if ((r = tokenize(&p, start, pos)) != 1)
      break;
    if ((r = recipients(&p, 0, p.ntokens)) != 1)
      break;
    r = SYSTEM;
    if (!reversed_commands(&p) || !stralloc_cat(out, &p.data))
      break;
    r = 1;
  }
  if (r == SYSTEM && !errno)
    errno = ENOMEM;
  parser_free(&p);
  return r;
}

unsigned long
aliases_line(const char *text, size_t offset)
{
  unsigned long line = 1;
  size_t i;

  for (i = 0; i < offset; ++i)
    if (text[i] == '\n')
      ++line;
  return line;
}
