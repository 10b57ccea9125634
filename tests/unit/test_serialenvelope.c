/* Unit tests for serial_envelope.c: the Return-Path and Delivered-To
 * lines at the top of a spooled message, the prefix, the result lines. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../src/serial/serial_envelope.c"
#include "unit.h"

static struct serial_envelope env = SERIAL_ENVELOPE_ZERO;

/* Parse text as a spool file; returns what serial_envelope_read did,
 * and where the file's offset was left in *offset. */
static int
parse(const char *text, size_t len, off_t *offset)
{
  char path[] = "/tmp/test_serialenvelope.XXXXXX";
  int fd = mkstemp(path), rc;

  if (fd == -1)
    return -2;
  unlink(path);
  if (write(fd, text, len) != (ssize_t)len) {
    close(fd);
    return -2;
  }
  rc = serial_envelope_read(fd, &env);
  *offset = lseek(fd, 0, SEEK_CUR);
  close(fd);
  return rc;
}
#define PARSE(s, off) parse((s), sizeof (s) - 1, (off))

static void
test_qmail_local_order(void)
{
  static const char msg[] = "Return-Path: <alice@gw.test>\n"
    "Delivered-To: alias-outgoing-bob@far.example\nSubject: x\n\nbody\n";
  off_t off;

  CHECK(PARSE(msg, &off) == 1);
  CHECK_SA(env.sender, "alice@gw.test");
  CHECK_SA(env.delivered, "alias-outgoing-bob@far.example");
  CHECK(env.body == (off_t)(strstr(msg, "Subject") - msg));
  CHECK(off == env.body);
  CHECK_STR(serial_recipient(&env, "alias-outgoing-"), "bob@far.example");
  CHECK(serial_recipient(&env, "alias-other-") == 0);
  CHECK(serial_recipient(&env, "alias-outgoing-bob@far.example") == 0);
  CHECK_STR(serial_recipient(&env, ""), "alias-outgoing-bob@far.example");
}

static void
test_other_order_and_forms(void)
{
  off_t off;

  CHECK(PARSE("delivered-to:   p-x@y  \r\nRETURN-PATH:<>\r\n\r\nb\r\n", &off) == 1);
  CHECK_SA(env.sender, "");
  CHECK_SA(env.delivered, "p-x@y");
  CHECK_STR(serial_recipient(&env, "p-"), "x@y");
  CHECK(PARSE("Return-Path: <\"john doe\"@x.example>\nDelivered-To: p-a@b\n", &off) == 1);
  CHECK_SA(env.sender, "john doe@x.example");
  CHECK(env.body == off);
  CHECK(PARSE("Return-Path : <a@b>\nDelivered-To : p-c@d\n\n", &off) == 1);
  CHECK_SA(env.sender, "a@b");
  CHECK_SA(env.delivered, "p-c@d");
}

static void
check_bad(const char *text, size_t len, const char *why, int line)
{
  off_t off;
  int rc = parse(text, len, &off);

  unit_check(rc == 0 && errno == EINVAL, "refused with EINVAL", __FILE__, line);
  unit_check(env.why && !strcmp(env.why, why), why, __FILE__, line);
  if (env.why && strcmp(env.why, why))
    printf("#   said: %s\n", env.why);
}
#define BAD(s, why) check_bad((s), sizeof (s) - 1, (why), __LINE__)

static void
test_refused(void)
{
  char *big;

  BAD("Delivered-To: p-x@y\nSubject: no rp\n\n", "no Return-Path line at the top");
  BAD("Return-Path: <a@b>\nSubject: no dt\n\n", "no Delivered-To line at the top");
  BAD("Subject: none\n\n", "no Return-Path and Delivered-To lines at the top");
  BAD("", "the file ends inside the envelope lines");
  BAD("Return-Path: <a@b>\n", "the file ends inside the envelope lines");
  BAD("Return-Path: <a@b>\nDelivered-To: p-x@y", "the file ends inside the envelope lines");
  BAD("Return-Path: <a@b>\nReturn-Path: <c@d>\nDelivered-To: p-x@y\n",
      "no Delivered-To line at the top");
  BAD("Return-Path: <a@b>\nDelivered-To:   \n\n", "the Delivered-To line is empty");
  BAD("Return-Path: a b c\nDelivered-To: p-x@y\n\n",
      "the Return-Path line does not hold an address");
  BAD("Return-Path: <a\001b@c>\nDelivered-To: p-x@y\n\n",
      "the Return-Path line does not hold an address");
  BAD("Return-Path: <a@b>\nDelivered-To: p-x\0@y\n\n",
      "the Delivered-To line holds a NUL byte");
  big = malloc(3 * SERIAL_LINE_MAX);
  if (big) {
    memset(big, 'a', 3 * SERIAL_LINE_MAX);
    memcpy(big, "Return-Path: <", 14);
    check_bad(big, 3 * SERIAL_LINE_MAX, "an envelope line at the top is too long",
              __LINE__);
    free(big);
  }
}

static void
test_fifo(void)
{
  char path[] = "/tmp/test_serialenvelope.fifo.XXXXXX";
  int fd;

  if (!mkdtemp(path)) {
    CHECK(0);
    return;
  }
  {
    char fifo[64];

    snprintf(fifo, sizeof fifo, "%s/f", path);
    CHECK(mkfifo(fifo, 0600) == 0);
    fd = open(fifo, O_RDONLY | O_NONBLOCK);
    CHECK(fd != -1);
    if (fd != -1) {
      CHECK(serial_envelope_read(fd, &env) == 0 && errno == EINVAL);
      CHECK(env.why && !strcmp(env.why, "not a plain file"));
      close(fd);
    }
    unlink(fifo);
  }
  rmdir(path);
}

static void
test_result_line(void)
{
  char space[256];
  int fds[2];
  buffer b;
  ssize_t n;

  if (pipe(fds) == -1) {
    CHECK(0);
    return;
  }
  buffer_init(&b, buffer_unixwrite, fds[1], 0, space, sizeof space);
  CHECK(serial_result(&b, "new/1.x", 'K', "ok\nsecond\rline") == 1);
  CHECK(buffer_flush(&b));
  close(fds[1]);
  n = read(fds[0], space, sizeof space);
  CHECK_MEM(space, n > 0 ? (size_t)n : 0, "new/1.x\0Kok second line\n", 24);
  close(fds[0]);
}

int
main(void)
{
  RUN(test_qmail_local_order);
  RUN(test_other_order_and_forms);
  RUN(test_refused);
  RUN(test_fifo);
  RUN(test_result_line);
  return unit_done();
}
