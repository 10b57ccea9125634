/* smtp.c -- sendmail -bs, SMTP on standard input and output; see smtp.h.
 *
 * The session runs in this process; each message is injected by a
 * forked child that reads the unstuffed DATA through a pipe and reports
 * on a second pipe.  The child starts at DATA, so the envelope has been
 * checked by the SMTP commands already, and the injector checks it once
 * more with its own rules (qualification, syntax) before it starts the
 * queue program.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "buffer.h"
#include "control.h"
#include "errmsg.h"
#include "inject.h"
#include "instance.h"
#include "readfile.h"
#include "sig.h"
#include "smtp.h"
#include "stralloc.h"
#include "wait.h"

/* Pieces of DATA, and command lines, are at most this long, so a long
 * line costs little memory. */
#define DATA_PIECE 65536

struct session {
  buffer in;
  buffer out;
  stralloc line;
  stralloc host;
  stralloc sender;        /* "<quoted>" as the injector's -f takes it */
  stralloc rcpts;         /* "<quoted>\0" for each recipient */
  size_t rcpt_count;
  int have_sender;
  char in_space[BUFFER_INSIZE];
  char out_space[BUFFER_OUTSIZE];
};

static void reply(struct session *s, const char *text);
static void reply_flush(struct session *s);
static int command_is(const stralloc *line, const char *verb);
static int path_after(struct session *s, const char *prefix, stralloc *out);
static void transaction_reset(struct session *s);
static void do_mail(struct session *s);
static void do_rcpt(struct session *s);
static void do_data(struct session *s);
static int data_piece(struct session *s, stralloc *piece);
static int data_copy(struct session *s, int fd);
static void write_all(int fd, const char *p, size_t len, int *failed);
static void child_inject(struct session *s, int data_fd, int report_fd)
  __attribute__((noreturn));
static void report_reply(struct session *s, int status, stralloc *report);

static void
reply(struct session *s, const char *text)
{
  if (!buffer_puts(&s->out, text) || !buffer_puts(&s->out, "\r\n"))
    _exit(111);
}

static void
reply_flush(struct session *s)
{
  if (!buffer_flush(&s->out))
    _exit(111);
}

/* The line starts with verb, in any case, followed by its end, a blank
 * or (for "MAIL FROM:" and "RCPT TO:") whatever comes. */
static int
command_is(const stralloc *line, const char *verb)
{
  size_t n = strlen(verb), i;

  if (line->len < n)
    return 0;
  for (i = 0; i < n; ++i) {
    char c = line->s[i];

    if (c >= 'a' && c <= 'z')
      c = (char)(c - 'a' + 'A');
    if (c != verb[i])
      return 0;
  }
  return verb[n - 1] == ':' || line->len == n || line->s[n] == ' ';
}

/* Parse the path after "MAIL FROM:" or "RCPT TO:" into the form the
 * injector takes: "<" quoted address ">".  ESMTP parameters (SIZE,
 * BODY, SMTPUTF8) are accepted and ignored.  1, or 0 after a reply. */
static int
path_after(struct session *s, const char *prefix, stralloc *out)
{
  size_t start = strlen(prefix), consumed;
  stralloc addr = STRALLOC_ZERO;

  while (start < s->line.len && s->line.s[start] == ' ')
    ++start;
  if (!address_parse_path(s->line.s + start, s->line.len - start, &addr,
                          &consumed)) {
    if (errno == ENOMEM)
      reply(s, "421 4.3.0 out of memory");
    else if (errno == EMSGSIZE)
      reply(s, "501 5.1.3 address too long");
    else
      reply(s, "501 5.5.4 syntax error in the address (#5.5.4)");
    return 0;
  }
  out->len = 0;
  if (!stralloc_append(out, '<') || !address_quote(out, addr.s, addr.len)
      || !stralloc_append(out, '>')) {
    stralloc_free(&addr);
    if (errno == EINVAL) {
      reply(s, "501 5.1.3 control character in the address (#5.1.3)");
      return 0;
    }
    reply(s, "421 4.3.0 out of memory");
    reply_flush(s);
    _exit(111);
  }
  stralloc_free(&addr);
  return 1;
}

static void
transaction_reset(struct session *s)
{
  s->have_sender = 0;
  s->sender.len = 0;
  s->rcpts.len = 0;
  s->rcpt_count = 0;
}

static void
do_mail(struct session *s)
{
  if (s->have_sender) {
    reply(s, "503 5.5.1 nested MAIL command (#5.5.1)");
    return;
  }
  if (!path_after(s, "MAIL FROM:", &s->sender))
    return;
  s->have_sender = 1;
  reply(s, "250 2.1.0 ok");
}

