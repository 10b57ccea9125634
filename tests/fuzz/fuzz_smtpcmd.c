/* fuzz_smtpcmd -- libFuzzer target for the SMTP command parser
 * (smtpcmd.h) and, under it, the path parser of address.h.
 *
 * The input is split into lines at LF, a CR before the LF dropped, as
 * qmail-smtpd hands them over; the whole input is also taken as one
 * line (a parser must cope with any bytes, LF included).  Each line
 * goes to smtpcmd_verb; a MAIL line then goes to smtpcmd_path with
 * "FROM:", a RCPT line with "TO:".  Beyond "no crash, no leak, no
 * undefined behaviour" it checks what smtpcmd.h promises:
 *   - the argument offset lies within the line, after the verb and only
 *     blanks, and a known verb is its name in some case, without any
 *     control byte;
 *   - a path that parses is at most ADDRESS_MAX bytes and holds no
 *     control byte; the parameters are in range and none is named bad;
 *     quoting the address (address_quote) and parsing it again gives
 *     the same bytes;
 *   - a refusal sets errno to one of EINVAL, EMSGSIZE, ENOTSUP, ERANGE,
 *     ENOMEM; ENOTSUP and ERANGE only with a parameter after the path,
 *     ENOTSUP naming it in params.bad, which is always printable.
 * Built and run by tests/integration/fuzz.sh from the seeds in
 * tests/fuzz/corpus/smtpcmd/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "caseless.h"
#include "smtpcmd.h"
#include "stralloc.h"

static const char *const names[] = {
  0, "HELO", "EHLO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "HELP",
  "VRFY", "EXPN", "STARTTLS", "AUTH", "BDAT"
};

static int
is_control(char c)
{
  return (unsigned char)c < 32 || (unsigned char)c == 127;
}

static int
is_blank(char c)
{
  return c == ' ' || c == '\t';
}

static void
check_bad_name(const struct smtpcmd_params *p)
{
  size_t i;

  for (i = 0; i < sizeof p->bad && p->bad[i]; ++i)
    if ((unsigned char)p->bad[i] < 33 || (unsigned char)p->bad[i] > 126)
      abort();
  if (i == sizeof p->bad)
    abort();
}

static void
check_path(const char *line, size_t len, size_t arg, const char *keyword)
{
  struct smtpcmd_params params;
  stralloc addr = STRALLOC_ZERO, again = STRALLOC_ZERO, quoted = STRALLOC_ZERO;
  struct smtpcmd_params params2;
  size_t i;

  errno = 0;
  if (smtpcmd_path(line, len, arg, keyword, &addr, &params)) {
    if (addr.len > ADDRESS_MAX)
      abort();
    for (i = 0; i < addr.len; ++i)
      if (is_control(addr.s[i]))
        abort();
    if (params.body != SMTPCMD_BODY_NONE && params.body != SMTPCMD_BODY_7BIT
        && params.body != SMTPCMD_BODY_8BITMIME)
      abort();
    if ((params.has_size != 0 && params.has_size != 1)
        || (!params.has_size && params.size != 0) || params.bad[0])
      abort();
    /* the address in its SMTP form reads back as the same bytes */
    if (!stralloc_copys(&quoted, keyword) || !stralloc_append(&quoted, '<')
        || !address_quote(&quoted, addr.s, addr.len)
        || !stralloc_append(&quoted, '>'))
      abort();
    if (!smtpcmd_path(quoted.s, quoted.len, 0, keyword, &again, &params2)
        || again.len != addr.len
        || (addr.len && memcmp(again.s, addr.s, addr.len) != 0))
      abort();
  } else {
    switch (errno) {
    case EINVAL: case EMSGSIZE: case ENOMEM:
      break;
    case ENOTSUP:
      if (!params.bad[0])
        abort();
      break;
    case ERANGE:
      if (strlen(params.bad) != 4 || !case_equalb(params.bad, "SIZE", 4))
        abort();
      break;
    default:
      abort();
    }
    check_bad_name(&params);
  }
  stralloc_free(&addr);
  stralloc_free(&again);
  stralloc_free(&quoted);
}

static void
check_line(const char *line, size_t len)
{
  size_t arg = (size_t)-1, end, i;
  enum smtp_verb verb = smtpcmd_verb(line, len, &arg);

  if (arg > len || (int)verb < SMTP_UNKNOWN || verb > SMTP_BDAT)
    abort();
  end = arg;
  while (end > 0 && is_blank(line[end - 1]))
    --end;
  if (arg < len && is_blank(line[arg]))
    abort();
  for (i = 0; i < end; ++i)
    if (is_blank(line[i]))
      abort();
  if (verb != SMTP_UNKNOWN) {
    if (strlen(names[verb]) != end || !case_equalb(line, names[verb], end))
      abort();
    for (i = 0; i < end; ++i)
      if (is_control(line[i]))
        abort();
  }
  if (verb == SMTP_MAIL)
    check_path(line, len, arg, "FROM:");
  else if (verb == SMTP_RCPT)
    check_path(line, len, arg, "TO:");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;
  size_t pos = 0;

  while (pos < size) {
    const char *nl = memchr(s + pos, '\n', size - pos);
    size_t len = nl ? (size_t)(nl - (s + pos)) : size - pos;
    size_t cut = len;

    if (cut && s[pos + cut - 1] == '\r')
      --cut;
    check_line(s + pos, cut);
    pos += len + 1;
  }
  check_line(s, size);
  return 0;
}
