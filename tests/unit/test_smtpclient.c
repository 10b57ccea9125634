/* test_smtpclient.c -- the SMTP client's reply parser, EHLO extensions,
 * AUTH exchanges and the DATA body, over buffers in memory. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "smtpclient.h"
#include "stralloc.h"
#include "unit.h"

/* The server's side: what it "sends" is a fixed string read in pieces
 * of at most chunk bytes; what the client writes is collected. */
struct peer {
  const char *data;
  size_t len;
  size_t pos;
  size_t chunk;
  stralloc sent;
};

static ssize_t
peer_read(int fd, char *buf, size_t len, void *ctx)
{
  struct peer *p = ctx;
  size_t n = p->len - p->pos;

  (void)fd;
  if (n > len)
    n = len;
  if (n > p->chunk)
    n = p->chunk;
  memcpy(buf, p->data + p->pos, n);
  p->pos += n;
  return (ssize_t)n;
}

static ssize_t
peer_write(int fd, char *buf, size_t len, void *ctx)
{
  struct peer *p = ctx;

  (void)fd;
  if (!stralloc_catb(&p->sent, buf, len))
    return -1;
  return (ssize_t)len;
}

static struct peer peer;
static char inspace[64], outspace[64];
static buffer in, out;
static struct smtpclient client;

static void
start(const char *server, size_t chunk)
{
  stralloc_free(&peer.sent);
  peer.data = server;
  peer.len = strlen(server);
  peer.pos = 0;
  peer.chunk = chunk;
  buffer_init(&in, peer_read, 0, &peer, inspace, sizeof inspace);
  buffer_init(&out, peer_write, 1, &peer, outspace, sizeof outspace);
  smtpclient_init(&client, &in, &out);
}

static int
line(struct smtpreply *r, const char *s)
{
  return smtpreply_line(r, s, strlen(s));
}

static void
test_reply_lines(void)
{
  struct smtpreply r;

  smtpreply_start(&r);
  CHECK(line(&r, "250-first") == 1);
  CHECK(line(&r, "250-sec\001ond") == 1);
  CHECK(line(&r, "250 last") == 0);
  CHECK(r.code == 250);
  CHECK_STR(r.text, "250-first\n250-sec?ond\n250 last");
  smtpreply_start(&r);
  CHECK(line(&r, "220") == 0 && r.code == 220);
  smtpreply_start(&r);
  errno = 0;
  CHECK(line(&r, "25") == -1 && errno == EPROTO);
  smtpreply_start(&r);
  CHECK(line(&r, "250x") == -1 && errno == EPROTO);
  smtpreply_start(&r);
  CHECK(line(&r, "160 no") == -1);
  smtpreply_start(&r);
  CHECK(line(&r, "270 no") == -1);
  smtpreply_start(&r);
  CHECK(line(&r, "250-a") == 1);
  CHECK(line(&r, "251 b") == -1 && errno == EPROTO);
}

static void
test_reply_bounds(void)
{
  struct smtpreply r;
  unsigned long i;
  int last = 1;
  char big[200];

  smtpreply_start(&r);
  memset(big, 'x', sizeof big);
  memcpy(big, "250-", 4);
  for (i = 0; i < SMTPREPLY_LINES && last == 1; ++i)
    last = smtpreply_line(&r, big, sizeof big);
  CHECK(last == 1);
  CHECK(r.truncated);
  CHECK(r.text_len == SMTPREPLY_TEXT);
  CHECK(strlen(r.text) == SMTPREPLY_TEXT);
  errno = 0;
  CHECK(line(&r, "250 x") == -1 && errno == EMSGSIZE);
}

static void
test_reply_read(void)
{
  start("220-hello\r\n220 there\n250 ok\r\n", 3);
  CHECK(smtpclient_reply(&client) == 220);
  CHECK_STR(client.reply.text, "220-hello\n220 there");
  CHECK(smtpclient_reply(&client) == 250);
  CHECK(smtpclient_reply(&client) == 0);
  CHECK(errno == ECONNRESET);
  CHECK_STR(client.error, "connection closed by the server");
}

static void
test_reply_long_line(void)
{
  char *huge = malloc(100000);

  memset(huge, 'a', 99999);
  memcpy(huge, "220 ", 4);
  huge[99999] = 0;
  start(huge, 1000);
  CHECK(smtpclient_reply(&client) == 0);
  CHECK(errno == EMSGSIZE);
  CHECK(peer.pos < 10000);
  free(huge);
}

