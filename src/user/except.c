/* except -- run a program and turn its success into a bounce.
 *
 * Usage (in a .qmail file): |except program [arg...]
 *
 * Runs program with this process's input, output and environment, and
 * exits with its code mapped as follows:
 *   0                  -> 100  (success becomes a permanent failure)
 *   100                -> 0    (a permanent failure becomes success)
 *   111, killed, cannot be run -> 111  (temporary failures stay so)
 *   any other code     -> unchanged
 * Typical use: |except condition-program, to bounce mail the condition
 * accepts; what the program prints goes into the bounce.
 */
#include "errmsg.h"
#include "usermsg.h"

int
main(int argc, char **argv)
{
  int code;

  errmsg_init("except");
  if (argc < 2)
    die(100, "usage: except program [arg ...]");
  code = usermsg_run(argv + 1, 0);
  if (code < 0)
    return 111;
  if (code == 0)
    return 100;
  if (code == 100)
    return 0;
  return code;
}