static void
do_rcpt(struct session *s)
{
  stralloc rcpt = STRALLOC_ZERO;

  if (!s->have_sender) {
    reply(s, "503 5.5.1 MAIL first (#5.5.1)");
    return;
  }
  if (!path_after(s, "RCPT TO:", &rcpt))
    return;
  if (rcpt.len == 2) {
    reply(s, "553 5.1.3 the null address cannot be a recipient (#5.1.3)");
  } else if (!stralloc_cat(&s->rcpts, &rcpt) || !stralloc_0(&s->rcpts)) {
    reply(s, "421 4.3.0 out of memory");
    reply_flush(s);
    _exit(111);
  } else {
    ++s->rcpt_count;
    reply(s, "250 2.1.5 ok");
  }
  stralloc_free(&rcpt);
}

/* The next piece of DATA: through the next LF, or DATA_PIECE bytes, or
 * to the end of input.  1 with piece filled, 0 at the end of input,
 * -1 on a read error. */
static int
data_piece(struct session *s, stralloc *piece)
{
  piece->len = 0;
  while (piece->len < DATA_PIECE) {
    ssize_t n = buffer_feed(&s->in);
    size_t take;
    char *p, *lf;

    if (n < 0)
      return -1;
    if (n == 0)
      return piece->len ? 1 : 0;
    p = buffer_peek(&s->in);
    take = (size_t)n;
    if (take > DATA_PIECE - piece->len)
      take = DATA_PIECE - piece->len;
    lf = memchr(p, '\n', take);
    if (lf)
      take = (size_t)(lf - p) + 1;
    if (!stralloc_catb(piece, p, take))
      return -1;
    buffer_seek(&s->in, take);
    if (lf)
      break;
  }
  return 1;
}

static void
write_all(int fd, const char *p, size_t len, int *failed)
{
  /* Once the child has stopped reading (it refused the header), the
   * rest of DATA is read and dropped; so it is when there is no child
   * (fd -1). */
  if (fd < 0)
    *failed = 1;
  while (len && !*failed) {
    ssize_t w = write(fd, p, len);

    if (w < 0) {
      if (errno == EINTR)
        continue;
      *failed = 1;
      return;
    }
    p += w;
    len -= (size_t)w;
  }
}

/* Copy DATA to fd without the dot stuffing, up to the line ".".
 * 1 when that line came, 0 when the input ended or failed before. */
static int
data_copy(struct session *s, int fd)
{
  stralloc piece = STRALLOC_ZERO;
  int bol = 1, failed = 0, got, done = 0;

  while ((got = data_piece(s, &piece)) == 1) {
    const char *p = piece.s;
    size_t len = piece.len;

    if (bol && p[0] == '.') {
      if ((len == 2 && p[1] == '\n') || (len == 3 && p[1] == '\r'
                                         && p[2] == '\n')) {
        done = 1;
        break;
      }
      ++p;
      --len;
    }
    write_all(fd, p, len, &failed);
    bol = piece.s[piece.len - 1] == '\n';
  }
  stralloc_free(&piece);
  return done;
}

static void
child_inject(struct session *s, int data_fd, int report_fd)
{
  struct inject_options opt;
  char **args;
  size_t pos, i = 0;

  if (dup2(data_fd, 0) == -1 || dup2(report_fd, 1) == -1
      || dup2(report_fd, 2) == -1)
    _exit(111);
  close(data_fd);
  close(report_fd);
  args = calloc(s->rcpt_count + 1, sizeof *args);
  if (!args)
    die_nomem();
  for (pos = 0; pos < s->rcpts.len; pos += strlen(s->rcpts.s + pos) + 1)
    args[i++] = s->rcpts.s + pos;
  args[i] = 0;
  if (!stralloc_0(&s->sender))
    die_nomem();
  memset(&opt, 0, sizeof opt);
  opt.recipients = INJECT_ARGS;
  opt.sender = s->sender.s;
  opt.args = args;
  inject_run(&opt);
}

/* The reply to the final dot, from the child's exit and its message
 * ("PROG: fatal: TEXT"), whose TEXT carries the status code. */
static void
report_reply(struct session *s, int status, stralloc *report)
{
  size_t plen = strlen(errmsg_prog), start = 0, end, i;
  int code;

  if (wait_crashed(status))
    code = 111;
  else
    code = wait_exitcode(status);
  if (code == 0) {
    reply(s, "250 2.0.0 ok: message queued");
    return;
  }
  if (report->len > plen + 9 && !memcmp(report->s, errmsg_prog, plen)
      && !memcmp(report->s + plen, ": fatal: ", 9))
    start = plen + 9;
  for (end = start; end < report->len && report->s[end] != '\n'; ++end)
    if ((unsigned char)report->s[end] < 32)
      report->s[end] = ' ';
  for (i = start; i < end; ++i)
    if (report->s[i] == '\r')
      report->s[i] = ' ';
  if (!buffer_puts(&s->out, code == 100 ? "554 5.0.0 " : "451 4.3.0 "))
    _exit(111);
  if (end > start) {
    if (!buffer_put(&s->out, report->s + start, end - start))
      _exit(111);
  } else if (!buffer_puts(&s->out, "the injector failed (#4.3.0)")) {
    _exit(111);
  }
  reply(s, "");
}

