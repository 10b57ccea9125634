/* Unit tests for qmailqueue: the message and envelope reach the queue
 * program exactly, and its exit code comes back. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qmailqueue.h"
#include "readfile.h"
#include "unit.h"

static char dir[] = "/tmp/qmailqueue-test.XXXXXX";
static char script[256], message[256], envelope[256];

/* A stand-in queue program: saves fd 0 and fd 1, exits with $QQ_EXIT
 * (or kills itself when it is "kill"). */
static void
make_script(void)
{
  FILE *f;

  snprintf(script, sizeof script, "%s/qq", dir);
  snprintf(message, sizeof message, "%s/message", dir);
  snprintf(envelope, sizeof envelope, "%s/envelope", dir);
  f = fopen(script, "w");
  CHECK(f != 0);
  fprintf(f, "#!/bin/sh\ncat > %s\ncat <&1 > %s\n"
          "[ \"$QQ_EXIT\" = kill ] && kill -9 $$\nexit ${QQ_EXIT:-0}\n",
          message, envelope);
  fclose(f);
  CHECK(chmod(script, 0755) == 0);
  setenv("QMAILQUEUE", script, 1);
}

static void
test_message_and_envelope(void)
{
  struct qmailqueue qq;
  stralloc got = STRALLOC_ZERO;

  setenv("QQ_EXIT", "0", 1);
  CHECK(qmailqueue_open(&qq));
  qmailqueue_puts(&qq, "Subject: x\n\n");
  qmailqueue_put(&qq, "body\n", 5);
  qmailqueue_from(&qq, "a@b");
  qmailqueue_to(&qq, "c@d");
  qmailqueue_to(&qq, "e@f");
  CHECK(qmailqueue_pid(&qq) > 0);
  CHECK(qmailqueue_close(&qq) == 0);
  CHECK(readfile(message, &got));
  CHECK_SA(got, "Subject: x\n\nbody\n");
  CHECK(readfile(envelope, &got));
  CHECK_MEM(got.s, got.len, "Fa@b\0Tc@d\0Te@f\0\0", 16);
  stralloc_free(&got);
}

static void
test_exit_codes(void)
{
  struct qmailqueue qq;

  setenv("QQ_EXIT", "53", 1);
  CHECK(qmailqueue_open(&qq));
  qmailqueue_from(&qq, "");
  qmailqueue_to(&qq, "c@d");
  CHECK(qmailqueue_close(&qq) == 53);
  CHECK(!qmailqueue_permanent(53));
  CHECK(strstr(qmailqueue_text(53), "disk full") != 0);
  CHECK(qmailqueue_permanent(31));
  CHECK(strstr(qmailqueue_text(31), "#5.") != 0);

  setenv("QQ_EXIT", "kill", 1);
  CHECK(qmailqueue_open(&qq));
  qmailqueue_from(&qq, "a@b");
  CHECK(qmailqueue_close(&qq) == QMAILQUEUE_CRASHED);

  setenv("QMAILQUEUE", "/nonexistent/qmail-queue", 1);
  CHECK(qmailqueue_open(&qq));
  qmailqueue_from(&qq, "a@b");
  CHECK(qmailqueue_close(&qq) == QMAILQUEUE_CRASHED);
  setenv("QMAILQUEUE", script, 1);
}

static void
test_abort_sends_no_envelope(void)
{
  struct qmailqueue qq;
  stralloc got = STRALLOC_ZERO;

  setenv("QQ_EXIT", "0", 1);
  CHECK(qmailqueue_open(&qq));
  qmailqueue_puts(&qq, "half a message");
  qmailqueue_abort(&qq);
  qmailqueue_from(&qq, "a@b");
  qmailqueue_to(&qq, "c@d");
  qmailqueue_close(&qq);
  CHECK(readfile(envelope, &got));
  CHECK(got.len == 0);          /* qmail-queue would see no envelope */
  stralloc_free(&got);
}

int
main(void)
{
  signal(SIGPIPE, SIG_IGN);
  CHECK(mkdtemp(dir) != 0);
  make_script();
  RUN(test_message_and_envelope);
  RUN(test_exit_codes);
  RUN(test_abort_sends_no_envelope);
  unlink(script); unlink(message); unlink(envelope);
  rmdir(dir);
  return unit_done();
}
