/* smtpcmd.h -- the parts of an SMTP command line (RFC 5321 section 4.1).
 *
 * The SMTP servers (qmail-smtpd, and later serialsmtp's and
 * qmail-remote's peers in tests) read a command line, strip its line
 * end, and hand the text here.  Nothing is allocated except in the
 * output stralloc of smtpcmd_path, and no input can make these read
 * outside line[0..len).
 *
 * smtpcmd_verb(line, len, &arg)
 *     Which command the line is: the verb is the bytes up to the first
 *     space (or the end, or for MAIL and RCPT the colon of "FROM:" /
 *     "TO:", so "MAIL FROM:<a>" and the sloppy "MAIL FROM: <a>" both
 *     work), compared without regard to case.  Returns one of the
 *     SMTP_ values; SMTP_UNKNOWN for anything else, including a verb
 *     holding a NUL or other control byte.  *arg is set to the offset
 *     of the argument: past the verb and the blanks after it.
 *
 * smtpcmd_path(line, len, arg, keyword, addr, params)
 *     The argument of MAIL or RCPT: keyword ("FROM:" or "TO:", any
 *     case) then a path as address_parse_path() reads it, then ESMTP
 *     parameters separated by blanks.  Known parameters are checked and
 *     stored in params: SIZE=digits (RFC 1870), BODY=7BIT or 8BITMIME
 *     (RFC 6152), AUTH=xtext (RFC 4954: recorded as present, its value
 *     not used), SMTPUTF8 (RFC 6531, recorded).  Returns 1, or 0 with
 *     errno:
 *       EINVAL     no keyword, a malformed path, a malformed parameter
 *                  (params->bad names it, as far as it has a name;
 *                  known or not, a parameter's name must be an RFC
 *                  5321 esmtp-keyword), a NUL or control byte
 *       EMSGSIZE   the address exceeds ADDRESS_MAX
 *       ENOTSUP    a parameter this module does not know (params->bad)
 *       ERANGE     SIZE= larger than an unsigned long
 *       ENOMEM
 *     addr receives the plain address (empty for <>).
 */
#ifndef SMTPCMD_H
#define SMTPCMD_H

#include <stddef.h>

#include "stralloc.h"

enum smtp_verb {
  SMTP_UNKNOWN, SMTP_HELO, SMTP_EHLO, SMTP_MAIL, SMTP_RCPT, SMTP_DATA,
  SMTP_RSET, SMTP_NOOP, SMTP_QUIT, SMTP_HELP, SMTP_VRFY, SMTP_EXPN,
  SMTP_STARTTLS, SMTP_AUTH, SMTP_BDAT
};

#define SMTPCMD_BODY_NONE 0
#define SMTPCMD_BODY_7BIT 1
#define SMTPCMD_BODY_8BITMIME 2

struct smtpcmd_params {
  int has_size;
  unsigned long size;
  int body;              /* SMTPCMD_BODY_ */
  int has_auth;
  int smtputf8;
  char bad[32];          /* the offending parameter's name, for replies */
};

enum smtp_verb smtpcmd_verb(const char *line, size_t len, size_t *arg);
int smtpcmd_path(const char *line, size_t len, size_t arg,
                 const char *keyword, stralloc *addr,
                 struct smtpcmd_params *params);

#endif
