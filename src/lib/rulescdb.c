/* rulescdb.c -- the tcprules language and database; see rulescdb.h.
 *
 * The parser is stricter than ucspi-tcp's tcprules where that one
 * accepts a line whose rule can never match (a CIDR suffix, leading
 * zeros, "1.2.3" without its final dot, a reversed range, a line
 * without ":allow"): a silently dead rule in an access list is a
 * security problem, so such a line is refused with the reason.  Every
 * line both accept gives the same records.
 */
#include <errno.h>
#include <string.h>

#include "iptext.h"
#include "rulescdb.h"

static int refuse(struct rulescdb_rule *rule, const char *why);
static size_t find_instructions(const char *line, size_t len);
static int parse_address(struct rulescdb_rule *rule, const char *s, size_t n);
static int parse_host(struct rulescdb_rule *rule, const char *s, size_t n);
static int parse_ip4(struct rulescdb_rule *rule, const char *s, size_t n);
static int parse_ip6(struct rulescdb_rule *rule, const char *s, size_t n);
static int parse_variables(struct rulescdb_rule *rule, const char *s,
                           size_t n);

static int
refuse(struct rulescdb_rule *rule, const char *why)
{
  rule->error = why;
  errno = EINVAL;
  return -1;
}

static int
is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

static int
is_digit(char c)
{
  return c >= '0' && c <= '9';
}

static char
lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Where the instructions begin: the first ':' followed by "allow" or
 * "deny" and then ',' or the end.  IPv6 addresses contain colons, but
 * never the letters of "allow" or "deny" after one.  len if none. */
static size_t
find_instructions(const char *line, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i) {
    size_t rest = len - i - 1, word;

    if (line[i] != ':')
      continue;
    if (rest >= 5 && memcmp(line + i + 1, "allow", 5) == 0)
      word = 5;
    else if (rest >= 4 && memcmp(line + i + 1, "deny", 4) == 0)
      word = 4;
    else
      continue;
    if (rest == word || line[i + 1 + word] == ',')
      return i;
  }
  return len;
}

int
rulescdb_parse(struct rulescdb_rule *rule, const char *line, size_t len)
{
  size_t i, colon;

  rule->error = 0;
  rule->prefix.len = rule->suffix.len = rule->data.len = 0;
  rule->low = rule->high = 0;
  rule->ranged = 0;
  /* the stralloc functions need an allocated string, even an empty one */
  if (!stralloc_copys(&rule->prefix, "") || !stralloc_copys(&rule->suffix, "")
      || !stralloc_copys(&rule->data, ""))
    return -1;

  if (memchr(line, 0, len))
    return refuse(rule, "the line contains a NUL byte");
  while (len && is_blank(line[len - 1]))
    --len;
  for (i = 0; i < len && is_blank(line[i]); ++i)
    ;
  if (i == len || line[i] == '#')
    return 0;
  if (i > 0)
    return refuse(rule, "a rule must start at the beginning of the line "
                  "(a comment starts with '#')");

  colon = find_instructions(line, len);
  if (colon == len)
    return refuse(rule, memchr(line, ':', len)
                  ? "the instructions must start with allow or deny, "
                    "as in ADDRESS:allow,NAME=\"value\""
                  : "no ':allow' or ':deny' after the address");
  if (parse_address(rule, line, colon) == -1)
    return -1;
  i = colon + 1;
  if (line[i] == 'd') {
    if (!stralloc_copyb(&rule->data, "D", 2))
      return -1;
    i += 4;
  } else {
    i += 5;
  }
  return parse_variables(rule, line + i, len - i);
}

/* ",NAME=QvalueQ" repeated, Q being any character that does not occur
 * in the value (ucspi-tcp's quoting); appended to rule->data. */
