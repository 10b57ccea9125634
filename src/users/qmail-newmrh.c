/* qmail-newmrh -- compile HOME/control/morercpthosts into
 * HOME/control/morercpthosts.cdb.
 *
 * Usage: qmail-newmrh
 *
 * Run by the administrator (as root on an installed system, as the
 * instance user in an instance) after every change to
 * control/morercpthosts, the long list of domains qmail-smtpd accepts
 * mail for besides those in control/rcpthosts.  The list is read as
 * every control list is (control.h: lines starting with '#' and empty
 * lines skipped, trailing blanks removed); each domain is lowercased
 * and becomes a key with empty data, qmail's layout, so qmail 1.03's
 * qmail-smtpd can read the database and this one can read qmail's.
 *
 * The database is written to control/morercpthosts.tmp, synced and
 * renamed onto control/morercpthosts.cdb only when all of it was
 * written: a reader sees the old database or the complete new one, and
 * a failure leaves the old one in place.
 *
 * Exit codes: 0 done; 100 usage; 111 for every other failure (the list
 * missing or unreadable, the database unwritable, out of memory), with
 * a message naming the file.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "caseless.h"
#include "constdb.h"
#include "control.h"
#include "errmsg.h"
#include "instance.h"
#include "stralloc.h"

#define LIST "control/morercpthosts"
#define CDB "control/morercpthosts.cdb"
#define TMP "control/morercpthosts.tmp"

int
main(int argc, char **argv)
{
  struct constdb_make maker;
  stralloc list = STRALLOC_ZERO;
  size_t pos;
  int r;

  (void)argv;
  errmsg_init("qmail-newmrh");
  if (argc != 1)
    die(100, "usage: qmail-newmrh");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter ", instance_home());

  r = control_readlist(&list, LIST);
  if (r == 0)
    die(111, "unable to read " LIST ": it does not exist (an empty file "
        "makes an empty database); " CDB " is unchanged");
  if (r < 0) {
    if (errno == EINVAL)
      die(111, "unable to read " LIST ": it holds a NUL byte or is not a "
          "regular file; " CDB " is unchanged");
    die_sys(111, "unable to read " LIST " (" CDB " is unchanged)");
  }
  case_lowerb(list.s, list.len);

  if (!constdb_make_start(&maker, CDB, TMP, 0644))
    die_sys(111, "unable to create " TMP);
  for (pos = 0; pos < list.len; ) {
    size_t len = strlen(list.s + pos);

    if (!constdb_make_add(&maker, list.s + pos, len, "", 0)) {
      int err = errno;

      constdb_make_abort(&maker);
      errno = err;
      die_sys(111, "unable to write " TMP " (" CDB " is unchanged)");
    }
    pos += len + 1;
  }
  if (!constdb_make_finish(&maker))
    die_sys(111, "unable to finish " CDB);
  stralloc_free(&list);
  return 0;
}
