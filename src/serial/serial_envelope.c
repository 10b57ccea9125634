/* serial_envelope.c -- the envelope of a spooled message; see serial.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "header.h"
#include "serial.h"

static int
bad(struct serial_envelope *env, const char *why)
{
  env->why = why;
  errno = EINVAL;
  return 0;
}

/* The value of a "Name: value" line without the blanks around it. */
static void
value_of(const char *line, size_t len, size_t *start, size_t *vlen)
{
  const char *colon = memchr(line, ':', len);
  size_t i = colon ? (size_t)(colon - line) + 1 : len, end = len;

  while (i < len && (line[i] == ' ' || line[i] == '\t'))
    ++i;
  while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t'
                     || line[end - 1] == '\r'))
    --end;
  *start = i;
  *vlen = end - i;
}

int
serial_envelope_read(int fd, struct serial_envelope *env)
{
  char top[2 * SERIAL_LINE_MAX + 2];
  struct stat st;
  size_t have = 0, pos = 0;
  int seen_rp = 0, seen_dt = 0, line;

  env->why = 0;
  env->sender.len = 0;
  env->delivered.len = 0;
  if (fstat(fd, &st) == -1)
    return 0;
  /* a FIFO or device put into the spool would block the reader */
  if (!S_ISREG(st.st_mode))
    return bad(env, "not a plain file");
  if (lseek(fd, 0, SEEK_SET) == -1)
    return 0;
  while (have < sizeof top) {
    ssize_t r = read(fd, top + have, sizeof top - have);

    if (r == -1) {
      if (errno == EINTR)
        continue;
      return 0;
    }
    if (r == 0)
      break;
    have += (size_t)r;
  }
  for (line = 0; line < 2; ++line) {
    const char *nl = memchr(top + pos, '\n', have - pos);
    const char *s = top + pos;
    size_t len, start, vlen;

    if (!nl)
      return bad(env, have - pos > SERIAL_LINE_MAX
                 ? "an envelope line at the top is too long"
                 : "the file ends inside the envelope lines");
    len = (size_t)(nl - s);
    if (header_is(s, len, "Return-Path") && !seen_rp) {
      size_t consumed;

      value_of(s, len, &start, &vlen);
      if (!address_parse_path(s + start, vlen, &env->sender, &consumed)) {
        if (errno != EINVAL)
          return 0;
        return bad(env, "the Return-Path line does not hold an address");
      }
      if (consumed != vlen)
        return bad(env, "the Return-Path line does not hold an address");
      seen_rp = 1;
    } else if (header_is(s, len, "Delivered-To") && !seen_dt) {
      value_of(s, len, &start, &vlen);
      if (!vlen)
        return bad(env, "the Delivered-To line is empty");
      if (memchr(s + start, '\0', vlen))
        return bad(env, "the Delivered-To line holds a NUL byte");
      if (!stralloc_copyb(&env->delivered, s + start, vlen))
        return 0;
      seen_dt = 1;
    } else
      return bad(env, seen_rp ? "no Delivered-To line at the top"
                 : seen_dt ? "no Return-Path line at the top"
                 : "no Return-Path and Delivered-To lines at the top");
    pos += len + 1;
  }
  if (!stralloc_0(&env->sender) || !stralloc_0(&env->delivered))
    return 0;
  --env->sender.len;
  --env->delivered.len;
  env->body = (off_t)pos;
  if (lseek(fd, env->body, SEEK_SET) == -1)
    return 0;
  return 1;
}

const char *
serial_recipient(struct serial_envelope *env, const char *prefix)
{
  size_t plen = strlen(prefix);

  if (env->delivered.len <= plen
      || memcmp(env->delivered.s, prefix, plen) != 0)
    return 0;
  return env->delivered.s + plen;
}

int
serial_result(buffer *out, const char *name, char status, const char *text)
{
  if (!buffer_puts(out, name) || !buffer_put(out, "", 1)
      || !buffer_put(out, &status, 1))
    return 0;
  for (; *text; ++text) {
    char c = *text == '\n' || *text == '\r' ? ' ' : *text;

    if (!buffer_put(out, &c, 1))
      return 0;
  }
  return buffer_put(out, "\n", 1);
}
