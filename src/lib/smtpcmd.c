/* smtpcmd.c -- SMTP command lines; see smtpcmd.h. */
#include <errno.h>
#include <string.h>

#include "address.h"
#include "caseless.h"
#include "scan.h"
#include "smtpcmd.h"

static const struct {
  const char *name;
  enum smtp_verb verb;
} verbs[] = {
  { "HELO", SMTP_HELO }, { "EHLO", SMTP_EHLO }, { "MAIL", SMTP_MAIL },
  { "RCPT", SMTP_RCPT }, { "DATA", SMTP_DATA }, { "RSET", SMTP_RSET },
  { "NOOP", SMTP_NOOP }, { "QUIT", SMTP_QUIT }, { "HELP", SMTP_HELP },
  { "VRFY", SMTP_VRFY }, { "EXPN", SMTP_EXPN },
  { "STARTTLS", SMTP_STARTTLS }, { "AUTH", SMTP_AUTH },
  { "BDAT", SMTP_BDAT },
};

static int
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

enum smtp_verb
smtpcmd_verb(const char *line, size_t len, size_t *arg)
{
  size_t end = 0, i;

  while (end < len && !is_blank(line[end]) && line[end] != ':')
    ++end;
  *arg = end;
  while (*arg < len && is_blank(line[*arg]))
    ++*arg;
  for (i = 0; i < sizeof verbs / sizeof verbs[0]; ++i) {
    size_t n = strlen(verbs[i].name);

    if (n == end && case_equalb(line, verbs[i].name, n))
      return verbs[i].verb;
  }
  return SMTP_UNKNOWN;
}

/* Store the parameter's name for the reply, cut and made printable. */
static void
name_bad(struct smtpcmd_params *p, const char *s, size_t len)
{
  size_t i;

  if (len > sizeof p->bad - 1)
    len = sizeof p->bad - 1;
  for (i = 0; i < len; ++i)
    p->bad[i] = (s[i] > 32 && s[i] < 127) ? s[i] : '?';
  p->bad[len] = 0;
}

static int
hex_upper(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* RFC 3461 xtext: printable ASCII but '=' and '+', and "+XX" hex. */
static int
xtext_ok(const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i) {
    unsigned char c = (unsigned char)s[i];

    if (c == '+') {
      if (len - i < 3 || !hex_upper(s[i + 1]) || !hex_upper(s[i + 2]))
        return 0;
      i += 2;
    } else if (c < 33 || c > 126 || c == '=')
      return 0;
  }
  return 1;
}

/* RFC 5321 esmtp-keyword: a letter or digit, then letters, digits and
 * hyphens. */
static int
keyword_ok(const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i) {
    char c = s[i];

    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9') || (c == '-' && i > 0)))
      return 0;
  }
  return len > 0;
}

static int
param_is(const char *s, size_t len, const char *name)
{
  size_t n = strlen(name);

  return len == n && case_equalb(s, name, n);
}

static int
one_param(const char *s, size_t len, struct smtpcmd_params *p)
{
  size_t eq = 0, vlen;
  const char *value;

  while (eq < len && s[eq] != '=')
    ++eq;
  value = s + eq + 1;
  vlen = eq < len ? len - eq - 1 : 0;
  name_bad(p, s, eq);
  if (param_is(s, eq, "SIZE")) {
    size_t i;

    if (eq == len || vlen == 0)
      goto bad;
    for (i = 0; i < vlen; ++i)
      if (value[i] < '0' || value[i] > '9')
        goto bad;
    /* digits only: a shortfall is a number too large, however long */
    if (scan_ulongn(value, vlen, &p->size) != vlen) {
      errno = ERANGE;
      return 0;
    }
    p->has_size = 1;
  } else if (param_is(s, eq, "BODY")) {
    if (param_is(value, vlen, "7BIT") && eq < len)
      p->body = SMTPCMD_BODY_7BIT;
    else if (param_is(value, vlen, "8BITMIME") && eq < len)
      p->body = SMTPCMD_BODY_8BITMIME;
    else
      goto bad;
  } else if (param_is(s, eq, "AUTH")) {
    if (eq == len || vlen == 0 || !xtext_ok(value, vlen))
      goto bad;
    p->has_auth = 1;
  } else if (param_is(s, eq, "SMTPUTF8")) {
    if (eq < len)
      goto bad;
    p->smtputf8 = 1;
  } else {
    size_t i;

    if (!keyword_ok(s, eq))
      goto bad;
    for (i = eq; i < len; ++i)
      if ((unsigned char)s[i] < 33 || (unsigned char)s[i] > 126)
        goto bad;
    errno = ENOTSUP;
    return 0;
  }
  p->bad[0] = 0;
  return 1;
bad:
  errno = EINVAL;
  return 0;
}

int
smtpcmd_path(const char *line, size_t len, size_t arg, const char *keyword,
             stralloc *addr, struct smtpcmd_params *params)
{
  size_t klen = strlen(keyword), pos, consumed;

  memset(params, 0, sizeof *params);
  if (arg > len || len - arg < klen
      || !case_equalb(line + arg, keyword, klen)) {
    errno = EINVAL;
    return 0;
  }
  pos = arg + klen;
  if (!address_parse_path(line + pos, len - pos, addr, &consumed))
    return 0;
  pos += consumed;
  for (;;) {
    size_t start;

    while (pos < len && is_blank(line[pos]))
      ++pos;
    if (pos == len)
      return 1;
    start = pos;
    while (pos < len && !is_blank(line[pos]))
      ++pos;
    if (!one_param(line + start, pos - start, params)) {
      addr->len = 0;
      return 0;
    }
  }
}
