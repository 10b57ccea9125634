/* smtpd_auth.c -- INTERIM: AUTH is being written. */
#include "smtpd.h"

int
smtpd_auth_offered(const struct smtpd *s)
{
  (void)s;
  return 0;
}

void
smtpd_auth(struct smtpd *s, size_t arg)
{
  (void)arg;
  smtpd_reply(s, "502 unimplemented (#5.5.1)");
}
