/* fuzz_tcprules -- libFuzzer target for the tcprules language and the
 * rules records (rulescdb.h), and the address text forms under them
 * (iptext.h).
 *
 * The input is taken three ways: as a rules file (split into lines,
 * each parsed as tcprules does), as the data of a database record (a
 * hostile or corrupt rules.cdb), and as an address to parse.  Beyond
 * "no crash, no leak, no undefined behaviour" it checks that every
 * accepted rule has 1 to 256 keys without NUL bytes, that its record
 * data decodes again into the variables, that a refusal always says
 * why, and that every address that parses formats into a text that
 * parses back to the same bytes.  Built and run by
 * tests/integration/fuzz.sh from the seeds in tests/fuzz/corpus/tcprules/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iptext.h"
#include "rulescdb.h"
#include "stralloc.h"

static void
check_line(const char *line, size_t len)
{
  struct rulescdb_rule rule = RULESCDB_RULE_ZERO;
  stralloc key = STRALLOC_ZERO, env = STRALLOC_ZERO;
  unsigned int i, keys;
  int r, deny;

  r = rulescdb_parse(&rule, line, len);
  if (r == -1 && errno == EINVAL && !rule.error)
    abort();
  if (r == 1) {
    keys = rulescdb_keys(&rule);
    if (keys < 1 || keys > 256)
      abort();
    for (i = 0; i < keys; ++i) {
      if (!rulescdb_key(&rule, i, &key))
        abort();
      if (key.len && memchr(key.s, 0, key.len))
        abort();
    }
    if (!rulescdb_decode(rule.data.s, rule.data.len, &deny, &env))
      abort();
    if (deny != (rule.data.len >= 2 && rule.data.s[0] == 'D'))
      abort();
  }
  rulescdb_free(&rule);
  stralloc_free(&key);
  stralloc_free(&env);
}

static void
check_address(const char *s, size_t len)
{
  unsigned char ip[16], back[16];
  char text[IPTEXT_FMT];
  size_t n;

  if (iptext_scan4(s, len, ip)) {
    n = iptext_fmt4(text, ip);
    if (n >= IPTEXT_FMT || !iptext_scan4(text, n, back)
        || memcmp(ip, back, 4) != 0 || n != len)
      abort();
  }
  if (iptext_scan6(s, len, ip)) {
    n = iptext_fmt6(text, ip);
    if (n >= IPTEXT_FMT || !iptext_scan6(text, n, back)
        || memcmp(ip, back, 16) != 0)
      abort();
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *s = (const char *)data;
  stralloc env = STRALLOC_ZERO;
  size_t pos = 0;
  int deny;

  while (pos < size) {
    const char *nl = memchr(s + pos, '\n', size - pos);
    size_t len = nl ? (size_t)(nl - (s + pos)) : size - pos;

    check_line(s + pos, len);
    check_address(s + pos, len);
    pos += len + 1;
  }
  rulescdb_decode(s, size, &deny, &env);
  stralloc_free(&env);
  return 0;
}
