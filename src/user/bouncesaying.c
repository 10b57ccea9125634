/* bouncesaying -- bounce the message with an explanation.
 *
 * Usage (in a .qmail file): |bouncesaying error [program [arg...]]
 *
 * Runs as the recipient under qmail-local.  Without a program it prints
 * error (which qmail-local puts into the bounce) and exits 100.  With
 * one it first runs program with the message on its standard input:
 *   program exits 0:    print error, exit 100 (bounce);
 *   program exits 111, is killed, or cannot be run: exit 111 (retry);
 *   anything else:      exit 0 (delivery goes on with the next line).
 */
#include <unistd.h>

#include "buffer.h"
#include "errmsg.h"
#include "usermsg.h"

static void __attribute__((noreturn))
bounce(const char *error)
{
  buffer_puts(buffer_1, error);
  buffer_putsflush(buffer_1, "\n");
  _exit(100);
}

int
main(int argc, char **argv)
{
  int code;

  errmsg_init("bouncesaying");
  if (argc < 2)
    die(100, "usage: bouncesaying error [program [arg ...]]");
  if (argc == 2)
    bounce(argv[1]);
  code = usermsg_run(argv + 2, 0);
  if (code < 0 || code == 111)
    return 111;
  if (code == 0)
    bounce(argv[1]);
  return 0;
}
