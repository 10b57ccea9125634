/* fuzz_smtpreply -- libFuzzer target for the SMTP client's reply reader
 * (smtpclient.h).
 *
 * The input is what a server sends: it is read with smtpclient_reply
 * through a buffer, reply after reply, until a failure or the end.  A
 * reply that is accepted must have a code from 200 to 559 with every
 * line carrying it, at most SMTPREPLY_LINES lines, and a kept text of
 * at most SMTPREPLY_TEXT printable ASCII bytes; a refused one must say
 * why in errno (EPROTO, EMSGSIZE, ECONNRESET) and in c->error.  Built and
 * run by tests/integration/fuzz.sh from tests/fuzz/corpus/smtpreply/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "smtpclient.h"

struct input {
  const uint8_t *data;
  size_t size;
  size_t pos;
};

static ssize_t
input_read(int fd, char *buf, size_t len, void *ctx)
{
  struct input *in = ctx;
  size_t n = in->size - in->pos;

  (void)fd;
  /* small pieces, so lines cross refills */
  if (n > len)
    n = len;
  if (n > 37)
    n = 37;
  memcpy(buf, in->data + in->pos, n);
  in->pos += n;
  return (ssize_t)n;
}

static ssize_t
output_write(int fd, char *buf, size_t len, void *ctx)
{
  (void)fd;
  (void)buf;
  (void)ctx;
  return (ssize_t)len;
}

static struct smtpclient client;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct input input = { data, size, 0 };
  char inspace[512], outspace[64];
  buffer in, out;
  size_t i;

  buffer_init(&in, input_read, 0, &input, inspace, sizeof inspace);
  buffer_init(&out, output_write, 1, 0, outspace, sizeof outspace);
  smtpclient_init(&client, &in, &out);
  for (;;) {
    unsigned int code;

    errno = 0;
    code = smtpclient_reply(&client);
    if (!code) {
      if (errno != EPROTO && errno != EMSGSIZE && errno != ECONNRESET)
        abort();
      if (!client.error[0])
        abort();
      break;
    }
    if (code < 200 || code > 559 || code != client.reply.first)
      abort();
    if (!client.reply.lines || client.reply.lines > SMTPREPLY_LINES)
      abort();
    if (client.reply.text_len > SMTPREPLY_TEXT
        || strlen(client.reply.text) != client.reply.text_len)
      abort();
    for (i = 0; i < client.reply.text_len; ++i) {
      unsigned char ch = (unsigned char)client.reply.text[i];

      if (ch != '\n' && (ch < 32 || ch > 126))
        abort();
    }
    if (client.reply.text_len < 3
        || (unsigned int)((client.reply.text[0] - '0') * 100
                          + (client.reply.text[1] - '0') * 10
                          + (client.reply.text[2] - '0')) != code)
      abort();
  }
  return 0;
}
