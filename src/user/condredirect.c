/* condredirect -- forward the message elsewhere if a program says so.
 *
 * Usage (in a .qmail file): |condredirect newaddress program [arg...]
 *
 * Runs as the recipient under qmail-local, with the message on standard
 * input (a file).  Runs program with the message on its standard input.
 *   program exits 0:        the message is forwarded to newaddress (as
 *                           forward does: sender $NEWSENDER, $DTLINE in
 *                           front) and condredirect exits 99, so
 *                           qmail-local skips the rest of the .qmail file;
 *   program exits 111, is killed, or cannot be run: exit 111 (retry later);
 *   program exits anything else (1, 100, ...): exit 0, delivery goes on
 *                           with the next line.
 * A failure to forward exits 100 or 111 as forward does.
 */
#include "errmsg.h"
#include "usermsg.h"

int
main(int argc, char **argv)
{
  int code;

  errmsg_init("condredirect");
  if (argc < 3)
    die(100, "usage: condredirect newaddress program [arg ...]");
  code = usermsg_run(argv + 2, 0);
  if (code < 0 || code == 111)
    return 111;
  if (code != 0)
    return 0;
  usermsg_rewind();
  code = usermsg_forward(argv + 1, 1);
  return code == 0 ? 99 : code;
}
