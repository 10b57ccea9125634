/* qreceipt -- answer requests for a delivery receipt.
 *
 * Usage (in a .qmail file): |qreceipt youraddress
 *
 * Runs as the recipient under qmail-local, with the message on standard
 * input.  When the message's header has a Notice-Requested-Upon-
 * Delivery-To: field listing youraddress (compared without regard to
 * case), qreceipt queues a short receipt to the envelope sender $SENDER
 * saying that the message reached youraddress, with the message's
 * header quoted.  The receipt goes out with an empty envelope sender, as
 * bounces do, so that it can never cause another receipt or a bounce
 * loop.  Nothing is sent for a message without such a request, or with
 * an empty sender (a bounce) or the double-bounce sender #@[].
 *
 * Exit codes: 0 done (a receipt queued, or none wanted; a receipt the
 * queue refused for good is reported on standard error and ignored);
 * 100 usage error; 111 temporary failure (receipt not queued yet).
 */
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "addrlist.h"
#include "buffer.h"
#include "date822.h"
#include "env.h"
#include "errmsg.h"
#include "header.h"
#include "qmailqueue.h"
#include "sig.h"
#include "stralloc.h"

#define HEADER_MAX 65536

/* Does the field s[0..len) (name included) list addr? */
static int
field_lists(const char *s, size_t len, const char *addr)
{
  struct addrlist al;
  stralloc one = STRALLOC_ZERO;
  size_t body = header_field_name(s, len, 0);
  int found = 0;

  addrlist_init(&al, s + body, len - body);
  while (addrlist_next(&al, &one, 0) == 1)
    if (one.len == strlen(addr) && !strncasecmp(one.s, addr, one.len)) {
      found = 1;
      break;
    }
  stralloc_free(&one);
  return found;
}

int
main(int argc, char **argv)
{
  stralloc head = STRALLOC_ZERO, field = STRALLOC_ZERO, line = STRALLOC_ZERO;
  stralloc date = STRALLOC_ZERO;
  struct qmailqueue qq;
  const char *me, *sender;
  int wanted = 0, r, code;

  errmsg_init("qreceipt");
  if (argc != 2 || !argv[1][0])
    die(100, "usage: qreceipt youraddress");
  me = argv[1];
  sender = env_get("SENDER");
  if (!sender)
    die(111, "SENDER is not set: run me from a .qmail file. (#4.3.0)");

  for (;;) {
    line.len = 0;
    r = buffer_getline(buffer_0, &line, '\n');
    if (r == -1)
      die_sys(111, "unable to read the message. (#4.3.0)");
    if (line.len && (line.s[0] == ' ' || line.s[0] == '\t')) {
      if (!stralloc_cat(&field, &line))
        die_nomem();
    } else {
      if (field.len && header_is(field.s, field.len,
                                 "Notice-Requested-Upon-Delivery-To")
          && field_lists(field.s, field.len, me))
        wanted = 1;
      if (!stralloc_copy(&field, &line))
        die_nomem();
    }
    if (r == 0 || line.len <= 1 || (line.len == 2 && line.s[0] == '\r'))
      break;
    if (head.len < HEADER_MAX && !stralloc_cat(&head, &line))
      die_nomem();
  }
  if (!wanted || !*sender || !strcmp(sender, "#@[]"))
    return 0;

  if (!date822_fmt(&date, time(0)))
    die_sys(111, "unable to format the date. (#4.3.0)");
  sig_ignore(SIGPIPE);
  if (!qmailqueue_open(&qq))
    die_sys(111, "unable to run the queue program. (#4.3.0)");
  qmailqueue_puts(&qq, "From: ");
  qmailqueue_puts(&qq, me);
  qmailqueue_puts(&qq, "\nTo: ");
  qmailqueue_puts(&qq, sender);
  qmailqueue_puts(&qq, "\nSubject: delivery receipt\nDate: ");
  qmailqueue_put(&qq, date.s, date.len);
  qmailqueue_puts(&qq, "\nAuto-Submitted: auto-replied\n\n");
  qmailqueue_puts(&qq, "Your message has been delivered to ");
  qmailqueue_puts(&qq, me);
  qmailqueue_puts(&qq, ",\nwhich asked for this receipt.  Its header"
                  " follows.\n\n");
  qmailqueue_put(&qq, head.s, head.len);
  qmailqueue_from(&qq, "");
  qmailqueue_to(&qq, sender);
  code = qmailqueue_close(&qq);
  if (code == 0)
    return 0;
  if (qmailqueue_permanent(code)) {
    warn("receipt refused: ", qmailqueue_text(code));
    return 0;
  }
  die(111, "unable to queue the receipt: ", qmailqueue_text(code));
}
