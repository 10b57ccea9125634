/* env.c -- the environment and the environment builder; see env.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "env.h"

extern char **environ;

/* 1 when name is usable as a variable name: not empty, no '='. */
static int
name_ok(const char *name)
{
  return *name && !strchr(name, '=');
}

/* If entry is "name=...", the value after '='; otherwise null. */
static const char *
entry_value(const char *entry, const char *name, size_t namelen)
{
  if (strncmp(entry, name, namelen) == 0 && entry[namelen] == '=')
    return entry + namelen + 1;
  return 0;
}

const char *
env_get(const char *name)
{
  size_t namelen = strlen(name);
  char **e;

  if (!name_ok(name) || !environ)
    return 0;
  for (e = environ; *e; ++e) {
    const char *value = entry_value(*e, name, namelen);

    if (value)
      return value;
  }
  return 0;
}

/* Locate name in entries: its offset, with the entry's length including
 * the NUL in *entrylen.  Returns 0 when absent, 1 when found. */
static int
entries_find(const stralloc *entries, const char *name, size_t namelen,
             size_t *offset, size_t *entrylen)
{
  size_t pos = 0;

  while (pos < entries->len) {
    const char *entry = entries->s + pos;
    size_t len = strlen(entry) + 1;

    if (entry_value(entry, name, namelen)) {
      *offset = pos;
      *entrylen = len;
      return 1;
    }
    pos += len;
  }
  return 0;
}

/* Replace the oldlen bytes at offset with the newlen bytes of data,
 * moving the tail; the contents stay intact when growing fails. */
static int
entries_splice(stralloc *entries, size_t offset, size_t oldlen,
               const char *data, size_t newlen)
{
  char *tail;
  size_t taillen = entries->len - offset - oldlen;

  if (newlen > oldlen && !stralloc_readyplus(entries, newlen - oldlen))
    return 0;
  tail = entries->s + offset + oldlen;
  if (taillen)
    memmove(entries->s + offset + newlen, tail, taillen);
  if (newlen)
    memcpy(entries->s + offset, data, newlen);
  entries->len = entries->len - oldlen + newlen;
  return 1;
}

/* Set name (namelen bytes) to value.  The entry is assembled apart
 * first because value may point into eb->entries itself. */
static int
envbuild_assign(envbuild *eb, const char *name, size_t namelen,
                const char *value)
{
  stralloc entry = STRALLOC_ZERO;
  size_t offset, oldlen;
  int found, ok;

  if (!stralloc_copyb(&entry, name, namelen) ||
      !stralloc_append(&entry, '=') ||
      !stralloc_cats(&entry, value) ||
      !stralloc_0(&entry)) {
    stralloc_free(&entry);
    return 0;
  }
  found = entries_find(&eb->entries, name, namelen, &offset, &oldlen);
  if (!found) {
    offset = eb->entries.len;
    oldlen = 0;
  }
  ok = entries_splice(&eb->entries, offset, oldlen, entry.s, entry.len);
  if (ok && !found)
    ++eb->count;
  stralloc_free(&entry);
  return ok;
}

int
env_copy(envbuild *eb, char *const *envp)
{
  stralloc fresh = STRALLOC_ZERO;
  size_t count = 0;
  char *const *e;

  for (e = envp; e && *e; ++e) {
    const char *equals = strchr(*e, '=');
    size_t offset, len;

    if (!equals || equals == *e)
      continue;
    if (entries_find(&fresh, *e, (size_t)(equals - *e), &offset, &len))
      continue;
    if (!stralloc_catb(&fresh, *e, strlen(*e) + 1)) {
      stralloc_free(&fresh);
      return 0;
    }
    ++count;
  }
  stralloc_free(&eb->entries);
  eb->entries = fresh;
  eb->count = count;
  return 1;
}

int
env_init(envbuild *eb)
{
  return env_copy(eb, environ);
}

void
env_clear(envbuild *eb)
{
  eb->entries.len = 0;
  eb->count = 0;
}

int
env_put(envbuild *eb, const char *assignment)
{
  const char *equals = strchr(assignment, '=');

  if (!equals || equals == assignment) {
    errno = EINVAL;
    return 0;
  }
  return envbuild_assign(eb, assignment, (size_t)(equals - assignment),
                         equals + 1);
}

int
env_set(envbuild *eb, const char *name, const char *value)
{
  if (!name_ok(name)) {
    errno = EINVAL;
    return 0;
  }
  return envbuild_assign(eb, name, strlen(name), value);
}

int
env_unset(envbuild *eb, const char *name)
{
  size_t offset, len;

  if (!name_ok(name)) {
    errno = EINVAL;
    return 0;
  }
  if (entries_find(&eb->entries, name, strlen(name), &offset, &len)) {
    entries_splice(&eb->entries, offset, len, 0, 0);
    --eb->count;
  }
  return 1;
}

const char *
env_find(const envbuild *eb, const char *name)
{
  size_t namelen = strlen(name);
  size_t offset, len;

  if (!name_ok(name))
    return 0;
  if (!entries_find(&eb->entries, name, namelen, &offset, &len))
    return 0;
  return eb->entries.s + offset + namelen + 1;
}

size_t
env_count(const envbuild *eb)
{
  return eb->count;
}

char **
env_build(envbuild *eb)
{
  size_t slots = eb->count + 1;
  size_t pos = 0, i = 0;

  if (slots > eb->veca) {
    char **grown;

    if (slots > SIZE_MAX / sizeof *grown) {
      errno = EOVERFLOW;
      return 0;
    }
    grown = realloc(eb->vec, slots * sizeof *grown);
    if (!grown) {
      errno = ENOMEM;
      return 0;
    }
    eb->vec = grown;
    eb->veca = slots;
  }
  while (pos < eb->entries.len) {
    char *entry = eb->entries.s + pos;

    eb->vec[i++] = entry;
    pos += strlen(entry) + 1;
  }
  eb->vec[i] = 0;
  return eb->vec;
}

void
env_free(envbuild *eb)
{
  stralloc_free(&eb->entries);
  free(eb->vec);
  eb->vec = 0;
  eb->veca = 0;
  eb->count = 0;
}
