/* datemail -- sendmail that puts the local date into the message.
 *
 * Usage: datemail [sendmail options] [recipient...]
 *
 * Run by any user, in place of sendmail, where the sender wants the
 * Date: field in its own time zone rather than the one qmail-inject
 * would write.  Puts "Date: " and the current local date (TZ) in front
 * of standard input and gives the result, with all arguments unchanged,
 * to sendmail (HOME/bin/sendmail, HOME being the configured home or
 * $QMAILHOME).  A message that has a Date: field already ends up with
 * two; use datemail only for messages without one.
 *
 * Exit codes: sendmail's; 111 when it cannot be run.
 */
#include <time.h>

#include "date822.h"
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
  int code;

  (void)argc;
  errmsg_init("datemail");
  if (!stralloc_copys(&header, "Date: ")
      || !date822_fmt_local(&header, time(0))
      || !stralloc_cats(&header, "\n") || !stralloc_0(&header))
    die_sys(111, "unable to format the date. (#4.3.0)");
  if (!stralloc_copys(&program, instance_home())
      || !stralloc_cats(&program, "/bin/sendmail")
      || !stralloc_0(&program))
    die_nomem();
  argv[0] = program.s;
  prefix[0] = header.s;
  code = usermsg_pipe(argv, prefix, 1);
  return code < 0 ? 111 : code;
}
