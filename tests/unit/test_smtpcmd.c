/* test_smtpcmd -- the SMTP command parser (smtpcmd.h): verbs in any
 * case and their argument offsets, MAIL FROM and RCPT TO paths with
 * and without a blank after the colon, the ESMTP parameters and every
 * documented refusal, and the fuzzer's regression inputs
 * (tests/fuzz/regress/smtpcmd/). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "smtpcmd.h"
#include "stralloc.h"
#include "unit.h"

static stralloc addr = STRALLOC_ZERO;
static struct smtpcmd_params params;

static enum smtp_verb
verb_of(const char *line, size_t *arg)
{
  return smtpcmd_verb(line, strlen(line), arg);
}

/* Parse the argument of a MAIL (keyword "FROM:") or RCPT ("TO:") line:
 * 1 or 0 with errno, as smtpcmd_path. */
static int
path_of(const char *line, const char *keyword)
{
  size_t arg;

  smtpcmd_verb(line, strlen(line), &arg);
  errno = 0;
  return smtpcmd_path(line, strlen(line), arg, keyword, &addr, &params);
}

static void
test_verbs_any_case(void)
{
  static const struct {
    const char *line;
    enum smtp_verb verb;
    size_t arg;
  } cases[] = {
    { "HELO a.example", SMTP_HELO, 5 },
    { "helo a.example", SMTP_HELO, 5 },
    { "eHlO a.example", SMTP_EHLO, 5 },
    { "MAIL FROM:<a@b>", SMTP_MAIL, 5 },
    { "rcpt TO:<a@b>", SMTP_RCPT, 5 },
    { "DATA", SMTP_DATA, 4 },
    { "data", SMTP_DATA, 4 },
    { "RSET", SMTP_RSET, 4 },
    { "NOOP  \t hello", SMTP_NOOP, 8 },
    { "quit", SMTP_QUIT, 4 },
    { "HELP me", SMTP_HELP, 5 },
    { "VRFY u", SMTP_VRFY, 5 },
    { "EXPN l", SMTP_EXPN, 5 },
    { "starttls", SMTP_STARTTLS, 8 },
    { "StartTLS", SMTP_STARTTLS, 8 },
    { "AUTH PLAIN", SMTP_AUTH, 5 },
    { "BDAT 10 LAST", SMTP_BDAT, 5 },
    { "EHLO\tx", SMTP_EHLO, 5 },
    { "DATA ", SMTP_DATA, 5 },
  };
  size_t i, arg;

  for (i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    arg = 99;
    CHECK(verb_of(cases[i].line, &arg) == cases[i].verb);
    CHECK(arg == cases[i].arg);
  }
}

static void
test_unknown_verbs(void)
{
  size_t arg;

  CHECK(verb_of("", &arg) == SMTP_UNKNOWN && arg == 0);
  CHECK(verb_of("HELLO x", &arg) == SMTP_UNKNOWN);
  CHECK(verb_of("HEL x", &arg) == SMTP_UNKNOWN);
  CHECK(verb_of(" HELO x", &arg) == SMTP_UNKNOWN);
  CHECK(verb_of("STARTTLSX", &arg) == SMTP_UNKNOWN);
  CHECK(verb_of("GET / HTTP/1.0", &arg) == SMTP_UNKNOWN);
  /* a UTF-8 lookalike (Cyrillic E) is not EHLO */
  CHECK(verb_of("\xd0\x95HLO x", &arg) == SMTP_UNKNOWN);
}

static void
test_nul_in_verb(void)
{
  size_t arg;

  CHECK(smtpcmd_verb("HE\0LO x", 7, &arg) == SMTP_UNKNOWN);
  CHECK(smtpcmd_verb("HELO\0 x", 7, &arg) == SMTP_UNKNOWN);
  CHECK(smtpcmd_verb("\0HELO x", 7, &arg) == SMTP_UNKNOWN);
  CHECK(smtpcmd_verb("DATA\0", 5, &arg) == SMTP_UNKNOWN);
  CHECK(smtpcmd_verb("QUIT\r", 5, &arg) == SMTP_UNKNOWN);
  CHECK(smtpcmd_verb("NO\x01OP", 5, &arg) == SMTP_UNKNOWN);
  /* the length counts, not a NUL: "DATA" then a NUL outside len */
  CHECK(smtpcmd_verb("DATA\0", 4, &arg) == SMTP_DATA && arg == 4);
}

