/* smtpd_data.c -- DATA: read the message, hand it to the queue.
 *
 * The message ends only at CRLF "." CRLF.  Every line of it must end
 * with CRLF: a bare LF anywhere is answered "451" and ends the session
 * at once, without queueing anything and without reading one more
 * byte.  That closes the SMTP smuggling family (CVE-2023-51764 and
 * friends): a message carrying LF.LF, LF.CRLF or CRLF.LF, which other
 * servers along the path might read as its end, can never make the
 * bytes after it be read here as commands.  A bare CR is data (CR.CR
 * stays inside the message).  Lines are stored with LF ends, a leading
 * dot of a line removed (RFC 5321 section 4.5.2).
 *
 * Checked while reading, answered after the final dot: the size as
 * stored against databytes (552), and the Received and Delivered-To
 * lines of the header, 100 of which mean a loop (554).  The message is
 * not queued then; qmail-queue, started before the 354 so that its
 * failure is known early, is told to throw it away.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "caseless.h"
#include "date822.h"
#include "fmt.h"
#include "qmailqueue.h"
#include "smtpd.h"

#define MAX_HOPS 100

/* Where the reader is in the byte stream. */
enum data_state {
  AT_LINE_START,   /* after CRLF, or at the beginning */
  IN_LINE,
  AFTER_CR,        /* a CR that may end the line */
  AFTER_DOT,       /* a dot at the start of a line */
  AFTER_DOT_CR     /* "." CR at the start of a line */
};

struct data_reader {
  struct qmailqueue *qq;
  enum data_state state;
  unsigned long bytes;       /* as stored: LF line ends, dots removed */
  unsigned long limit;       /* 0: none */
  int too_big;
  int in_header;
  unsigned int hops;
  char head[16];             /* the start of the current header line */
  size_t head_len;
  size_t line_len;
};

static void
emit(struct data_reader *r, const char *p, size_t len)
{
  size_t i;

  if (!len)
    return;
  if (r->in_header)
    for (i = 0; i < len && r->head_len < sizeof r->head; ++i)
      r->head[r->head_len++] = p[i];
  r->line_len += len;
  r->bytes += len;
  if (r->limit && r->bytes > r->limit)
    r->too_big = 1;
  if (!r->too_big)
    qmailqueue_put(r->qq, p, len);
}

static int
head_is(const struct data_reader *r, const char *name, size_t n)
{
  return r->head_len >= n && case_equalb(r->head, name, n);
}

/* A line (its LF included) is complete. */
static void
end_line(struct data_reader *r)
{
  emit(r, "\n", 1);
  if (r->in_header) {
    if (r->line_len == 1)
      r->in_header = 0;
    else if (head_is(r, "received:", 9) || head_is(r, "delivered-to:", 13))
      ++r->hops;
  }
  r->head_len = 0;
  r->line_len = 0;
  r->state = AT_LINE_START;
}

/* Feed bytes; returns 1 at the final dot (*used bytes taken), 0 when
 * all were taken, -1 at a bare LF. */
static int
feed(struct data_reader *r, const char *p, size_t n, size_t *used)
{
  size_t i = 0;

  while (i < n) {
    char c = p[i];

    switch (r->state) {
    case AT_LINE_START:
      if (c == '.') {
        r->state = AFTER_DOT;
        ++i;
        continue;
      }
      r->state = IN_LINE;
      /* fall through */
    case IN_LINE: {
      size_t j = i;

      while (j < n && p[j] != '\r' && p[j] != '\n')
        ++j;
      emit(r, p + i, j - i);
      i = j;
      if (i == n)
        break;
      if (p[i] == '\n') {
        *used = i;
        return -1;
      }
      r->state = AFTER_CR;
      ++i;
      break;
    }
    case AFTER_CR:
      if (c == '\n') {
        end_line(r);
        ++i;
      } else {
        emit(r, "\r", 1);
        r->state = IN_LINE;
      }
      break;
    case AFTER_DOT:
      if (c == '\r') {
        r->state = AFTER_DOT_CR;
        ++i;
      } else if (c == '\n') {
        *used = i;
        return -1;
      } else
        r->state = IN_LINE;
      break;
    case AFTER_DOT_CR:
      if (c == '\n') {
        *used = i + 1;
        return 1;
      }
      /* "." CR then something else: a line that starts with a CR */
      emit(r, "\r", 1);
      r->state = IN_LINE;
      break;
    }
  }
  *used = n;
  return 0;
}

