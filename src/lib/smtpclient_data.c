/* smtpclient_data.c -- AUTH as a client and the DATA body; see
 * smtpclient.h. */
#include <errno.h>
#include <string.h>

#include "base64.h"
#include "buffer.h"
#include "checkpw.h"
#include "smtpclient.h"
#include "stralloc.h"

/* Send prefix + base64(data) as one line and read the reply; the
 * encoding is wiped afterwards. */
static unsigned int
send_secret(struct smtpclient *c, const char *prefix, const char *data,
            size_t len)
{
  stralloc line = STRALLOC_ZERO;
  size_t plen = strlen(prefix);
  size_t need = base64_encoded_len(len);
  unsigned int code = 0;

  if ((len && !need) || !stralloc_ready(&line, plen + need)
      || !stralloc_copyb(&line, prefix, plen)
      || !base64_encode(&line, data, len)) {
    smtpclient_error(c, "out of memory");
    errno = ENOMEM;
  } else if (smtpclient_send(c, line.s, line.len) && smtpclient_flush(c))
    code = smtpclient_reply(c);
  if (line.s)
    checkpw_wipe(line.s, line.a);
  stralloc_free(&line);
  return code;
}

/* A 334 challenge where the exchange should be over: cancel it. */
static unsigned int
cancel(struct smtpclient *c)
{
  unsigned int code = smtpclient_command(c, "*");

  return code == 334 ? 0 : code;
}

static unsigned int
auth_plain(struct smtpclient *c, const char *user, const char *password)
{
  stralloc blob = STRALLOC_ZERO;
  size_t ulen = strlen(user), plen = strlen(password);
  unsigned int code = 0;

  if (!stralloc_ready(&blob, ulen + plen + 2)) {
    smtpclient_error(c, "out of memory");
    errno = ENOMEM;
    return 0;
  }
  blob.s[0] = 0;
  memcpy(blob.s + 1, user, ulen);
  blob.s[1 + ulen] = 0;
  memcpy(blob.s + 2 + ulen, password, plen);
  blob.len = ulen + plen + 2;
  code = send_secret(c, "AUTH PLAIN ", blob.s, blob.len);
  checkpw_wipe(blob.s, blob.a);
  stralloc_free(&blob);
  if (code == 334)
    return cancel(c);
  return code;
}

static unsigned int
auth_login(struct smtpclient *c, const char *user, const char *password)
{
  unsigned int code = smtpclient_command(c, "AUTH LOGIN");

  if (code != 334)
    return code;
  code = send_secret(c, "", user, strlen(user));
  if (code != 334)
    return code;
  code = send_secret(c, "", password, strlen(password));
  if (code == 334)
    return cancel(c);
  return code;
}

unsigned int
smtpclient_auth(struct smtpclient *c, unsigned int mechanism,
                const char *user, const char *password)
{
  if (mechanism == SMTPCLIENT_AUTH_PLAIN)
    return auth_plain(c, user, password);
  if (mechanism == SMTPCLIENT_AUTH_LOGIN)
    return auth_login(c, user, password);
  smtpclient_error(c, "unsupported AUTH mechanism");
  errno = EINVAL;
  return 0;
}

static int
put(struct smtpclient *c, const char *s, size_t len)
{
  if (buffer_put(c->out, s, len))
    return 1;
  smtpclient_io_error(c, "sending the message");
  return 0;
}

int
smtpclient_data(struct smtpclient *c, buffer *message)
{
  int at_line_start = 1;
  int after_cr = 0;

  c->local = 0;
  for (;;) {
    ssize_t r = buffer_feed(message);
    const char *p;
    size_t i, start = 0;

    if (r == -1) {
      c->local = 1;
      smtpclient_io_error(c, "reading the message");
      return 0;
    }
    if (r == 0)
      break;
    p = buffer_peek(message);
    for (i = 0; i < (size_t)r; ++i) {
      if (at_line_start && p[i] == '.') {
        if (!put(c, p + start, i - start) || !put(c, ".", 1))
          return 0;
        start = i;
      }
      at_line_start = 0;
      if (p[i] == '\n') {
        /* a CR already in front of this LF (possibly sent with the
         * previous piece) is the line end's own */
        if (!after_cr && (!put(c, p + start, i - start) || !put(c, "\r", 1)))
          return 0;
        if (!after_cr)
          start = i;
        at_line_start = 1;
      }
      after_cr = p[i] == '\r';
    }
    if (!put(c, p + start, (size_t)r - start))
      return 0;
    buffer_seek(message, (size_t)r);
  }
  if (!at_line_start) {
    if (after_cr) {
      if (!put(c, "\n", 1))
        return 0;
    } else if (!put(c, "\r\n", 2))
      return 0;
  }
  if (!put(c, ".\r\n", 3))
    return 0;
  if (!buffer_flush(c->out)) {
    smtpclient_io_error(c, "sending the message");
    return 0;
  }
  return 1;
}