static void
test_mail_from_forms(void)
{
  CHECK(path_of("MAIL FROM:<a@b.example>", "FROM:") == 1);
  CHECK_SA(addr, "a@b.example");
  CHECK(path_of("MAIL FROM: <a@b.example>", "FROM:") == 1);
  CHECK_SA(addr, "a@b.example");
  CHECK(path_of("mail from:<a@b.example>", "FROM:") == 1);
  CHECK_SA(addr, "a@b.example");
  CHECK(path_of("MAIL FROM:\t<a@b.example>  ", "FROM:") == 1);
  CHECK_SA(addr, "a@b.example");
  CHECK(path_of("MAIL FROM:<>", "FROM:") == 1);
  CHECK(addr.len == 0);
  CHECK(path_of("MAIL FROM:a@b.example", "FROM:") == 1);
  CHECK_SA(addr, "a@b.example");
  CHECK(path_of("MAIL FROM:<\"john doe\"@b.example>", "FROM:") == 1);
  CHECK_SA(addr, "john doe@b.example");
  CHECK(path_of("MAIL FROM:<@r1.example,@r2.example:a@b.example>", "FROM:") == 1);
  CHECK_SA(addr, "a@b.example");
  CHECK(path_of("RCPT TO:<postmaster>", "TO:") == 1);
  CHECK_SA(addr, "postmaster");
  CHECK(path_of("RCPT To: <u@[192.0.2.1]>", "TO:") == 1);
  CHECK_SA(addr, "u@[192.0.2.1]");
  CHECK(params.has_size == 0 && params.body == SMTPCMD_BODY_NONE
        && params.has_auth == 0 && params.smtputf8 == 0);
}

static void
test_bad_paths(void)
{
  CHECK(path_of("MAIL <a@b.example>", "FROM:") == 0 && errno == EINVAL);
  CHECK(path_of("MAIL FROM <a@b.example>", "FROM:") == 0 && errno == EINVAL);
  CHECK(path_of("MAIL TO:<a@b.example>", "FROM:") == 0 && errno == EINVAL);
  CHECK(path_of("MAIL FROM:", "FROM:") == 0 && errno == EINVAL);
  CHECK(path_of("MAIL FROM:<a@b.example", "FROM:") == 0 && errno == EINVAL);
  CHECK(path_of("MAIL FROM:<a@b.example>>", "FROM:") == 0 && errno == EINVAL);
  CHECK(path_of("MAIL FROM:<a@>", "FROM:") == 0 && errno == EINVAL);
  CHECK(path_of("RCPT TO:<\"a@b.example>", "TO:") == 0 && errno == EINVAL);
  CHECK(smtpcmd_path("MAIL FROM:<a\0b@c>", 17, 5, "FROM:", &addr, &params) == 0
        && errno == EINVAL);
  CHECK(smtpcmd_path("MAIL FROM:<\"a\0b\"@c>", 19, 5, "FROM:", &addr, &params) == 0
        && errno == EINVAL);
  /* an argument offset past the line is a refusal, not a read beyond */
  CHECK(smtpcmd_path("MAIL", 4, 9, "FROM:", &addr, &params) == 0
        && errno == EINVAL);
}

static void
test_address_max(void)
{
  stralloc line = STRALLOC_ZERO;
  size_t local = ADDRESS_MAX - strlen("@b.ex");

  CHECK(stralloc_copys(&line, "RCPT TO:<"));
  while (line.len < 9 + local)
    CHECK(stralloc_append(&line, 'a'));
  CHECK(stralloc_cats(&line, "@b.ex>"));
  CHECK(smtpcmd_path(line.s, line.len, 5, "TO:", &addr, &params) == 1);
  CHECK(addr.len == ADDRESS_MAX);
  CHECK(stralloc_copys(&line, "RCPT TO:<a"));
  while (line.len < 9 + local + 1)
    CHECK(stralloc_append(&line, 'a'));
  CHECK(stralloc_cats(&line, "@b.ex>"));
  errno = 0;
  CHECK(smtpcmd_path(line.s, line.len, 5, "TO:", &addr, &params) == 0);
  CHECK(errno == EMSGSIZE);
  stralloc_free(&line);
}