static int
parse_variables(struct rulescdb_rule *rule, const char *s, size_t n)
{
  size_t pos = 0;

  while (pos < n) {
    size_t name, namelen;
    const char *close;
    char quote;

    if (s[pos] != ',')
      return refuse(rule, "after a value's closing quote comes ',' and the "
                    "next variable, or the end of the line");
    name = ++pos;
    while (pos < n && (is_digit(s[pos]) || s[pos] == '_'
                       || (lower(s[pos]) >= 'a' && lower(s[pos]) <= 'z')))
      ++pos;
    namelen = pos - name;
    if (namelen == 0)
      return refuse(rule, pos == n ? "',' at the end of the line"
                    : "a variable name is letters, digits and '_'");
    if (pos == n || s[pos] != '=')
      return refuse(rule, "a variable needs a value, as in NAME=\"value\"");
    if (++pos == n)
      return refuse(rule, "a variable needs a value in quotes, as in "
                    "NAME=\"value\" or NAME=\"\"");
    quote = s[pos++];
    close = memchr(s + pos, quote, n - pos);
    if (!close)
      return refuse(rule, "a value has no closing quote (the character "
                    "after '=' quotes the value: NAME=\"value\" or "
                    "NAME=/value/)");
    if (!stralloc_append(&rule->data, '+')
        || !stralloc_catb(&rule->data, s + name, namelen)
        || !stralloc_append(&rule->data, '=')
        || !stralloc_catb(&rule->data, s + pos, (size_t)(close - (s + pos)))
        || !stralloc_0(&rule->data))
      return -1;
    pos = (size_t)(close - s) + 1;
  }
  return 1;
}

static int
parse_address(struct rulescdb_rule *rule, const char *s, size_t n)
{
  const char *at = memchr(s, '@', n);
  size_t i;

  for (i = 0; i < n; ++i)
    if ((unsigned char)s[i] <= ' ' || s[i] == 127)
      return refuse(rule, "the address contains a space or a control "
                    "character");
  if (at) {
    size_t infolen = (size_t)(at - s);

    if (infolen == 0)
      return refuse(rule, "nothing before '@' (the form is INFO@ADDRESS)");
    if (infolen + 1 == n)
      return refuse(rule, "nothing after '@' (the form is INFO@ADDRESS)");
    if (!stralloc_copyb(&rule->prefix, s, infolen + 1))
      return -1;
    s += infolen + 1;
    n -= infolen + 1;
  }
  if (n == 0)
    return 1;                 /* the default rule */
  if (s[0] == '=')
    return parse_host(rule, s, n);
  if (memchr(s, '/', n))
    return refuse(rule, "prefix lengths (/24) are not part of the rules "
                  "language: write a prefix ending in '.' (1.2.3.) or a "
                  "range (1.2.3.0-127)");
  if (memchr(s, ':', n))
    return parse_ip6(rule, s, n);
  return parse_ip4(rule, s, n);
}

/* "=", "=host.name" or "=.domain", kept in lower case. */
static int
parse_host(struct rulescdb_rule *rule, const char *s, size_t n)
{
  size_t i;

  for (i = 1; i < n; ++i) {
    char c = lower(s[i]);

    if (!(is_digit(c) || (c >= 'a' && c <= 'z') || c == '-' || c == '.'
          || c == '_'))
      return refuse(rule, "a host name is letters, digits, '-', '_' and "
                    "dots");
  }
  if (n > 1 && s[n - 1] == '.')
    return refuse(rule, "a host name does not end with '.'");
  for (i = 0; i < n; ++i)
    if (!stralloc_append(&rule->prefix, lower(s[i])))
      return -1;
  return 1;
}

/* One number 0..255 of a dotted address at s[*pos]; 1 or refusal. */
static int
scan_octet(struct rulescdb_rule *rule, const char *s, size_t n, size_t *pos,
           unsigned int *value)
{
  size_t start = *pos;

  *value = 0;
  while (*pos < n && is_digit(s[*pos]) && *pos - start < 4)
    *value = *value * 10 + (unsigned int)(s[(*pos)++] - '0');
  if (*pos == start)
    return refuse(rule, "an IPv4 address is numbers 0 to 255 separated "
                  "by dots (1.2.3.4, or 1.2.3. for a prefix)");
  if (*pos - start > 3 || *value > 255)
    return refuse(rule, "a number in the address is over 255");
  if (*pos - start > 1 && s[start] == '0')
    return refuse(rule, "a number in the address has a leading zero "
                  "(tcpserver writes 1.2.3.4, never 01.2.3.4)");
  return 1;
}