/* "from host (HELO helo) (info@ip)" made safe for a header comment. */
static void
cat_comment_safe(stralloc *out, const char *s, size_t len)
{
  size_t i;

  for (i = 0; i < len && i < 200; ++i) {
    char c = s[i];

    if ((unsigned char)c < 33 || (unsigned char)c > 126 || c == '('
        || c == ')' || c == '\\')
      c = '?';
    stralloc_append(out, c);
  }
}

static const char *
protocol_name(const struct smtpd *s)
{
  if (!s->esmtp)
    return "SMTP";
  if (s->auth_user.len)
    return s->tls_on ? "ESMTPSA" : "ESMTPA";
  return s->tls_on ? "ESMTPS" : "ESMTP";
}

static int
received_line(struct smtpd *s, stralloc *out)
{
  out->len = 0;
  stralloc_cats(out, "Received: from ");
  if (s->remotehost)
    cat_comment_safe(out, s->remotehost, strlen(s->remotehost));
  else
    stralloc_cats(out, "unknown");
  if (s->helo_given) {
    stralloc_cats(out, " (HELO ");
    cat_comment_safe(out, s->helo.s, s->helo.len);
    stralloc_cats(out, ")");
  }
  stralloc_cats(out, " (");
  if (s->remoteinfo) {
    cat_comment_safe(out, s->remoteinfo, strlen(s->remoteinfo));
    stralloc_cats(out, "@");
  }
  cat_comment_safe(out, s->remoteip, strlen(s->remoteip));
  stralloc_cats(out, ")\n  by ");
  cat_comment_safe(out, s->localname, strlen(s->localname));
  stralloc_cats(out, " with ");
  stralloc_cats(out, protocol_name(s));
  if (s->tls_on || s->auth_user.len) {
    stralloc_cats(out, " (");
    if (s->tls_on) {
      stralloc_cats(out, tls_version_name(s->tls));
      stralloc_cats(out, " ");
      stralloc_cats(out, tls_cipher_name(s->tls));
    }
    if (s->auth_user.len) {
      if (s->tls_on)
        stralloc_cats(out, ", ");
      stralloc_cats(out, "authenticated user ");
      cat_comment_safe(out, s->auth_user.s, s->auth_user.len);
    }
    stralloc_cats(out, ")");
  }
  stralloc_cats(out, "; ");
  if (!date822_fmt(out, time(0)))
    return 0;
  return stralloc_cats(out, "\n");
}

static void
log_message(struct smtpd *s, const char *event, const char *code,
            const struct data_reader *r, unsigned long qp)
{
  stralloc *l = &s->scratch;

  l->len = 0;
  if (code) {
    stralloc_cats(l, " ");
    stralloc_cats(l, code);
  }
  stralloc_cats(l, " from=");
  smtpd_log_addr(l, s->sender.s, s->sender.len);
  stralloc_cats(l, " rcpts=");
  stralloc_catulong(l, s->rcpt_count);
  stralloc_cats(l, " bytes=");
  stralloc_catulong(l, r->bytes);
  smtpd_log_client(s, l);
  if (qp) {
    stralloc_cats(l, " qp ");
    stralloc_catulong(l, qp);
  }
  if (!stralloc_0(l))
    return;
  smtpd_log(s, event, l->s, (char *)0);
}

static void
give_up(struct qmailqueue *qq)
{
  qmailqueue_abort(qq);
  qmailqueue_close(qq);
}

