/* address.c -- envelope addresses; see address.h. */
#include <errno.h>

#include "caseless.h"
#include "address.h"
#include "stralloc.h"

static int is_blank(char c);
static int is_control(char c);
static int is_atext(char c);
static int is_dot_atom(const char *s, size_t len);
static int skip_route_domain(const char *s, size_t len, size_t *pos);
static int skip_route(const char *s, size_t len, size_t *pos);
static int append_byte(stralloc *addr, char c);
static int parse_mailbox(const char *s, size_t len, size_t *pos,
                         int bracketed, stralloc *addr);

static int
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

static int
is_control(char c)
{
  unsigned char u = (unsigned char)c;

  return u < 32 || u == 127;
}

/* RFC 5322 atext, with bytes above 127 added as RFC 6531 does. */
static int
is_atext(char c)
{
  unsigned char u = (unsigned char)c;

  if (u >= 128)
    return 1;
  if ((u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')
      || (u >= '0' && u <= '9'))
    return 1;
  switch (u) {
  case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
  case '+': case '-': case '/': case '=': case '?': case '^': case '_':
  case '`': case '{': case '|': case '}': case '~':
    return 1;
  }
  return 0;
}

static int
is_dot_atom(const char *s, size_t len)
{
  size_t i;

  if (!len || s[0] == '.' || s[len - 1] == '.')
    return 0;
  for (i = 0; i < len; ++i) {
    if (s[i] == '.') {
      if (s[i + 1] == '.')
        return 0;
    } else if (!is_atext(s[i]))
      return 0;
  }
  return 1;
}

/* The domain of one route element: a name or an address literal. */
static int
skip_route_domain(const char *s, size_t len, size_t *pos)
{
  size_t i = *pos, start = *pos;

  if (i < len && s[i] == '[') {
    for (++i; i < len && s[i] != ']'; ++i)
      if (is_control(s[i]) || s[i] == ' ' || s[i] == '[' || s[i] == '\\')
        return 0;
    if (i == len || i == start + 1)
      return 0;
    *pos = i + 1;
    return 1;
  }
  for (; i < len; ++i) {
    char c = s[i];

    if (is_control(c) || c == ' ')
      return 0;
    if (c == ',' || c == ':')
      break;
    switch (c) {
    case '<': case '>': case '@': case '"': case '\\': case '(': case ')':
    case '[': case ']': case ';':
      return 0;
    }
  }
  if (i == start)
    return 0;
  *pos = i;
  return 1;
}

/* At '@': consume a source route "@a,@b:" including its colon. */
static int
skip_route(const char *s, size_t len, size_t *pos)
{
  size_t i = *pos;

  for (;;) {
    if (i == len || s[i] != '@')
      return 0;
    ++i;
    if (!skip_route_domain(s, len, &i) || i == len)
      return 0;
    if (s[i] == ':') {
      *pos = i + 1;
      return 1;
    }
    if (s[i] != ',')
      return 0;
    ++i;
  }
}

static int
append_byte(stralloc *addr, char c)
{
  if (addr->len >= ADDRESS_MAX) {
    errno = EMSGSIZE;
    return 0;
  }
  return stralloc_append(addr, c);
}

/* Read the mailbox into addr, resolving quotes and quoted pairs, up to
 * and including '>' when bracketed, else up to a blank or the end. */
static int
parse_mailbox(const char *s, size_t len, size_t *pos, int bracketed,
              stralloc *addr)
{
  size_t i = *pos;
  size_t quote_start = 0, quote_end = 0, at;
  int quoted = 0;

  for (;;) {
    char c;

    if (i == len) {
      if (bracketed)
        goto invalid;
      break;
    }
    c = s[i];
    if (c == '>') {
      if (!bracketed)
        goto invalid;
      ++i;
      break;
    }
    if (is_blank(c)) {
      if (bracketed)
        goto invalid;
      break;
    }
    if (c == '<' || is_control(c))
      goto invalid;

    if (c == '"') {
      quoted = 1;
      quote_start = addr->len;
      for (++i;;) {
        if (i == len)
          goto invalid;
        c = s[i++];
        if (c == '"')
          break;
        if (c == '\\') {
          if (i == len)
            goto invalid;
          c = s[i++];
        }
        if (is_control(c))
          goto invalid;
        if (!append_byte(addr, c))
          return 0;
      }
      quote_end = addr->len;
    } else if (c == '\\') {
      if (i + 1 == len || is_control(s[i + 1]))
        goto invalid;
      quoted = 1;
      quote_start = addr->len;
      if (!append_byte(addr, s[i + 1]))
        return 0;
      quote_end = addr->len;
      i += 2;
    } else {
      if (!append_byte(addr, c))
        return 0;
      ++i;
    }
  }

  if (!addr->len)
    goto invalid;
  if (address_split(addr->s, addr->len, &at) && at + 1 == addr->len)
    goto invalid;
  /* quoting must end within the local part; the last '@' may be quoted */
  if (quoted && (quote_start > at || quote_end > at + 1))
    goto invalid;
  *pos = i;
  return 1;

invalid:
  errno = EINVAL;
  return 0;
}

int
address_parse_path(const char *s, size_t len, stralloc *addr,
                   size_t *consumed)
{
  size_t i = 0;
  int bracketed;

  addr->len = 0;
  while (i < len && is_blank(s[i]))
    ++i;
  if (i == len)
    goto invalid;
  bracketed = s[i] == '<';
  if (bracketed)
    ++i;
  if (bracketed && i < len && s[i] == '>') {
    ++i;
  } else {
    if (i < len && s[i] == '@') {
      if (!skip_route(s, len, &i))
        goto invalid;
      if (i < len && s[i] == '@')
        goto invalid;
    }
    if (!parse_mailbox(s, len, &i, bracketed, addr)) {
      addr->len = 0;
      return 0;
    }
  }

  if (consumed) {
    if (i < len && !is_blank(s[i]))
      goto invalid;
    *consumed = i;
  } else {
    while (i < len && is_blank(s[i]))
      ++i;
    if (i != len)
      goto invalid;
  }
  return 1;

invalid:
  addr->len = 0;
  errno = EINVAL;
  return 0;
}

int
address_quote(stralloc *out, const char *addr, size_t len)
{
  size_t at, i;

  for (i = 0; i < len; ++i)
    if (is_control(addr[i])) {
      errno = EINVAL;
      return 0;
    }
  if (!len)
    return 1;
  address_split(addr, len, &at);

  if (is_dot_atom(addr, at))
    return stralloc_catb(out, addr, len);

  /* worst case: every byte of the local part escaped, plus two quotes */
  if (len > ((size_t)-1 - 2) / 2) {
    errno = EOVERFLOW;
    return 0;
  }
  if (!stralloc_readyplus(out, len + at + 2))
    return 0;
  out->s[out->len++] = '"';
  for (i = 0; i < at; ++i) {
    if (addr[i] == '"' || addr[i] == '\\')
      out->s[out->len++] = '\\';
    out->s[out->len++] = addr[i];
  }
  out->s[out->len++] = '"';
  for (i = at; i < len; ++i)
    out->s[out->len++] = addr[i];
  return 1;
}

int
address_split(const char *addr, size_t len, size_t *at)
{
  size_t i = len;

  while (i > 0)
    if (addr[--i] == '@') {
      *at = i;
      return 1;
    }
  *at = len;
  return 0;
}

void
address_domain_lower(stralloc *sa)
{
  size_t at;

  if (!address_split(sa->s, sa->len, &at))
    return;
  case_lowerb(sa->s + at + 1, sa->len - at - 1);
}
