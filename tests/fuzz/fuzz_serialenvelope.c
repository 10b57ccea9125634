/* fuzz_serialenvelope -- libFuzzer target for the envelope of a spooled
 * message (src/serial/serial_envelope.c).
 *
 * The input is a spool file, any length and any bytes.  When the
 * envelope is accepted, the sender must be a plain address without
 * control bytes, the Delivered-To address must hold no line end or NUL,
 * the body must start right after the second line end, and the prefix
 * must come off only when it is there.  When it is refused for its
 * content, a reason must be given.  Built and run by
 * tests/integration/fuzz.sh from the seeds in
 * tests/fuzz/corpus/serialenvelope/.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../src/serial/serial_envelope.c"

static struct serial_envelope env = SERIAL_ENVELOPE_ZERO;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  int fd = memfd_create("spool", 0);
  const char *nl1, *nl2, *rcpt;
  size_t i;

  if (fd == -1)
    return 0;
  if (write(fd, data, size) != (ssize_t)size) {
    close(fd);
    return 0;
  }
  if (!serial_envelope_read(fd, &env)) {
    if (errno == EINVAL && (!env.why || !*env.why))
      abort();
    close(fd);
    return 0;
  }
  if (lseek(fd, 0, SEEK_CUR) != env.body)
    abort();
  close(fd);
  nl1 = memchr(data, '\n', size);
  if (!nl1)
    abort();
  nl2 = memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - (const char *)data));
  if (!nl2 || env.body != (off_t)(nl2 + 1 - (const char *)data))
    abort();
  for (i = 0; i < env.sender.len; ++i)
    if ((unsigned char)env.sender.s[i] < 32 || env.sender.s[i] == 127)
      abort();
  if (!env.delivered.len || memchr(env.delivered.s, '\n', env.delivered.len)
      || memchr(env.delivered.s, '\0', env.delivered.len))
    abort();
  if (env.sender.s[env.sender.len] || env.delivered.s[env.delivered.len])
    abort();
  rcpt = serial_recipient(&env, "p-");
  if (rcpt && (strncmp(env.delivered.s, "p-", 2) || rcpt != env.delivered.s + 2))
    abort();
  if (!rcpt && env.delivered.len > 2 && !strncmp(env.delivered.s, "p-", 2))
    abort();
  return 0;
}
