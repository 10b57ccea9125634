/* smtpd_io.c -- replies, command lines and the switch to TLS.
 *
 * Replies are buffered and go out when the server is about to wait for
 * the client: before every read that would block.  A pipelining client
 * (RFC 2920) thus gets one packet of replies for its group of commands,
 * and a client that waits for each reply still gets it at once.
 */
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "smtpd.h"

/* End the session after its last reply.  Closing a TCP socket that
 * still holds unread bytes makes the kernel send a reset, which can
 * destroy the reply before the client reads it; so the sending side is
 * shut first and what the client still sends is thrown away, unread,
 * for at most a second. */
void
smtpd_exit(struct smtpd *s, int code)
{
  long long deadline;
  char sink[4096];

  if (s->tls_on) {
    tls_close(s->tls);
    _exit(code);
  }
  if (shutdown(1, SHUT_WR) == -1)
    _exit(code);
  deadline = timeout_now_ms() + 1000;
  while (timeout_wait(0, POLLIN, deadline) == 1)
    if (read(0, sink, sizeof sink) <= 0)
      break;
  _exit(code);
}

/* The client is gone or unreachable: nothing more can be said to it. */
void
smtpd_lost(struct smtpd *s)
{
  smtpd_log(s, "end", " lost connection", (char *)0);
  _exit(1);
}

void
smtpd_flush(struct smtpd *s)
{
  if (!buffer_flush(&s->out)) {
    if (errno == ETIMEDOUT)
      smtpd_log(s, "end", " timeout writing to the client", (char *)0);
    smtpd_lost(s);
  }
}

/* One line of a reply, CRLF added; text carries its code and '-' or ' '. */
void
smtpd_reply_part(struct smtpd *s, const char *text)
{
  if (!buffer_puts(&s->out, text) || !buffer_puts(&s->out, "\r\n"))
    smtpd_lost(s);
}

void
smtpd_reply(struct smtpd *s, const char *text)
{
  smtpd_reply_part(s, text);
}

static void
read_failed(struct smtpd *s)
{
  if (errno == ETIMEDOUT) {
    smtpd_reply(s, "451 timeout (#4.4.2)");
    buffer_flush(&s->out);
    smtpd_log(s, "end", " timeout", (char *)0);
    smtpd_exit(s, 1);
  }
  if (s->tls_on)
    smtpd_log(s, "end", " ", tls_error(s->tls), (char *)0);
  smtpd_lost(s);
}

/* Read the next command line into s->line without its LF and a CR
 * before it.  1: a line; 2: a line longer than SMTPD_LINE_MAX, read and
 * thrown away; 0: the client closed the connection.  A timeout is
 * answered here and ends the session. */
int
smtpd_getline(struct smtpd *s)
{
  int too_long = 0;

  s->line.len = 0;
  for (;;) {
    ssize_t n;
    size_t i;
    char *p;

    if (buffer_unread(&s->in) == 0)
      smtpd_flush(s);
    n = buffer_feed(&s->in);
    if (n < 0)
      read_failed(s);
    if (n == 0)
      return 0;
    p = buffer_peek(&s->in);
    for (i = 0; i < (size_t)n && p[i] != '\n'; ++i)
      ;
    if (!too_long) {
      if (s->line.len + i > SMTPD_LINE_MAX) {
        too_long = 1;
        s->line.len = 0;
      } else if (!stralloc_catb(&s->line, p, i)) {
        smtpd_reply(s, "421 out of memory (#4.3.0)");
        smtpd_flush(s);
        smtpd_exit(s, 111);
      }
    }
    if (i < (size_t)n) {
      buffer_seek(&s->in, i + 1);
      break;
    }
    buffer_seek(&s->in, i);
  }
  if (too_long)
    return 2;
  if (s->line.len && s->line.s[s->line.len - 1] == '\r')
    --s->line.len;
  return 1;
}

void
smtpd_io_plain(struct smtpd *s, char *inspace, size_t insize,
               char *outspace, size_t outsize)
{
  buffer_init(&s->in, timeout_bufread, 0, &s->limit, inspace, insize);
  buffer_init(&s->out, timeout_bufwrite, 1, &s->limit, outspace, outsize);
}

/* Handshake on fds 0 and 1 and put the buffers on top of TLS.  The
 * caller has flushed its last plain reply and thrown away what the
 * client sent after STARTTLS.  A failed handshake ends the session. */
int
smtpd_start_tls(struct smtpd *s)
{
  static struct tls tls;
  static char inspace[BUFFER_INSIZE];
  static char outspace[BUFFER_OUTSIZE];
  unsigned int handshake = s->limit.seconds < 60 ? s->limit.seconds : 60;

  s->tls = &tls;
  if (!tls_server_start(&tls, 0, 1, &s->chain, &s->key, handshake,
                        s->limit.seconds)) {
    smtpd_log(s, "end", " ", tls_error(&tls), (char *)0);
    _exit(1);
  }
  buffer_init(&s->in, tls_bufread, 0, &tls, inspace, sizeof inspace);
  buffer_init(&s->out, tls_bufwrite, 1, &tls, outspace, sizeof outspace);
  s->tls_on = 1;
  return 1;
}
