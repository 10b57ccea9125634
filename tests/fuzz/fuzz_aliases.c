/* fuzz_aliases -- libFuzzer target for the sendmail aliases parser of
 * newaliases and newinclude (src/alias/aliases.h).
 *
 * The input is parsed twice: as an aliases file and as an include
 * file.  Beyond "no crash, no leak, no undefined behaviour" it checks
 * that every record written has a ":" or "?" key longer than its
 * prefix, that every ":" record holds one or more well-formed commands
 * (fwdb.h, the form fastforward and Debian's printforward accept), that
 * an include file gives a well-formed binary list, and that a syntax
 * error always says why and points inside the input.  The parser lives
 * outside src/lib, so its sources are compiled in here.  Built and run
 * by tests/integration/fuzz.sh from the seeds in
 * tests/fuzz/corpus/aliases/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/alias/aliases.c"
#include "../../src/alias/fwdb.c"

static int
check_record(void *ctx, const char *key, size_t klen, const char *data,
             size_t dlen)
{
  (void)ctx;
  if (klen < 2 || (key[0] != ':' && key[0] != '?'))
    abort();
  if (key[0] == ':' && (!dlen || !fwdb_forward_valid(data, dlen)))
    abort();
  if (memchr(key, 0, klen))
    abort();
  return 1;
}

static int
no_include(const char *path)
{
  return path[0] != '.';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct aliases_config cfg = ALIASES_CONFIG_ZERO;
  struct aliases_error err;
  stralloc list = STRALLOC_ZERO;
  const char *text = (const char *)data;
  int r;

  if (!stralloc_copys(&cfg.defaulthost, "host.example")
      || !stralloc_copys(&cfg.defaultdomain, "example")
      || !stralloc_copys(&cfg.plusdomain, "plus.example"))
    return 0;
  /* every other input also exercises the include check */
  if (size & 1) {
    cfg.include_ok = no_include;
    cfg.include_why = "no such include";
  }
  err.why = 0;
  err.offset = 0;
  r = aliases_parse(text, size, &cfg, check_record, 0, &err);
  if (r == 0 && (!err.why || err.offset > size))
    abort();
  if (r == 0)
    (void)aliases_line(text, err.offset);

  err.why = 0;
  r = aliases_parse_list(text, size, &cfg, &list, &err);
  if (r == 0 && (!err.why || err.offset > size))
    abort();
  if (r == 1 && !fwdb_maillist_valid(list.s, list.len))
    abort();
  stralloc_free(&list);
  stralloc_free(&cfg.defaulthost);
  stralloc_free(&cfg.defaultdomain);
  stralloc_free(&cfg.plusdomain);
  return 0;
}
