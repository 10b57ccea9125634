/* qmail-rspawn -- run remote deliveries for qmail-send.
 *
 * Started by qmail-start as qmailr.  For every request from qmail-send
 * (see spawn.h) it runs
 *
 *   qmail-remote host sender recipient
 *
 * from HOME/bin with the message on fd 0, host being the recipient's
 * domain.  Until qmail-remote is installed every remote delivery is
 * deferred with a log line saying so; nothing is lost, and the messages
 * go out once it exists.
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

int
main(void)
{
  errmsg_init("qmail-rspawn");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter the home directory. (#4.3.0)");
  return spawn_main(run_remote);
}
