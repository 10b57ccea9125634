/* smtpclient.c -- SMTP replies and commands for a client; see
 * smtpclient.h.  AUTH and the DATA body are in smtpclient_data.c. */
#include <errno.h>
#include <string.h>

#include "buffer.h"
#include "caseless.h"
#include "scan.h"
#include "smtpclient.h"
#include "timeoutio.h"
#include "tls.h"

void
smtpreply_start(struct smtpreply *r)
{
  r->code = 0;
  r->first = 0;
  r->lines = 0;
  r->truncated = 0;
  r->text_len = 0;
  r->text[0] = 0;
}

static void
keep_text(struct smtpreply *r, const char *line, size_t len)
{
  size_t i;

  if (r->lines > 1) {
    if (r->text_len >= SMTPREPLY_TEXT) {
      r->truncated = 1;
      return;
    }
    r->text[r->text_len++] = '\n';
  }
  for (i = 0; i < len; ++i) {
    unsigned char ch = (unsigned char)line[i];

    if (r->text_len >= SMTPREPLY_TEXT) {
      r->truncated = 1;
      break;
    }
    r->text[r->text_len++] = (ch >= 32 && ch < 127) ? (char)ch : '?';
  }
  r->text[r->text_len] = 0;
}

int
smtpreply_line(struct smtpreply *r, const char *line, size_t len)
{
  unsigned int code;

  if (r->lines >= SMTPREPLY_LINES) {
    errno = EMSGSIZE;
    return -1;
  }
  if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0'
      || line[1] > '5' || line[2] < '0' || line[2] > '9'
      || (len > 3 && line[3] != '-' && line[3] != ' ')) {
    errno = EPROTO;
    return -1;
  }
  code = (unsigned int)(line[0] - '0') * 100 + (unsigned int)(line[1] - '0') * 10
    + (unsigned int)(line[2] - '0');
  if (r->lines && code != r->first) {
    errno = EPROTO;
    return -1;
  }
  r->first = code;
  ++r->lines;
  keep_text(r, line, len);
  if (len > 3 && line[3] == '-')
    return 1;
  r->code = code;
  return 0;
}

void
smtpclient_init(struct smtpclient *c, buffer *in, buffer *out)
{
  c->in = in;
  c->out = out;
  smtpreply_start(&c->reply);
  c->esmtp = 0;
  c->ext = 0;
  c->auth = 0;
  c->size = 0;
  c->local = 0;
  c->error[0] = 0;
  c->reply_seconds = 0;
  c->reply_deadline = 0;
}

/* c->error = a sep b (b may be null), cut to fit. */
static void
set_error3(struct smtpclient *c, const char *a, const char *sep,
           const char *b)
{
  const char *part[3];
  size_t n = 0, i;

  part[0] = a;
  part[1] = b ? sep : "";
  part[2] = b ? b : "";
  for (i = 0; i < 3; ++i) {
    size_t len = strlen(part[i]);

    if (len > sizeof c->error - 1 - n)
      len = sizeof c->error - 1 - n;
    memcpy(c->error + n, part[i], len);
    n += len;
  }
  c->error[n] = 0;
}

void
smtpclient_error(struct smtpclient *c, const char *what)
{
  set_error3(c, what, "", 0);
}

/* An I/O failure in words: what was being done, and errno. */
void
smtpclient_io_error(struct smtpclient *c, const char *doing)
{
  int e = errno;

  if (e == ETIMEDOUT)
    set_error3(c, "timed out ", "", doing);
  else if (e == EPIPE || e == ECONNRESET)
    set_error3(c, "connection lost ", "", doing);
  else
    set_error3(c, doing, ": ", strerror(e));
  errno = e;
}

/* Read one line into c->line; its length, or -1 with errno. */
static long
read_line(struct smtpclient *c)
{
  size_t len = 0;

  for (;;) {
    ssize_t r = buffer_feed(c->in);
    char *p, *nl;
    size_t take;

    if (r == -1) {
      smtpclient_io_error(c, "waiting for a reply");
      return -1;
    }
    if (r == 0) {
      smtpclient_error(c, "connection closed by the server");
      errno = ECONNRESET;
      return -1;
    }
    p = buffer_peek(c->in);
    nl = memchr(p, '\n', (size_t)r);
    take = nl ? (size_t)(nl - p) : (size_t)r;
    if (take > sizeof c->line - len) {
      smtpclient_error(c, "reply line longer than 4096 bytes");
      errno = EMSGSIZE;
      return -1;
    }
    memcpy(c->line + len, p, take);
    len += take;
    buffer_seek(c->in, nl ? take + 1 : take);
    if (c->reply_deadline && timeout_now_ms() > c->reply_deadline) {
      /* a server that trickles its reply a byte at a time never lets
       * a single read time out */
      smtpclient_error(c, "timed out: the reply took longer than the "
                       "time allowed for it");
      errno = ETIMEDOUT;
      return -1;
    }
    if (nl) {
      if (len && c->line[len - 1] == '\r')
        --len;
      return (long)len;
    }
  }
}

unsigned int
smtpclient_reply(struct smtpclient *c)
{
  smtpreply_start(&c->reply);
  c->reply_deadline = c->reply_seconds
    ? timeout_now_ms() + (long long)c->reply_seconds * 1000 : 0;
  for (;;) {
    long len = read_line(c);
    int r;

    if (len < 0)
      return 0;
    r = smtpreply_line(&c->reply, c->line, (size_t)len);
    if (r == 0)
      return c->reply.code;
    if (r < 0) {
      if (errno == EMSGSIZE)
        smtpclient_error(c, "reply longer than 1000 lines");
      else
        smtpclient_error(c, "malformed reply from the server");
      return 0;
    }
  }
}