static void
test_ehlo(void)
{
  start("250-mx.example hi\r\n250-PIPELINING\r\n250-size 1000\r\n"
        "250-AUTH=LOGIN\r\n250-AUTH PLAIN cram-md5\r\n250-8BITMIME\r\n"
        "250 STARTTLS\r\n", 7);
  CHECK(smtpclient_ehlo(&client, "me.example") == 250);
  CHECK_SA(peer.sent, "EHLO me.example\r\n");
  CHECK(client.esmtp);
  CHECK(client.ext == (SMTPCLIENT_EXT_STARTTLS | SMTPCLIENT_EXT_PIPELINING
                       | SMTPCLIENT_EXT_8BITMIME | SMTPCLIENT_EXT_SIZE
                       | SMTPCLIENT_EXT_AUTH));
  CHECK(client.auth == (SMTPCLIENT_AUTH_PLAIN | SMTPCLIENT_AUTH_LOGIN
                        | SMTPCLIENT_AUTH_CRAM_MD5));
  CHECK(client.size == 1000);

  start("502 what\r\n250 hello\r\n", 100);
  CHECK(smtpclient_ehlo(&client, "me") == 250);
  CHECK_SA(peer.sent, "EHLO me\r\nHELO me\r\n");
  CHECK(!client.esmtp && !client.ext);

  start("421 busy\r\n", 100);
  CHECK(smtpclient_ehlo(&client, "me") == 421);
  CHECK_SA(peer.sent, "EHLO me\r\n");
}

static void
test_starttls_injection(void)
{
  start("220 go ahead\r\n250 injected\r\n", 100);
  CHECK(smtpclient_starttls(&client) == 0);
  CHECK(errno == EPROTO);
  start("220 go ahead\r\n", 100);
  CHECK(smtpclient_starttls(&client) == 220);
  start("454 not now\r\n", 100);
  CHECK(smtpclient_starttls(&client) == 454);
}

static void
test_auth(void)
{
  start("235 ok\r\n", 100);
  CHECK(smtpclient_auth(&client, SMTPCLIENT_AUTH_PLAIN, "joe", "pw") == 235);
  CHECK_SA(peer.sent, "AUTH PLAIN AGpvZQBwdw==\r\n");
  start("334 VXNlcm5hbWU6\r\n334 UGFzc3dvcmQ6\r\n235 ok\r\n", 100);
  CHECK(smtpclient_auth(&client, SMTPCLIENT_AUTH_LOGIN, "joe", "pw") == 235);
  CHECK_SA(peer.sent, "AUTH LOGIN\r\nam9l\r\ncHc=\r\n");
  start("535 no\r\n", 100);
  CHECK(smtpclient_auth(&client, SMTPCLIENT_AUTH_PLAIN, "joe", "pw") == 535);
  start("334 more?\r\n501 cancelled\r\n", 100);
  CHECK(smtpclient_auth(&client, SMTPCLIENT_AUTH_PLAIN, "joe", "pw") == 501);
  CHECK_SA(peer.sent, "AUTH PLAIN AGpvZQBwdw==\r\n*\r\n");
  start("", 100);
  CHECK(smtpclient_send(&client, "RCPT TO:<a>\r\nRSET", 17) == 0);
  CHECK(errno == EINVAL);
}

static void
data(const char *message, size_t chunk, const char *want)
{
  struct peer msg = { 0 };
  char space[16];
  buffer mb;

  msg.data = message;
  msg.len = strlen(message);
  msg.chunk = chunk;
  buffer_init(&mb, peer_read, 0, &msg, space, sizeof space);
  start("", 100);
  CHECK(smtpclient_data(&client, &mb) == 1);
  CHECK_SA(peer.sent, want);
}

static void
test_data(void)
{
  size_t chunk;

  for (chunk = 1; chunk <= 16; chunk += 3) {
    data("a\n.b\n..\n.\nc", chunk, "a\r\n..b\r\n...\r\n..\r\nc\r\n.\r\n");
    data("", chunk, ".\r\n");
    data("x\r\n.\r\ny\r", chunk, "x\r\n..\r\ny\r\n.\r\n");
    data("\xe4\xf6\n\n", chunk, "\xe4\xf6\r\n\r\n.\r\n");
    data("a\rb\n", chunk, "a\rb\r\n.\r\n");
  }
}

int
main(void)
{
  RUN(test_reply_lines);
  RUN(test_reply_bounds);
  RUN(test_reply_read);
  RUN(test_reply_long_line);
  RUN(test_ehlo);
  RUN(test_starttls_injection);
  RUN(test_auth);
  RUN(test_data);
  return unit_done();
}
