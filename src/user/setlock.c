/* setlock -- run a program while holding a lock on a file.
 *
 * Usage: setlock [-nNxX] file program [arg...]
 *
 * Opens file for appending (creating it, mode 0600, when it is not
 * there), takes an exclusive flock(2) lock on it and replaces itself
 * with program, which inherits the open file and with it the lock: the
 * lock lasts until program and every child it gave the descriptor to
 * have exited.  Two cron jobs started under the same lock file thus
 * never run at once (the dial-up flush: setlock /var/lock/spool
 * maildirsmtp ...).
 *
 *   -N  wait while another process holds the lock (the default)
 *   -n  do not wait: give up when the lock is held
 *   -X  when the file cannot be opened or locked, say why and exit 111
 *       (the default)
 *   -x  when the file cannot be opened or locked, exit 0 quietly, as
 *       if program had run and succeeded
 *
 * Exit codes: program's own once it runs; 111 (or 0 with -x) when the
 * lock cannot be had; 111 when program cannot be run; 100 on a usage
 * error.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "errmsg.h"
#include "lock.h"

int
main(int argc, char **argv)
{
  int wait = 1, quiet = 0;
  int fd, ok, i;

  errmsg_init("setlock");
  for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    const char *p = argv[i] + 1;

    if (p[0] == '-' && !p[1]) {   /* "--" ends the options */
      ++i;
      break;
    }
    for (; *p; ++p)
      switch (*p) {
      case 'n': wait = 0; break;
      case 'N': wait = 1; break;
      case 'x': quiet = 1; break;
      case 'X': quiet = 0; break;
      default:
        die(100, "usage: setlock [-nNxX] file program [arg...]");
      }
  }
  if (argc - i < 2)
    die(100, "usage: setlock [-nNxX] file program [arg...]");

  do
    fd = open(argv[i], O_WRONLY | O_APPEND | O_CREAT | O_NOCTTY, 0600);
  while (fd == -1 && errno == EINTR);
  if (fd == -1) {
    if (quiet)
      return 0;
    die_sys(111, "unable to open ", argv[i]);
  }
  ok = wait ? lock_ex(fd) : lock_exnb(fd);
  if (!ok) {
    if (quiet)
      return 0;
    if (errno == EWOULDBLOCK)
      die(111, "unable to lock ", argv[i], ": held by another process");
    die_sys(111, "unable to lock ", argv[i]);
  }
  /* fd stays open across the exec: the lock goes with it */
  execvp(argv[i + 1], argv + i + 1);
  die_sys(111, "unable to run ", argv[i + 1]);
}