static void
test_params(void)
{
  CHECK(path_of("MAIL FROM:<a@b> SIZE=12345", "FROM:") == 1);
  CHECK(params.has_size == 1 && params.size == 12345);
  CHECK_SA(addr, "a@b");
  CHECK(path_of("MAIL FROM:<a@b> size=0", "FROM:") == 1);
  CHECK(params.has_size == 1 && params.size == 0);
  CHECK(path_of("MAIL FROM:<a@b> BODY=7BIT", "FROM:") == 1);
  CHECK(params.body == SMTPCMD_BODY_7BIT);
  CHECK(path_of("MAIL FROM:<a@b> body=8bitmime", "FROM:") == 1);
  CHECK(params.body == SMTPCMD_BODY_8BITMIME);
  CHECK(path_of("MAIL FROM:<a@b> AUTH=<>", "FROM:") == 1);
  CHECK(params.has_auth == 1);
  CHECK(path_of("MAIL FROM:<a@b> AUTH=user+2Bname@b", "FROM:") == 1);
  CHECK(params.has_auth == 1);
  CHECK(path_of("MAIL FROM:<a@b> SMTPUTF8", "FROM:") == 1);
  CHECK(params.smtputf8 == 1);
  CHECK(path_of("MAIL FROM: <a@b>  SIZE=10\tBODY=8BITMIME AUTH=x SMTPUTF8 ",
                "FROM:") == 1);
  CHECK(params.has_size && params.size == 10
        && params.body == SMTPCMD_BODY_8BITMIME && params.has_auth
        && params.smtputf8);
  CHECK_SA(addr, "a@b");
  CHECK(params.bad[0] == 0);
  /* the largest unsigned long is still a size */
  {
    char line[80];

    snprintf(line, sizeof line, "MAIL FROM:<a@b> SIZE=%lu", (unsigned long)-1);
    CHECK(path_of(line, "FROM:") == 1);
    CHECK(params.size == (unsigned long)-1);
  }
}

static void
test_unknown_params(void)
{
  CHECK(path_of("MAIL FROM:<a@b> FOO=bar", "FROM:") == 0);
  CHECK(errno == ENOTSUP);
  CHECK_STR(params.bad, "FOO");
  CHECK(addr.len == 0);
  CHECK(path_of("RCPT TO:<a@b> NOTIFY=NEVER", "TO:") == 0);
  CHECK(errno == ENOTSUP);
  CHECK_STR(params.bad, "NOTIFY");
  CHECK(path_of("MAIL FROM:<a@b> SIZE=1 X-PRIVATE", "FROM:") == 0);
  CHECK(errno == ENOTSUP);
  CHECK_STR(params.bad, "X-PRIVATE");
  /* a long name is cut for the reply */
  CHECK(path_of("MAIL FROM:<a@b> AAAAAAAAAABBBBBBBBBBCCCCCCCCCCDDDDDDDDDD=1",
                "FROM:") == 0);
  CHECK(errno == ENOTSUP);
  CHECK(strlen(params.bad) == sizeof params.bad - 1);
}

