/* qmail-rspawn -- run remote deliveries for qmail-send.
 *
 * Started by qmail-start as qmailr.  For every request from qmail-send
 * (see spawn.h; up to SPAWN_RCPT_MAX recipients of one message, all at
 * one domain) it runs
 *
 *   qmail-remote host sender recipient [recipient ...]
 *
 * from HOME/bin with the message on fd 0, host being the first
 * recipient's domain, and turns qmail-remote's report (a line r, h or s
 * per recipient in order, then K, Z or D for the message, each a letter,
 * a text and a NUL byte; see qmail-remote(8)) into one result per
 * recipient for qmail-send:
 *   r and the message K     delivered, with the K text
 *   h, or r and D, or D alone     permanent failure, with that text
 *   s, or r and Z, or Z alone     temporary failure, with that text
 * A recipient whose line is missing, or whose r has no message line
 * after it, and every recipient when qmail-remote exits with a code
 * other than 0, fails temporarily.  Until qmail-remote is installed every
 * remote delivery is deferred with a log line saying so; nothing is
 * lost, and the messages go out once it exists.
 *
 * Exit codes: 0 at end of input, 111 when requests cannot be read.
 */
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "instance.h"
#include "spawn.h"
#include "stralloc.h"

static void
run_remote(const struct spawn_request *req)
{
  const char *at = strrchr(req->recipient, '@');
  static stralloc prog = STRALLOC_ZERO;   /* reused: spawn_exec does not return */
  char *argv[SPAWN_RCPT_MAX + 4];
  size_t i;

  if (!at || !at[1])
    spawn_fail(100, "Recipient address has no domain. (#5.1.3)");
  if (!stralloc_copys(&prog, instance_home())
      || !stralloc_cats(&prog, "/bin/qmail-remote") || !stralloc_0(&prog))
    spawn_fail(111, "Out of memory. (#4.3.0)");
  argv[0] = "qmail-remote";
  argv[1] = (char *)at + 1;
  argv[2] = (char *)req->sender;
  for (i = 0; i < req->count; ++i)
    argv[3 + i] = (char *)req->recipients[i];
  argv[3 + i] = 0;
  spawn_exec(prog.s, argv);
  spawn_fail(111, "qmail-remote is not installed yet, so remote delivery "
             "is deferred; the message stays queued. (#4.3.0)");
}

static void
set(struct spawn_outcome *o, char status, const char *text, size_t len)
{
  o->status = status;
  o->text = text;
  o->len = len;
}

static void
set_all(struct spawn_outcome *out, size_t count, char status, const char *text,
        size_t len)
{
  size_t i;

  for (i = 0; i < count; ++i)
    set(&out[i], status, text, len);
}

static void
interpret(int exitcode, const char *report, size_t len,
          struct spawn_outcome *out, size_t count)
{
  static const char garbled[] = "qmail-remote gave no report that makes "
    "sense; the message stays queued. (#4.3.0)";
  const char *line[SPAWN_RCPT_MAX];
  size_t lines = 0, i = 0, n;
  const char *message = 0, *message_end = 0;

  if (exitcode != 0) {
    const char *nul = memchr(report, 0, len);

    set_all(out, count, 'Z', report, nul ? (size_t)(nul - report) : len);
    return;
  }
  /* up to count recipient lines, then the message line */
  while (i < len) {
    const char *l = report + i;
    const char *nul = memchr(l, 0, len - i);
    const char *end = nul ? nul : report + len;

    if (lines < count && (*l == 'r' || *l == 'h' || *l == 's') && nul) {
      line[lines++] = l;
    } else if (*l == 'K' || *l == 'Z' || *l == 'D') {
      /* a message line cut at the report's size still counts */
      message = l;
      message_end = end;
      break;
    } else {
      break;
    }
    i = (size_t)(end - report) + 1;
  }
  if (message && lines == 0 && *message != 'K') {
    /* nothing decided per recipient: the message's result for all */
    set_all(out, count, *message, message + 1,
            (size_t)(message_end - message - 1));
    return;
  }
  for (n = 0; n < count; ++n) {
    const char *l = n < lines ? line[n] : 0;
    size_t tlen = l ? strlen(l + 1) : 0;

    if (l && *l == 'h')
      set(&out[n], 'D', l + 1, tlen);
    else if (l && *l == 's')
      set(&out[n], 'Z', l + 1, tlen);
    else if (l && message && lines == count)
      set(&out[n], *message, message + 1, (size_t)(message_end - message - 1));
    else
      set(&out[n], 'Z', garbled, sizeof garbled - 1);
  }
}

int
main(void)
{
  errmsg_init("qmail-rspawn");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter the home directory. (#4.3.0)");
  return spawn_main_interpret(run_remote, interpret);
}