static void
do_data(struct session *s)
{
  int data[2], report[2], status;
  stralloc text = STRALLOC_ZERO;
  pid_t pid;

  if (!s->have_sender) {
    reply(s, "503 5.5.1 MAIL first (#5.5.1)");
    return;
  }
  if (!s->rcpt_count) {
    reply(s, "503 5.5.1 RCPT first (#5.5.1)");
    return;
  }
  if (pipe(data) == -1)
    goto temporary;
  if (pipe(report) == -1) {
    close(data[0]);
    close(data[1]);
    goto temporary;
  }
  reply(s, "354 go ahead, end with a line holding a single dot");
  reply_flush(s);
  pid = fork();
  if (pid == -1) {
    close(data[0]);
    close(data[1]);
    close(report[0]);
    close(report[1]);
    /* The client is sending the message already: read it to its end
     * before answering. */
    if (!data_copy(s, -1))
      _exit(111);
    goto temporary;
  }
  if (pid == 0) {
    close(data[1]);
    close(report[0]);
    child_inject(s, data[0], report[1]);
  }
  close(data[0]);
  close(report[1]);
  if (!data_copy(s, data[1])) {
    /* Killed before it can see the end of its input, the child never
     * gives the queue program an envelope: nothing is queued. */
    kill(pid, SIGKILL);
    close(data[1]);
    close(report[0]);
    wait_pid(pid, &status);
    _exit(111);
  }
  close(data[1]);
  if (!readfile_fd(report[0], &text))
    text.len = 0;
  close(report[0]);
  if (wait_pid(pid, &status) == -1)
    status = 111 << 8;
  report_reply(s, status, &text);
  stralloc_free(&text);
  transaction_reset(s);
  return;

temporary:
  reply(s, "451 4.3.0 unable to start the injector (#4.3.0)");
  transaction_reset(s);
}

void
smtp_serve(void)
{
  static struct session s;
  const char *home = instance_home();

  buffer_init(&s.in, buffer_unixread, 0, 0, s.in_space, sizeof s.in_space);
  buffer_init(&s.out, buffer_unixwrite, 1, 0, s.out_space,
              sizeof s.out_space);
  if (!sig_ignore(SIGPIPE))
    die_sys(111, "unable to ignore SIGPIPE. (#4.3.0)");
  if (chdir(home) == -1 || control_me(&s.host) != 1 || !s.host.len)
    if (!stralloc_copys(&s.host, "localhost"))
      die_nomem();
  if (!stralloc_0(&s.host))
    die_nomem();

  if (!buffer_puts(&s.out, "220 ") || !buffer_puts(&s.out, s.host.s))
    _exit(111);
  reply(&s, " ESMTP sendmail -bs");
  for (;;) {
    int got;

    reply_flush(&s);
    got = data_piece(&s, &s.line);
    if (got == -1)
      _exit(111);
    if (got == 0)
      _exit(0);
    if (s.line.s[s.line.len - 1] != '\n' && s.line.len == DATA_PIECE) {
      /* A command this long is no command: skip to its end. */
      while ((got = data_piece(&s, &s.line)) == 1
             && s.line.s[s.line.len - 1] != '\n')
        ;
      if (got == -1)
        _exit(111);
      reply(&s, "500 5.5.2 line too long (#5.5.2)");
      continue;
    }
    while (s.line.len && (s.line.s[s.line.len - 1] == '\n'
                          || s.line.s[s.line.len - 1] == '\r'))
      --s.line.len;

    if (command_is(&s.line, "HELO")) {
      transaction_reset(&s);
      if (!buffer_puts(&s.out, "250 ") || !buffer_puts(&s.out, s.host.s))
        _exit(111);
      reply(&s, "");
    } else if (command_is(&s.line, "EHLO")) {
      transaction_reset(&s);
      if (!buffer_puts(&s.out, "250-") || !buffer_puts(&s.out, s.host.s))
        _exit(111);
      reply(&s, "");
      reply(&s, "250-PIPELINING");
      reply(&s, "250-8BITMIME");
      reply(&s, "250 SMTPUTF8");
    } else if (command_is(&s.line, "MAIL FROM:")) {
      do_mail(&s);
    } else if (command_is(&s.line, "RCPT TO:")) {
      do_rcpt(&s);
    } else if (command_is(&s.line, "DATA")) {
      do_data(&s);
    } else if (command_is(&s.line, "RSET")) {
      transaction_reset(&s);
      reply(&s, "250 2.0.0 ok");
    } else if (command_is(&s.line, "NOOP")) {
      reply(&s, "250 2.0.0 ok");
    } else if (command_is(&s.line, "VRFY")) {
      reply(&s, "252 2.1.5 send some mail, I will try my best");
    } else if (command_is(&s.line, "HELP")) {
      reply(&s, "214 2.0.0 commands: HELO EHLO MAIL RCPT DATA RSET NOOP "
            "VRFY QUIT");
    } else if (command_is(&s.line, "QUIT")) {
      reply(&s, "221 2.0.0 bye");
      reply_flush(&s);
      _exit(0);
    } else {
      reply(&s, "502 5.5.2 unrecognized command (#5.5.2)");
    }
  }
}