static void
test_malformed_params(void)
{
  static const char *const lines[] = {
    "MAIL FROM:<a@b> SIZE=12x", "MAIL FROM:<a@b> SIZE=", "MAIL FROM:<a@b> SIZE",
    "MAIL FROM:<a@b> SIZE=-1", "MAIL FROM:<a@b> SIZE=+1", "MAIL FROM:<a@b> SIZE=0x10",
    "MAIL FROM:<a@b> BODY=BINARYMIME",
    "MAIL FROM:<a@b> BODY", "MAIL FROM:<a@b> BODY=", "MAIL FROM:<a@b> AUTH=",
    "MAIL FROM:<a@b> AUTH", "MAIL FROM:<a@b> AUTH=a+2b", "MAIL FROM:<a@b> AUTH=a+2",
    "MAIL FROM:<a@b> AUTH=a=b", "MAIL FROM:<a@b> SMTPUTF8=yes",
    /* a parameter without a proper name (found by fuzz_smtpcmd) */
    "MAIL FROM:<a@b> =1", "MAIL FROM:<a@b> -X=1", "MAIL FROM:<a@b> X_Y=1",
    "MAIL FROM:<a@b> X<Y", "MAIL FROM:<a@b> \xc3\xa9=1",
  };
  size_t i;

  for (i = 0; i < sizeof lines / sizeof lines[0]; ++i) {
    int r = path_of(lines[i], "FROM:");

    CHECK(r == 0 && errno == EINVAL);
    if (r != 0 || errno != EINVAL)
      printf("# the line: %s\n", lines[i]);
    CHECK(addr.len == 0);
  }
  CHECK(path_of("MAIL FROM:<a@b> SIZE=12x", "FROM:") == 0);
  CHECK_STR(params.bad, "SIZE");
  CHECK(smtpcmd_path("MAIL FROM:<a@b> X\0Y=1", 21, 5, "FROM:", &addr,
                     &params) == 0 && errno == EINVAL);
  CHECK_STR(params.bad, "X?Y");
}

static void
test_huge_size(void)
{
  CHECK(path_of("MAIL FROM:<a@b> SIZE=18446744073709551616", "FROM:") == 0);
  CHECK(errno == ERANGE);
  CHECK_STR(params.bad, "SIZE");
  CHECK(path_of("MAIL FROM:<a@b> SIZE=99999999999999999999", "FROM:") == 0);
  CHECK(errno == ERANGE);
  /* as large as the line allows: still a size too large, not a syntax
   * error (RFC 1870 asks for 552, not 555) */
  CHECK(path_of("MAIL FROM:<a@b> SIZE=123456789012345678901234567890",
                "FROM:") == 0);
  CHECK(errno == ERANGE);
  /* leading zeros do not make a number large */
  CHECK(path_of("MAIL FROM:<a@b> SIZE=000000000000000000000000000042",
                "FROM:") == 1);
  CHECK(params.size == 42);
}

/* Inputs that once failed the fuzz target: each line goes through the
 * parser as the fuzz target sends it, and must keep the contract. */
static void
test_fuzz_regressions(void)
{
  DIR *dir = opendir("tests/fuzz/regress/smtpcmd");
  struct dirent *d;
  int files = 0;

  CHECK(dir != 0);
  if (!dir)
    return;
  while ((d = readdir(dir))) {
    char path[512], buf[65536];
    size_t n, pos = 0;
    FILE *f;

    if (d->d_name[0] == '.')
      continue;
    snprintf(path, sizeof path, "tests/fuzz/regress/smtpcmd/%s", d->d_name);
    f = fopen(path, "rb");
    CHECK(f != 0);
    if (!f)
      continue;
    n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    ++files;
    while (pos < n) {
      const char *nl = memchr(buf + pos, '\n', n - pos);
      size_t len = nl ? (size_t)(nl - (buf + pos)) : n - pos, arg;
      size_t cut = len;
      enum smtp_verb v;

      if (cut && buf[pos + cut - 1] == '\r')
        --cut;
      v = smtpcmd_verb(buf + pos, cut, &arg);
      CHECK(arg <= cut);
      if (v == SMTP_MAIL || v == SMTP_RCPT) {
        errno = 0;
        if (!smtpcmd_path(buf + pos, cut, arg, v == SMTP_MAIL ? "FROM:" : "TO:",
                          &addr, &params)) {
          CHECK(errno == EINVAL || errno == EMSGSIZE || errno == ENOTSUP
                || errno == ERANGE);
          CHECK(errno != ENOTSUP || params.bad[0]);
        } else
          CHECK(addr.len <= ADDRESS_MAX);
      }
      pos += len + 1;
    }
  }
  closedir(dir);
  CHECK(files > 0);
}

int
main(void)
{
  RUN(test_verbs_any_case);
  RUN(test_unknown_verbs);
  RUN(test_nul_in_verb);
  RUN(test_mail_from_forms);
  RUN(test_bad_paths);
  RUN(test_address_max);
  RUN(test_params);
  RUN(test_unknown_params);
  RUN(test_malformed_params);
  RUN(test_huge_size);
  RUN(test_fuzz_regressions);
  stralloc_free(&addr);
  return unit_done();
}
