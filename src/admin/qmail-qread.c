/* qmail-qread -- list the messages in the queue.
 *
 * Usage: qmail-qread
 *
 * For every message, in order of message id, one line
 *     DATE #ID SIZE <SENDER>
 * followed by one line per recipient, as described in queueview.h and
 * qmail-qread.8.  Messages not yet preprocessed by qmail-send are
 * listed with their envelope from todo/ and marked so.
 *
 * Run by root (it then becomes qmails) or by qmails: info/, local/ and
 * remote/ are readable by qmails only.  Honours $QMAILHOME (instances).
 * It only reads the queue, so it is safe while qmail-send runs.
 *
 * Exit codes: 0 listed; 100 usage error; 111 the queue could not be
 * read (wrong user, missing directories), or some message could not be
 * read (the others are listed, the problem is named on stderr).
 */
#include "buffer.h"
#include "errmsg.h"
#include "queueview.h"

int
main(int argc, char **argv)
{
  errmsg_init("qmail-qread");
  (void)argv;
  if (argc > 1)
    die(100, "usage: qmail-qread");
  queueview_enter(1);
  return queueview_list(buffer_1, QUEUEVIEW_SHOW_ALL) ? 0 : 111;
}
