/* qmail-rspawn -- run remote deliveries for qmail-send.
 *
 * Started by qmail-start as qmailr.  For every request from qmail-send
 * (see spawn.h) it runs
 *
 *   qmail-remote host sender recipient
 *
 * from HOME/bin with the message on fd 0, host being the recipient's
 * domain, and turns qmail-remote's report (a line r, h or s for the
 * recipient, then K, Z or D for the message, each a letter, a text and a
 * NUL byte; see qmail-remote(8)) into the result qmail-send expects:
 *   r then K             delivered, with the K text
 *   h, or r then D, or D alone    permanent failure, with that text
 *   s, or r then Z, or Z alone    temporary failure, with that text
 * A report that is cut short or makes no sense, or an exit code other
 * than 0, is a temporary failure.  Until qmail-remote is installed every
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
  stralloc prog = STRALLOC_ZERO;
  char *argv[5];

  if (!at || !at[1])
    spawn_fail(100, "Recipient address has no domain. (#5.1.3)");
  if (!stralloc_copys(&prog, instance_home())
      || !stralloc_cats(&prog, "/bin/qmail-remote") || !stralloc_0(&prog))
    spawn_fail(111, "Out of memory. (#4.3.0)");
  argv[0] = "qmail-remote";
  argv[1] = (char *)at + 1;
  argv[2] = (char *)req->sender;
  argv[3] = (char *)req->recipient;
  argv[4] = 0;
  execv(prog.s, argv);
  spawn_fail(111, "qmail-remote is not installed yet, so remote delivery "
             "is deferred; the message stays queued. (#4.3.0)");
}

/* Move the text of the line at line (up to a NUL or the end of the
 * report) to the front of report; returns the result letter. */
static char
keep(char result, char *report, size_t *len, const char *line)
{
  size_t n = 0;

  while (line + n < report + *len && line[n])
    ++n;
  memmove(report, line, n);
  *len = n;
  return result;
}

static char
interpret(int exitcode, char *report, size_t *len)
{
  static const char garbled[] = "qmail-remote gave no report that makes "
    "sense; the message stays queued. (#4.3.0)";
  const char *recipient = 0, *message = 0;
  size_t i = 0;

  if (exitcode != 0)
    return 'Z';
  /* at most one recipient line, then the message line */
  while (i < *len && !message) {
    const char *line = report + i;
    const char *nul = memchr(line, 0, *len - i);

    /* a message line cut at the report's size still counts */
    if (!nul && recipient && (*line == 'K' || *line == 'Z' || *line == 'D')) {
      message = line;
      break;
    }
    if (!nul)
      break;
    if (!recipient && (*line == 'r' || *line == 'h' || *line == 's'))
      recipient = line;
    else if (*line == 'K' || *line == 'Z' || *line == 'D')
      message = line;
    else
      break;
    i = (size_t)(nul - report) + 1;
  }
  if (!message) {
    if (recipient && *recipient != 'r')
      return keep(*recipient == 'h' ? 'D' : 'Z', report, len, recipient + 1);
    memcpy(report, garbled, sizeof garbled - 1);
    *len = sizeof garbled - 1;
    return 'Z';
  }
  if (recipient && *recipient == 'h')
    return keep('D', report, len, recipient + 1);
  if (recipient && *recipient == 's')
    return keep('Z', report, len, recipient + 1);
  if (*message == 'K' && !recipient) {
    memcpy(report, garbled, sizeof garbled - 1);
    *len = sizeof garbled - 1;
    return 'Z';
  }
  return keep(*message, report, len, message + 1);
}

int
main(void)
{
  errmsg_init("qmail-rspawn");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter the home directory. (#4.3.0)");
  return spawn_main_interpret(run_remote, interpret);
}
