/* qmail-qstat -- summarise the queue.
 *
 * Usage: qmail-qstat
 *
 * Prints two lines:
 *     messages in queue: N
 *     messages in queue but not yet preprocessed: M
 * N counts the message files in mess/ (every message from the moment
 * qmail-queue starts writing it until qmail-clean removes it), M the
 * envelopes in todo/ that qmail-send has not yet preprocessed.
 *
 * Needs read access to mess/ and todo/: root (it then becomes qmails),
 * qmails, or any member of group qmail.  Honours $QMAILHOME.  It only
 * reads directories, so it is safe while qmail-send runs.
 *
 * Exit codes: 0 done; 100 usage error; 111 the queue could not be read.
 */
#include <errno.h>

#include "buffer.h"
#include "errmsg.h"
#include "fmt.h"
#include "qconf.h"
#include "queueview.h"

static unsigned long
count(const char *dir)
{
  struct queueview_ids ids = QUEUEVIEW_IDS_ZERO;
  stralloc failed = STRALLOC_ZERO;
  unsigned long n;

  if (!queueview_scan(&ids, dir, CONF_QUEUE_SPLIT, &failed)) {
    if (errno == ENOMEM)
      die_nomem();
    queueview_die_read(failed.s);
  }
  n = (unsigned long)ids.len;
  queueview_ids_free(&ids);
  stralloc_free(&failed);
  return n;
}

static void
put_count(const char *label, unsigned long n)
{
  char number[FMT_ULONG];

  buffer_puts(buffer_1, label);
  buffer_put(buffer_1, number, fmt_ulong(number, n));
  buffer_puts(buffer_1, "\n");
}

int
main(int argc, char **argv)
{
  unsigned long messages, todo;

  errmsg_init("qmail-qstat");
  (void)argv;
  if (argc > 1)
    die(100, "usage: qmail-qstat");
  queueview_enter(0);
  messages = count("mess");
  todo = count("todo");
  put_count("messages in queue: ", messages);
  put_count("messages in queue but not yet preprocessed: ", todo);
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write the output");
  return 0;
}
