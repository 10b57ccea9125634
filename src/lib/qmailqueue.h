/* qmailqueue.h -- hand a message to the queue program.
 *
 * Every program that queues mail (qmail-inject, sendmail, qmail-smtpd,
 * forward, qmail-send's bounces, ...) goes through this module.  It runs
 * the program named by $QMAILQUEUE when that is set (so content filters
 * can be plugged in, as with netqmail), else HOME/bin/qmail-queue where
 * HOME is instance_home().  The message goes to the program's fd 0, the
 * envelope to its fd 1, in qmail-queue's format.
 *
 * Usage:
 *     struct qmailqueue qq;
 *     if (!qmailqueue_open(&qq)) ... temporary failure, errno set
 *     qmailqueue_put(&qq, header, len); ...      message bytes
 *     qmailqueue_from(&qq, sender);               ends the message
 *     qmailqueue_to(&qq, recipient); ...
 *     code = qmailqueue_close(&qq);               0 when queued
 *
 * put/from/to never fail visibly: a write error (the queue program died
 * early) is remembered and reported by qmailqueue_close().  SIGPIPE must
 * be ignored by the caller.
 *
 * qmailqueue_close() returns the queue program's exit code (0 queued,
 * else qmail-queue's table), or QMAILQUEUE_CRASHED when it was killed
 * or could not run, or QMAILQUEUE_WRITEFAIL when the message could not
 * be written.  qmailqueue_permanent() tells whether a code is a
 * permanent failure (qmail's rule: 11 to 40), qmailqueue_text() gives
 * an explanation ending in a qmail status code like "(#4.3.0)".
 */
#ifndef QMAILQUEUE_H
#define QMAILQUEUE_H

#include <sys/types.h>

#include "buffer.h"
#include "stralloc.h"

#define QMAILQUEUE_CRASHED 256
#define QMAILQUEUE_WRITEFAIL 257

struct qmailqueue {
  pid_t pid;
  int msgfd;          /* write end of the message pipe, -1 once closed */
  int envfd;          /* write end of the envelope pipe */
  int failed;         /* a write failed */
  buffer msg;
  stralloc envelope;
  unsigned long bytes;
  char space[8192];
};

int qmailqueue_open(struct qmailqueue *qq);
void qmailqueue_put(struct qmailqueue *qq, const char *s, size_t len);
void qmailqueue_puts(struct qmailqueue *qq, const char *s);
void qmailqueue_from(struct qmailqueue *qq, const char *sender);
void qmailqueue_to(struct qmailqueue *qq, const char *recipient);
int qmailqueue_close(struct qmailqueue *qq);
/* Give up on this message: qmailqueue_close() then writes no envelope,
 * so the queue program removes what it wrote and queues nothing. */
void qmailqueue_abort(struct qmailqueue *qq);

/* Process id of the queue program (qmail logs it as "qp"). */
pid_t qmailqueue_pid(const struct qmailqueue *qq);
int qmailqueue_permanent(int code);
const char *qmailqueue_text(int code);

#endif