void
smtpd_data(struct smtpd *s)
{
  static struct qmailqueue qq;
  static stralloc header = STRALLOC_ZERO;
  struct data_reader r = { 0 };
  unsigned long qp;
  int code, end = 0;

  if (!s->seen_mail) {
    smtpd_reply(s, "503 MAIL first (#5.5.1)");
    return;
  }
  if (!s->rcpt_count) {
    smtpd_reply(s, "503 RCPT first (#5.5.1)");
    return;
  }
  if (!qmailqueue_open(&qq)) {
    smtpd_reply(s, "451 qqt failure (#4.3.0)");
    smtpd_log(s, "refuse", " 451 cannot start the queue program",
              (char *)0);
    return;
  }
  qp = qmailqueue_pid(&qq) > 0 ? (unsigned long)qmailqueue_pid(&qq) : 0;
  if (!received_line(s, &header)) {
    give_up(&qq);
    smtpd_reply(s, "421 out of memory (#4.3.0)");
    smtpd_flush(s);
    smtpd_exit(s, 111);
  }
  qmailqueue_put(&qq, header.s, header.len);
  smtpd_reply(s, "354 go ahead");
  smtpd_flush(s);

  r.qq = &qq;
  r.state = AT_LINE_START;
  r.limit = s->databytes;
  r.in_header = 1;
  while (!end) {
    ssize_t n = buffer_feed(&s->in);
    size_t used;
    int f;

    if (n <= 0) {
      give_up(&qq);
      if (n < 0 && errno == ETIMEDOUT) {
        smtpd_reply(s, "451 timeout (#4.4.2)");
        buffer_flush(&s->out);
        smtpd_log(s, "end", " timeout in DATA", (char *)0);
        smtpd_exit(s, 1);
      }
      smtpd_log(s, "end", " connection lost in DATA, nothing queued",
                (char *)0);
      _exit(1);
    }
    f = feed(&r, buffer_peek(&s->in), (size_t)n, &used);
    buffer_seek(&s->in, used);
    if (f == -1) {
      give_up(&qq);
      smtpd_reply(s, "451 bare LF in the message: SMTP lines end with CR LF"
                  " (RFC 5321 section 2.3.8) (#4.6.0)");
      buffer_flush(&s->out);
      log_message(s, "refuse", "451 bare LF, session closed", &r, 0);
      smtpd_exit(s, 1);
    }
    end = f == 1;
  }

  if (r.too_big) {
    give_up(&qq);
    smtpd_reply(s, "552 sorry, that message size exceeds my databytes "
                "limit (#5.3.4)");
    log_message(s, "refuse", "552 databytes", &r, 0);
  } else if (r.hops >= MAX_HOPS) {
    give_up(&qq);
    smtpd_reply(s, "554 too many hops, this message is looping (#5.4.6)");
    log_message(s, "refuse", "554 hops", &r, 0);
  } else {
    const char *p;

    qmailqueue_from(&qq, s->sender.s);
    for (p = s->rcpts.s; p && p < s->rcpts.s + s->rcpts.len;
         p += strlen(p) + 1)
      qmailqueue_to(&qq, p);
    code = qmailqueue_close(&qq);
    if (code == 0) {
      char line[80];
      size_t len = 0;

      ++s->messages;
      len += fmt_str(line + len, "250 ok ");
      len += fmt_ulong(line + len, (unsigned long)time(0));
      len += fmt_str(line + len, " qp ");
      len += fmt_ulong(line + len, qp);
      line[len] = 0;
      smtpd_reply(s, line);
      log_message(s, "accept", 0, &r, qp);
    } else {
      s->scratch.len = 0;
      stralloc_cats(&s->scratch,
                    qmailqueue_permanent(code) ? "554 " : "451 ");
      stralloc_cats(&s->scratch, qmailqueue_text(code));
      stralloc_0(&s->scratch);
      smtpd_reply(s, s->scratch.s ? s->scratch.s : "451 qqt failure (#4.3.0)");
      log_message(s, "refuse", qmailqueue_permanent(code) ? "554 queue" :
                  "451 queue", &r, qp);
    }
  }
  smtpd_reset_transaction(s);
}