int
smtpclient_send(struct smtpclient *c, const char *s, size_t len)
{
  if (memchr(s, '\r', len) || memchr(s, '\n', len)) {
    smtpclient_error(c, "a command may not contain a line end");
    errno = EINVAL;
    return 0;
  }
  if (!buffer_put(c->out, s, len) || !buffer_put(c->out, "\r\n", 2)) {
    smtpclient_io_error(c, "sending a command");
    return 0;
  }
  return 1;
}

int
smtpclient_flush(struct smtpclient *c)
{
  if (!buffer_flush(c->out)) {
    smtpclient_io_error(c, "sending a command");
    return 0;
  }
  return 1;
}

unsigned int
smtpclient_command(struct smtpclient *c, const char *s)
{
  if (!smtpclient_send(c, s, strlen(s)) || !smtpclient_flush(c))
    return 0;
  return smtpclient_reply(c);
}

/* Does line (at len) start with keyword as a whole word? */
static int
keyword_is(const char *line, size_t len, const char *keyword, size_t *rest)
{
  size_t k = strlen(keyword);

  if (len < k || !case_equalb(line, keyword, k))
    return 0;
  if (len > k && line[k] != ' ' && line[k] != '=')
    return 0;
  *rest = k;
  return 1;
}

static void
parse_auth(struct smtpclient *c, const char *s, size_t len)
{
  size_t i = 0;

  while (i < len) {
    size_t start, n;

    while (i < len && (s[i] == ' ' || s[i] == '='))
      ++i;
    start = i;
    while (i < len && s[i] != ' ')
      ++i;
    n = i - start;
    if (n == 5 && case_equalb(s + start, "PLAIN", 5))
      c->auth |= SMTPCLIENT_AUTH_PLAIN;
    else if (n == 5 && case_equalb(s + start, "LOGIN", 5))
      c->auth |= SMTPCLIENT_AUTH_LOGIN;
    else if (n == 8 && case_equalb(s + start, "CRAM-MD5", 8))
      c->auth |= SMTPCLIENT_AUTH_CRAM_MD5;
  }
}

/* The extensions of an EHLO reply: every line but the first. */
static void
parse_extensions(struct smtpclient *c)
{
  const char *t = c->reply.text;
  size_t len = c->reply.text_len, i = 0;
  int first = 1;

  while (i < len) {
    const char *nl = memchr(t + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - t) : len;
    const char *line = t + i + 4;
    size_t n = end > i + 4 ? end - i - 4 : 0, rest;

    if (!first && n) {
      if (keyword_is(line, n, "STARTTLS", &rest))
        c->ext |= SMTPCLIENT_EXT_STARTTLS;
      else if (keyword_is(line, n, "PIPELINING", &rest))
        c->ext |= SMTPCLIENT_EXT_PIPELINING;
      else if (keyword_is(line, n, "8BITMIME", &rest))
        c->ext |= SMTPCLIENT_EXT_8BITMIME;
      else if (keyword_is(line, n, "SIZE", &rest)) {
        unsigned long size;

        c->ext |= SMTPCLIENT_EXT_SIZE;
        if (rest < n && scan_ulongn(line + rest + 1, n - rest - 1, &size))
          c->size = size;
      } else if (keyword_is(line, n, "AUTH", &rest)) {
        c->ext |= SMTPCLIENT_EXT_AUTH;
        parse_auth(c, line + rest, n - rest);
      }
    }
    first = 0;
    i = end + 1;
  }
}

static void
forget_extensions(struct smtpclient *c)
{
  c->esmtp = 0;
  c->ext = 0;
  c->auth = 0;
  c->size = 0;
}

static unsigned int
greet(struct smtpclient *c, const char *verb, const char *name)
{
  if (!buffer_puts(c->out, verb)) {
    smtpclient_io_error(c, "sending a command");
    return 0;
  }
  if (!smtpclient_send(c, name, strlen(name)) || !smtpclient_flush(c))
    return 0;
  return smtpclient_reply(c);
}

unsigned int
smtpclient_ehlo(struct smtpclient *c, const char *name)
{
  unsigned int code;

  forget_extensions(c);
  code = greet(c, "EHLO ", name);
  if (code == 250) {
    c->esmtp = 1;
    parse_extensions(c);
    return code;
  }
  if (code < 500 || code > 599)
    return code;
  return greet(c, "HELO ", name);
}

unsigned int
smtpclient_starttls(struct smtpclient *c)
{
  unsigned int code = smtpclient_command(c, "STARTTLS");

  if (code == 220 && buffer_unread(c->in)) {
    smtpclient_error(c, "the server sent data after its 220 reply to STARTTLS");
    errno = EPROTO;
    return 0;
  }
  return code;
}

void
smtpclient_tls(struct smtpclient *c, struct tls *tls)
{
  buffer_init(c->in, tls_bufread, c->in->fd, tls, c->in->x, c->in->a);
  buffer_init(c->out, tls_bufwrite, c->out->fd, tls, c->out->x, c->out->a);
  forget_extensions(c);
}

void
smtpclient_quit(struct smtpclient *c)
{
  if (smtpclient_send(c, "QUIT", 4) && smtpclient_flush(c))
    smtpclient_reply(c);
}
