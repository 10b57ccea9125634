/* fuzz_base64 -- libFuzzer target for the strict base64 decoder
 * (base64.h).
 *
 * The input is decoded as a whole.  When it is accepted, its encoding
 * must be exactly the input again (strict decoding accepts only the
 * canonical text), and the decoded length must be 3/4 of the input
 * less the padding.  When it is refused, errno must be EINVAL and the
 * output untouched.  The SASL variant must agree with the plain one on
 * everything but "=".  Built and run by tests/integration/fuzz.sh from
 * the seeds in tests/fuzz/corpus/base64/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "stralloc.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *in = (const char *)data;
  stralloc out = STRALLOC_ZERO, again = STRALLOC_ZERO, sasl = STRALLOC_ZERO;
  int ok, sasl_ok;

  if (!stralloc_copys(&out, "<>"))
    abort();
  errno = 0;
  ok = base64_decode(&out, in, size);
  if (ok) {
    size_t decoded = out.len - 2, most = size / 4 * 3;

    if (size % 4 || decoded > most || decoded + 2 < most)
      abort();
    if (!base64_encode(&again, out.s + 2, out.len - 2))
      abort();
    if (again.len != size || (size && memcmp(again.s, in, size) != 0))
      abort();
  } else if (errno != EINVAL || out.len != 2 || memcmp(out.s, "<>", 2) != 0)
    abort();

  sasl_ok = base64_decode_sasl(&sasl, in, size);
  if (size == 1 && in[0] == '=') {
    if (!sasl_ok || sasl.len != 0)
      abort();
  } else if (sasl_ok != ok
             || (ok && (sasl.len != out.len - 2
                        || (sasl.len && memcmp(sasl.s, out.s + 2, sasl.len)))))
    abort();

  stralloc_free(&out);
  stralloc_free(&again);
  stralloc_free(&sasl);
  return 0;
}
