/* fuzz_pem -- libFuzzer target for the PEM, key, certificate-chain and
 * trust-anchor loaders of the tls module, and for the subject-name
 * formatter.
 *
 * The input goes whole to each parser (as a control file's contents
 * would); whatever they accept is used the way a daemon would use it:
 * the subject name of every certificate is formatted, and a key found
 * beside a chain is matched against it.  The input is also formatted
 * as a DER name itself.
 *
 * The seeds in tests/fuzz/corpus/pem hold certificates (public data
 * only: their keys were thrown away), toy private keys that secure
 * nothing (the EC scalar 1, RSA with the textbook primes 61 and 53),
 * encrypted-key markers, broken PEM, and DER names.
 *
 * Built by tests/integration/fuzz.sh with clang -fsanitize=fuzzer,
 * address,undefined against src/lib and BearSSL; by hand, from the top
 * of the tree (tls_*.c: the tls_ files besides tls.c):
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -Isrc/lib \
 *     -Ibuild/include -Ibuild/deps/include tests/fuzz/fuzz_pem.c \
 *     src/lib/tls.c src/lib/tls_*.c src/lib/stralloc.c \
 *     src/lib/readfile.c src/lib/open.c src/lib/fmt.c \
 *     build/deps/lib/libbearssl.a -o fuzz_pem
 *   ./fuzz_pem -runs=20000 tests/fuzz/corpus/pem
 */
#include <stddef.h>
#include <stdint.h>

#include "tls.h"

static struct tls_chain chain;
static struct tls_key key;
static struct tls_anchors anchors;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  char name[300];
  size_t i;
  int have_chain, have_key;

  have_chain = tls_chain_parse(&chain, text, size);
  have_key = tls_key_parse(&key, text, size);
  if (have_chain && have_key)
    tls_key_matches(&key, &chain);
  if (tls_anchors_parse(&anchors, text, size))
    for (i = 0; i < anchors.count; ++i)
      tls_dn_format(name, sizeof name, anchors.list[i].dn.data,
                    anchors.list[i].dn.len);
  /* the input itself as a DER Name, as a server's certificate gives it */
  tls_dn_format(name, sizeof name, data, size);
  tls_dn_format(name, 8, data, size);
  tls_chain_free(&chain);
  tls_key_free(&key);
  tls_anchors_free(&anchors);
  return 0;
}
