/* forwardcdb.c -- an incoming address in a fastforward table; see
 * forwardcdb.h. */
#include "caseless.h"
#include "forwardcdb.h"

int
forwardcdb_find(struct constdb *db, const char *address, size_t len,
                stralloc *key, stralloc *data)
{
  stralloc whole = STRALLOC_ZERO;
  size_t at, i;
  int r = -1;

  if (!stralloc_copys(&whole, ":") || !stralloc_catb(&whole, address, len))
    goto done;
  case_lowerb(whole.s, whole.len);
  at = whole.len;
  for (i = 1; i < whole.len; ++i)
    if (whole.s[i] == '@')
      at = i;
  /* ":user@host", then ":@host", then ":user@" */
  if (!stralloc_copy(key, &whole))
    goto done;
  r = constdb_find(db, key->s, key->len, data);
  if (r != 0 || at == whole.len)
    goto done;
  r = -1;
  if (!stralloc_copys(key, ":")
      || !stralloc_catb(key, whole.s + at, whole.len - at))
    goto done;
  r = constdb_find(db, key->s, key->len, data);
  if (r != 0)
    goto done;
  r = -1;
  if (!stralloc_copyb(key, whole.s, at + 1))
    goto done;
  r = constdb_find(db, key->s, key->len, data);
done:
  stralloc_free(&whole);
  return r;
}
