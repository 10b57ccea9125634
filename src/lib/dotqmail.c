/* dotqmail.c -- finding and reading dot-qmail files; see dotqmail.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caseless.h"
#include "dotqmail.h"
#include "open.h"
#include "stralloc.h"

/* Read all of fd into text (replacing it).  1, or 0 with errno. */
static int
read_all(int fd, stralloc *text)
{
  ssize_t r;

  text->len = 0;
  for (;;) {
    if (!stralloc_readyplus(text, 4096))
      return 0;
    r = read(fd, text->s + text->len, 4096);
    if (r == 0)
      return 1;
    if (r == -1) {
      if (errno == EINTR)
        continue;
      return 0;
    }
    text->len += (size_t)r;
  }
}

/* Try the file named in dq->name (NUL-terminated), in dir when dir is
 * not null.  1 found and read, 0 missing, -1 error. */
static int
try_file(struct dotqmail *dq, const char *dir)
{
  struct stat st;
  const char *path = dq->name.s;
  int fd, err;

  if (dir) {
    if (!stralloc_copys(&dq->path, dir) || !stralloc_append(&dq->path, '/')
        || !stralloc_cat(&dq->path, &dq->name)) {
      errno = ENOMEM;
      return -1;
    }
    path = dq->path.s;
  }
  fd = open_read(path);
  if (fd == -1) {
    if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG)
      return 0;
    return -1;
  }
  if (fstat(fd, &st) == -1)
    goto fail;
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return 0;
  }
  if (!read_all(fd, &dq->text))
    goto fail;
  close(fd);
  dq->mode = st.st_mode;
  return 1;

fail:
  err = errno;
  close(fd);
  errno = err;
  return -1;
}

/* dq->name = ".qmail" + dash + safeext[0..len) + suffix, NUL-terminated. */
static int
set_name(struct dotqmail *dq, const char *dash, const stralloc *safeext,
         size_t len, const char *suffix)
{
  return stralloc_copys(&dq->name, ".qmail") && stralloc_cats(&dq->name, dash)
    && stralloc_catb(&dq->name, safeext->s, len)
    && stralloc_cats(&dq->name, suffix) && stralloc_0(&dq->name);
}

void
dotqmail_safe_ext(char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len; ++i)
    s[i] = s[i] == '.' ? ':' : case_lower(s[i]);
}

int
dotqmail_search(struct dotqmail *dq, const char *dash, const char *ext)
{
  return dotqmail_search_in(dq, 0, dash, ext);
}

int
dotqmail_search_in(struct dotqmail *dq, const char *dir, const char *dash,
                   const char *ext)
{
  stralloc safeext = STRALLOC_ZERO;
  size_t prefix;
  int found, err;

  dq->default_at = DOTQMAIL_NO_DEFAULT;
  dotqmail_rewind(dq);
  if (!stralloc_copys(&safeext, ext))
    return -1;
  dotqmail_safe_ext(safeext.s, safeext.len);

  if (!set_name(dq, dash, &safeext, safeext.len, ""))
    goto error;
  found = try_file(dq, dir);
  if (found != 0 || (!*dash && !safeext.len))
    goto done;

  /* the -default chain: longest prefix ending in '-' first, then "" */
  for (prefix = safeext.len + 1; prefix-- > 0;) {
    if (prefix && safeext.s[prefix - 1] != '-')
      continue;
    if (!set_name(dq, dash, &safeext, prefix, "default"))
      goto error;
    found = try_file(dq, dir);
    if (found == 1)
      dq->default_at = prefix;
    if (found != 0)
      goto done;
  }
  found = 0;

done:
  err = errno;
  stralloc_free(&safeext);
  errno = err;
  return found;

error:
  stralloc_free(&safeext);
  errno = ENOMEM;
  return -1;
}

int
dotqmail_use(struct dotqmail *dq, const char *text)
{
  if (!stralloc_copys(&dq->text, text))
    return 0;
  dotqmail_rewind(dq);
  return 1;
}

void
dotqmail_rewind(struct dotqmail *dq)
{
  dq->pos = 0;
  dq->number = 0;
}

static enum dotqmail_kind
classify(const char *s, size_t len, const char **arg)
{
  *arg = s;
  if (!len)
    return DOTQMAIL_BLANK;
  switch (s[0]) {
  case '#':
    return DOTQMAIL_COMMENT;
  case '.':
  case '/':
    return s[len - 1] == '/' ? DOTQMAIL_MAILDIR : DOTQMAIL_MBOX;
  case '|':
    *arg = s + 1;
    return DOTQMAIL_PROGRAM;
  case '&':
    *arg = s + 1;
    return DOTQMAIL_FORWARD;
  default:
    return DOTQMAIL_FORWARD;
  }
}

int
dotqmail_next(struct dotqmail *dq, struct dotqmail_line *line)
{
  const char *start, *nl;
  size_t len;

  if (dq->pos >= dq->text.len)
    return 0;
  start = dq->text.s + dq->pos;
  nl = memchr(start, '\n', dq->text.len - dq->pos);
  len = nl ? (size_t)(nl - start) : dq->text.len - dq->pos;
  dq->pos += nl ? len + 1 : len;

  /* a NUL cuts the line; trailing blanks go */
  {
    const char *nul = memchr(start, 0, len);

    if (nul)
      len = (size_t)(nul - start);
  }
  while (len && (start[len - 1] == ' ' || start[len - 1] == '\t'))
    --len;
  if (!stralloc_copyb(&dq->line, start, len) || !stralloc_0(&dq->line)) {
    errno = ENOMEM;
    return -1;
  }
  line->kind = classify(dq->line.s, len, &line->arg);
  line->text = dq->line.s;
  line->number = ++dq->number;
  return 1;
}

void
dotqmail_free(struct dotqmail *dq)
{
  stralloc_free(&dq->name);
  stralloc_free(&dq->path);
  stralloc_free(&dq->text);
  stralloc_free(&dq->line);
  dq->default_at = DOTQMAIL_NO_DEFAULT;
  dq->pos = 0;
  dq->number = 0;
}