/* "1.2.3.4" or a prefix "1.2.3." / "1.2." / "1.", with at most one
 * range "a-b" in place of a number. */
static int
parse_ip4(struct rulescdb_rule *rule, const char *s, size_t n)
{
  size_t pos = 0, parts = 0;
  int isprefix = s[n - 1] == '.';

  for (;;) {
    size_t start = pos;
    unsigned int low, high;

    if (scan_octet(rule, s, n, &pos, &low) == -1)
      return -1;
    high = low;
    if (pos < n && s[pos] == '-') {
      if (rule->ranged)
        return refuse(rule, "only one range per address");
      ++pos;
      if (scan_octet(rule, s, n, &pos, &high) == -1)
        return -1;
      if (high < low)
        return refuse(rule, "a range runs from low to high, as in "
                      "1.2.3.10-20");
      rule->ranged = 1;
      rule->low = low;
      rule->high = high;
    } else if (!stralloc_catb(rule->ranged ? &rule->suffix : &rule->prefix,
                              s + start, pos - start)) {
      return -1;
    }
    ++parts;
    if (pos == n)
      break;
    if (s[pos] != '.')
      return refuse(rule, "an IPv4 address is numbers 0 to 255 separated "
                    "by dots (1.2.3.4, or 1.2.3. for a prefix)");
    if (!stralloc_append(rule->ranged ? &rule->suffix : &rule->prefix, '.'))
      return -1;
    if (++pos == n)
      break;
  }
  if (isprefix && parts > 3)
    return refuse(rule, "a prefix has at most three numbers (1.2.3.)");
  if (!isprefix && parts != 4)
    return refuse(rule, "an IPv4 address has four numbers; write 1.2.3. "
                  "(with the final dot) for all addresses that begin with "
                  "1.2.3");
  return 1;
}

/* An IPv6 address, stored in the text form tcpserver gives it (see
 * iptext.h), or a prefix of that form ending in ':'. */
static int
parse_ip6(struct rulescdb_rule *rule, const char *s, size_t n)
{
  unsigned char ip[16];
  char canonical[IPTEXT_FMT];
  size_t i, len, group = 0, groups = 0;
  int pairs = 0;

  if (memchr(s, '%', n))
    return refuse(rule, "IPv6 rules have no zone (%interface)");
  if (memchr(s, '-', n))
    return refuse(rule, "IPv6 addresses have no ranges: write a prefix "
                  "ending in ':' (2001:db8:)");
  if (memchr(s, '.', n))
    return refuse(rule, "IPv4-mapped IPv6 addresses are matched as IPv4: "
                  "write 1.2.3.4");
  if (s[n - 1] != ':') {
    if (!iptext_scan6(s, n, ip))
      return refuse(rule, "not an IPv6 address");
    len = iptext_fmt6(canonical, ip);
    return stralloc_catb(&rule->prefix, canonical, len) ? 1 : -1;
  }
  /* a prefix: groups of 1-4 lowercase hex digits without leading
   * zeros, as in the text form, at most one "::" */
  for (i = 0; i < n; ++i) {
    char c = lower(s[i]);

    if (c == ':') {
      if (i > 0 && s[i - 1] == ':' && ++pairs > 1)
        return refuse(rule, "an IPv6 address has at most one '::'");
      group = 0;
      continue;
    }
    if (!(is_digit(c) || (c >= 'a' && c <= 'f')))
      return refuse(rule, "not an IPv6 address or prefix");
    if (group == 0)
      ++groups;
    if (++group > 4)
      return refuse(rule, "a group of an IPv6 address has at most four "
                    "hex digits");
    if (group == 2 && s[i - 1] == '0')
      return refuse(rule, "an IPv6 group has a leading zero (tcpserver "
                    "writes 2001:db8:, never 2001:0db8:)");
  }
  if (groups > 7)
    return refuse(rule, "a prefix has at most seven groups; without the "
                  "final ':' it is a complete address");
  if (n == 1 || (s[0] == ':' && s[1] != ':'))
    return refuse(rule, "not an IPv6 address or prefix");
  for (i = 0; i < n; ++i)
    if (!stralloc_append(&rule->prefix, lower(s[i])))
      return -1;
  return 1;
}

