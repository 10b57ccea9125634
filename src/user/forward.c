/* forward -- forward the message to other addresses.
 *
 * Usage (in a .qmail file): |forward address...
 *
 * Runs as the recipient under qmail-local.  Queues the message on
 * standard input to the addresses, with envelope sender $NEWSENDER and
 * $DTLINE in front (so qmail-local's Delivered-To check catches loops).
 *
 * Exit codes: 0 queued; 100 permanent failure (no address, NEWSENDER
 * unset, the queue refused the message for good); 111 temporary failure.
 */
#include "errmsg.h"
#include "usermsg.h"

int
main(int argc, char **argv)
{
  errmsg_init("forward");
  if (argc < 2)
    die(100, "usage: forward address ...");
  return usermsg_forward(argv + 1, argc - 1);
}
