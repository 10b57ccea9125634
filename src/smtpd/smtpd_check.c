/* smtpd_check.c -- the recipient check at RCPT (rcptcheck.h).
 *
 * Off by default; control/rcptcheck or $RCPTCHECK turns it on.  A
 * recipient in a local domain that local delivery would certainly
 * refuse is answered 550 at once, so no bounce is ever sent for it to a
 * sender who may be forged.  What qmaild cannot read is accepted.
 */
#include "instance.h"
#include "rcptcheck.h"
#include "smtpd.h"

static struct rcptcheck check = RCPTCHECK_ZERO;

int
smtpd_check_init(struct smtpd *s)
{
  if (!rcptcheck_init(&check, instance_home()))
    return 0;
  s->rcptcheck = &check;
  return 1;
}

int
smtpd_check(struct smtpd *s, const char *addr, size_t len, stralloc *why)
{
  return rcptcheck_address(s->rcptcheck, addr, len, why);
}
