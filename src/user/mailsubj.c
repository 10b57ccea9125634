/* mailsubj -- send standard input as a message with a given subject.
 *
 * Usage: mailsubj subject recipient...
 *
 * Run by any user.  Writes a header with "Subject: subject" and
 * "To: recipient, ..." in front of standard input and gives the result
 * to qmail-inject (HOME/bin/qmail-inject, HOME being the configured
 * home or $QMAILHOME) with the recipients as arguments; qmail-inject
 * adds From:, Date: and Message-ID: and queues the message.  Line ends
 * in subject become spaces.
 *
 * Exit codes: qmail-inject's (0 queued, 100 permanent, 111 temporary);
 * 100 for a usage error, 111 when qmail-inject cannot be run.
 */
#include "errmsg.h"
#include "instance.h"
#include "stralloc.h"
#include "usermsg.h"

int
main(int argc, char **argv)
{
  stralloc header = STRALLOC_ZERO;
  stralloc program = STRALLOC_ZERO;
  const char *prefix[1];
  size_t start;
  int i, code;

  errmsg_init("mailsubj");
  if (argc < 3)
    die(100, "usage: mailsubj subject recipient ...");
  if (!stralloc_copys(&header, "Subject: "))
    die_nomem();
  start = header.len;
  if (!stralloc_cats(&header, argv[1]))
    die_nomem();
  for (i = (int)start; i < (int)header.len; ++i)
    if (header.s[i] == '\n' || header.s[i] == '\r')
      header.s[i] = ' ';
  if (!stralloc_cats(&header, "\nTo: "))
    die_nomem();
  for (i = 2; i < argc; ++i)
    if ((i > 2 && !stralloc_cats(&header, ", "))
        || !stralloc_cats(&header, argv[i]))
      die_nomem();
  if (!stralloc_cats(&header, "\n\n") || !stralloc_0(&header))
    die_nomem();
  if (!stralloc_copys(&program, instance_home())
      || !stralloc_cats(&program, "/bin/qmail-inject")
      || !stralloc_0(&program))
    die_nomem();
  argv[1] = program.s;
  prefix[0] = header.s;
  code = usermsg_pipe(argv + 1, prefix, 1);
  return code < 0 ? 111 : code;
}
