/* fuzz_tcpto -- libFuzzer target for reading the tcpto table (tcpto.h).
 *
 * The input is the contents of queue/lock/tcpto, any length.  Every
 * entry read from it must be a proper one (a known family, a count of
 * 1 to 255, a time within the window believed); writing the table out
 * and reading it again must give the same table; noting a timeout,
 * asking how long to wait and dropping the address must keep those
 * rules.  Built and run by tests/integration/fuzz.sh from the seeds in
 * tests/fuzz/corpus/tcpto/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tcpto.h"

static const long long now = 1800000000LL;

static void
check(const struct tcpto_table *t)
{
  unsigned int i;

  for (i = 0; i < TCPTO_ENTRIES; ++i) {
    const struct tcpto_entry *e = &t->entry[i];

    if (!e->ip.family)
      continue;
    if (e->ip.family != AF_INET && e->ip.family != AF_INET6)
      abort();
    if (e->count < 1 || e->count > 255)
      abort();
    if (e->when > now + TCPTO_SKEW || e->when < now - TCPTO_FORGET)
      abort();
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct tcpto_table t, again;
  static char packed[TCPTO_SIZE], repacked[TCPTO_SIZE];
  struct dns_ip ip;
  long long wait;

  tcpto_parse(&t, (const char *)data, size, now);
  check(&t);
  tcpto_pack(&t, packed);
  tcpto_parse(&again, packed, sizeof packed, now);
  tcpto_pack(&again, repacked);
  if (memcmp(packed, repacked, sizeof packed) != 0)
    abort();

  /* an address from the first bytes: one maybe in the table */
  memset(&ip, 0, sizeof ip);
  ip.family = size && (data[0] & 1) ? AF_INET6 : AF_INET;
  if (size > 16) {
    size_t n = ip.family == AF_INET ? 4 : 16;

    memcpy(ip.ip, data + 16, size - 16 < n ? size - 16 : n);
  }
  wait = tcpto_wait(&t, &ip, now);
  if (wait < 0 || wait > TCPTO_BACKOFF_MAX + TCPTO_SKEW)
    abort();
  tcpto_note(&t, &ip, now);
  check(&t);
  if (!tcpto_find(&t, &ip))
    abort();
  tcpto_drop(&t, &ip);
  if (tcpto_find(&t, &ip) || tcpto_wait(&t, &ip, now))
    abort();
  return 0;
}
