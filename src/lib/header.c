/* header.c -- recognising header fields; see header.h. */
#include <string.h>

#include "caseless.h"
#include "header.h"

static int
is_name_byte(char c)
{
  unsigned char u = (unsigned char)c;

  return u >= 33 && u <= 126 && u != ':';
}

static int
same_ascii_nocase(const char *a, const char *b, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i)
    if (case_lower(a[i]) != case_lower(b[i]))
      return 0;
  return 1;
}

size_t
header_field_name(const char *s, size_t len, size_t *namelen)
{
  size_t i = 0, name;

  while (i < len && is_name_byte(s[i]))
    ++i;
  if (i == 0)
    return 0;
  name = i;
  while (i < len && (s[i] == ' ' || s[i] == '\t'))
    ++i;
  if (i == len || s[i] != ':')
    return 0;
  if (namelen)
    *namelen = name;
  return i + 1;
}

int
header_is(const char *s, size_t len, const char *name)
{
  size_t namelen;

  if (!header_field_name(s, len, &namelen))
    return 0;
  return namelen == strlen(name) && same_ascii_nocase(s, name, namelen);
}

int
header_name_starts(const char *s, size_t len, const char *prefix)
{
  size_t namelen, plen = strlen(prefix);

  if (!header_field_name(s, len, &namelen))
    return 0;
  return namelen > plen && same_ascii_nocase(s, prefix, plen);
}
