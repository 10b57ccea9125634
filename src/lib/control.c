/* control.c -- reading qmail control files; see control.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"

static stralloc me = STRALLOC_ZERO;
static int me_known;        /* control_init() has succeeded */
static int me_present;      /* control/me had a non-empty first line */

static int read_whole(stralloc *content, const char *path);
static size_t line_length(const char *s, size_t len);
static size_t stripped_length(const char *s, size_t len);
static int parse_int(int *out, const char *s, size_t len);
static int ensure_init(void);

/* Read all of path into content.  Returns 1, 0 when path does not
 * exist, -1 on any other error.  Only regular files are read (some
 * systems let read(2) return a directory's raw bytes); O_NONBLOCK keeps
 * a FIFO under a control file's name from hanging the open. */
static int
read_whole(stralloc *content, const char *path)
{
  struct stat st;
  int fd;

  content->len = 0;
  fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1)
    return errno == ENOENT ? 0 : -1;
  if (fstat(fd, &st) == -1)
    goto fail;
  if (!S_ISREG(st.st_mode)) {
    errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    goto fail;
  }
  for (;;) {
    ssize_t r;

    if (!stralloc_readyplus(content, 8192))
      goto fail;
    r = read(fd, content->s + content->len, content->a - content->len);
    if (r == -1) {
      if (errno == EINTR)
        continue;
      goto fail;
    }
    if (r == 0)
      break;
    content->len += (size_t)r;
  }
  close(fd);
  if (content->len && memchr(content->s, 0, content->len)) {
    errno = EINVAL;
    return -1;
  }
  return 1;

fail:
  {
    int saved = errno;

    close(fd);
    errno = saved;
  }
  return -1;
}

/* Length of the line at s, without its '\n'. */
static size_t
line_length(const char *s, size_t len)
{
  const char *nl = memchr(s, '\n', len);

  return nl ? (size_t)(nl - s) : len;
}

/* Length of s[0..len) without trailing spaces, tabs and CRs. */
static size_t
stripped_length(const char *s, size_t len)
{
  while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
                 s[len - 1] == '\r'))
    --len;
  return len;
}

/* Strict decimal int: optional '-', at least one digit, nothing else. */
static int
parse_int(int *out, const char *s, size_t len)
{
  unsigned long limit = INT_MAX;
  unsigned long value = 0;
  size_t i = 0;
  int negative = 0;

  if (len && s[0] == '-') {
    negative = 1;
    limit = (unsigned long)INT_MAX + 1;
    i = 1;
  }
  if (i == len)
    return 0;
  for (; i < len; ++i) {
    unsigned int digit = (unsigned char)s[i] - (unsigned char)'0';

    if (digit > 9)
      return 0;
    if (value > (limit - digit) / 10)
      return 0;
    value = value * 10 + digit;
  }
  if (negative)
    *out = value == (unsigned long)INT_MAX + 1 ? INT_MIN : -(int)value;
  else
    *out = (int)value;
  return 1;
}

int
control_init(void)
{
  stralloc line = STRALLOC_ZERO;
  int r = control_readline(&line, "control/me");

  if (r == -1) {
    int saved = errno;

    /* forget the old name, so the fallbacks report this error instead
     * of quietly using a stale value */
    stralloc_free(&line);
    me_known = 0;
    me_present = 0;
    errno = saved;
    return 0;
  }
  stralloc_free(&me);
  me = line;
  me_present = r == 1 && me.len > 0;
  me_known = 1;
  return 1;
}

static int
ensure_init(void)
{
  return me_known || control_init();
}

int
control_me(stralloc *out)
{
  if (!ensure_init())
    return -1;
  if (!me_present)
    return 0;
  return stralloc_copy(out, &me) ? 1 : -1;
}

int
control_readline(stralloc *out, const char *path)
{
  stralloc content = STRALLOC_ZERO;
  int r = read_whole(&content, path);
  size_t len;

  if (r == 1) {
    len = stripped_length(content.s, line_length(content.s, content.len));
    if (!stralloc_copyb(out, content.s, len))
      r = -1;
  }
  if (r == -1) {
    int saved = errno;

    stralloc_free(&content);
    errno = saved;
    return -1;
  }
  stralloc_free(&content);
  return r;
}

int
control_rldef(stralloc *out, const char *path, int use_me, const char *def)
{
  stralloc value = STRALLOC_ZERO;
  int r = control_readline(&value, path);

  if (r == 1 && value.len) {
    r = stralloc_copy(out, &value) ? 1 : -1;
  } else if (r != -1) {
    if (use_me && !ensure_init())
      r = -1;
    else if (use_me && me_present)
      r = stralloc_copy(out, &me) ? 0 : -1;
    else
      r = stralloc_copys(out, def) ? 0 : -1;
  }
  if (r == -1) {
    int saved = errno;

    stralloc_free(&value);
    errno = saved;
    return -1;
  }
  stralloc_free(&value);
  return r;
}

int
control_readint(int *out, const char *path)
{
  stralloc line = STRALLOC_ZERO;
  int r = control_readline(&line, path);
  int value;

  if (r == 1) {
    if (parse_int(&value, line.s, line.len)) {
      *out = value;
    } else {
      errno = EINVAL;
      r = -1;
    }
  }
  if (r == -1) {
    int saved = errno;

    stralloc_free(&line);
    errno = saved;
    return -1;
  }
  stralloc_free(&line);
  return r;
}

int
control_readlist(stralloc *out, const char *path)
{
  stralloc content = STRALLOC_ZERO;
  stralloc entries = STRALLOC_ZERO;
  int r = read_whole(&content, path);
  size_t pos = 0;

  while (r == 1 && pos < content.len) {
    const char *line = content.s + pos;
    size_t whole = line_length(line, content.len - pos);
    size_t len = stripped_length(line, whole);

    pos += whole + 1;
    if (!len || line[0] == '#')
      continue;
    if (!stralloc_catb(&entries, line, len) || !stralloc_0(&entries))
      r = -1;
  }
  if (r == 1) {
    /* hand over the entries without copying them again */
    stralloc_free(out);
    *out = entries;
    entries.s = 0;
  }
  {
    int saved = errno;

    stralloc_free(&content);
    stralloc_free(&entries);
    errno = saved;
  }
  return r;
}