unsigned int
rulescdb_keys(const struct rulescdb_rule *rule)
{
  return rule->ranged ? rule->high - rule->low + 1 : 1;
}

int
rulescdb_key(const struct rulescdb_rule *rule, unsigned int i, stralloc *key)
{
  if (!stralloc_copyb(key, rule->prefix.s ? rule->prefix.s : "",
                      rule->prefix.len))
    return 0;
  if (!rule->ranged)
    return 1;
  return stralloc_catulong(key, rule->low + i)
    && stralloc_catb(key, rule->suffix.s ? rule->suffix.s : "",
                     rule->suffix.len);
}

void
rulescdb_free(struct rulescdb_rule *rule)
{
  stralloc_free(&rule->prefix);
  stralloc_free(&rule->suffix);
  stralloc_free(&rule->data);
}

/* Look up one candidate key; on a hit copy it to key. */
static int
try_key(struct constdb *db, const stralloc *k, stralloc *key, stralloc *data)
{
  int r = constdb_find(db, k->s, k->len, data);

  if (r == 1 && !stralloc_copy(key, k))
    return -1;
  return r;
}

int
rulescdb_lookup(struct constdb *db, const char *ip, const char *host,
                const char *info, stralloc *key, stralloc *data)
{
  stralloc k = STRALLOC_ZERO, lhost = STRALLOC_ZERO;
  size_t iplen = strlen(ip), i;
  int r;

  if (host) {
    for (i = 0; host[i]; ++i)
      if (!stralloc_append(&lhost, lower(host[i])))
        goto nomem;
    if (!stralloc_0(&lhost))
      goto nomem;
    host = lhost.s;
  }
#define TRY() do { \
    r = try_key(db, &k, key, data); \
    if (r != 0) goto done; \
  } while (0)

  if (info) {
    if (!stralloc_copys(&k, info) || !stralloc_append(&k, '@')
        || !stralloc_cats(&k, ip))
      goto nomem;
    TRY();
    if (host) {
      if (!stralloc_copys(&k, info) || !stralloc_cats(&k, "@=")
          || !stralloc_cats(&k, host))
        goto nomem;
      TRY();
    }
  }
  if (!stralloc_copys(&k, ip))
    goto nomem;
  TRY();
  if (host) {
    if (!stralloc_copys(&k, "=") || !stralloc_cats(&k, host))
      goto nomem;
    TRY();
  }
  for (i = iplen; i > 1; --i)
    if (ip[i - 2] == '.' || ip[i - 2] == ':') {
      if (!stralloc_copyb(&k, ip, i - 1))
        goto nomem;
      TRY();
    }
  if (host) {
    for (i = 0; host[i]; ++i)
      if (host[i] == '.') {
        if (!stralloc_copys(&k, "=") || !stralloc_cats(&k, host + i))
          goto nomem;
        TRY();
      }
    if (!stralloc_copys(&k, "="))
      goto nomem;
    TRY();
  }
  if (!stralloc_copys(&k, ""))
    goto nomem;
  TRY();
#undef TRY
  r = 0;

done:
  stralloc_free(&k);
  stralloc_free(&lhost);
  return r;

nomem:
  stralloc_free(&k);
  stralloc_free(&lhost);
  errno = ENOMEM;
  return -1;
}

int
rulescdb_decode(const char *data, size_t len, int *deny, stralloc *env)
{
  size_t pos = 0;

  *deny = 0;
  while (pos < len) {
    const char *item = data + pos;
    const char *end = memchr(item, 0, len - pos);
    size_t n;

    if (!end)
      goto corrupt;
    n = (size_t)(end - item);
    if (n == 1 && item[0] == 'D') {
      *deny = 1;
    } else if (n >= 3 && item[0] == '+' && item[1] != '='
               && memchr(item + 1, '=', n - 1)) {
      if (!stralloc_catb(env, item + 1, n))
        return 0;
    } else {
      goto corrupt;
    }
    pos += n + 1;
  }
  return 1;

corrupt:
  errno = EPROTO;
  return 0;
}
