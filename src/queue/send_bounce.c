/* send_bounce.c -- bounce messages in QSBMF (qmail-send Bounce Message
 * Format).
 *
 * bounce/ID collects one paragraph per failed recipient.  A bounce goes
 * to the message's sender with the null envelope sender.  A message with
 * the null sender is itself a bounce: its failure becomes a double
 * bounce, sent to doublebounceto@doublebouncehost with the envelope
 * sender #@[] (and dropped when doublebounceto is empty).  A double
 * bounce that fails (sender #@[]) is discarded: there is no triple
 * bounce.  The bounce is queued through $QMAILQUEUE or qmail-queue like
 * any other mail.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "date822.h"
#include "open.h"
#include "qmailqueue.h"
#include "queue.h"
#include "readfile.h"
#include "send.h"

static int
copy_file(struct qmailqueue *qq, const char *path)
{
  char buf[8192];
  int fd = open_read(path);

  if (fd == -1)
    return 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);

    if (r == -1 && errno == EINTR)
      continue;
    if (r < 0) {
      close(fd);
      return 0;
    }
    if (r == 0)
      break;
    qmailqueue_put(qq, buf, (size_t)r);
  }
  close(fd);
  return 1;
}

static int
read_sender(unsigned long id, stralloc *sender)
{
  stralloc path = STRALLOC_ZERO;
  int ok = queue_path_split(&path, "info", id) && readfile(path.s, sender)
    && sender->len >= 1 && sender->s[0] == 'F' && stralloc_0(sender);

  stralloc_free(&path);
  if (ok) {
    /* drop the F: the sender is the first NUL-terminated string */
    size_t n = strlen(sender->s + 1);

    memmove(sender->s, sender->s + 1, n + 1);
    sender->len = n;
  }
  return ok;
}

int
bounce_send(unsigned long id)
{
  stralloc bounce = STRALLOC_ZERO, mess = STRALLOC_ZERO, sender = STRALLOC_ZERO;
  stralloc to = STRALLOC_ZERO, date = STRALLOC_ZERO;
  struct qmailqueue qq;
  const char *envelope_sender;
  int doubled, code, ok = 0;
  char idtext[24], qp[24];

  snprintf(idtext, sizeof idtext, "%lu", id);
  if (!queue_path_flat(&bounce, "bounce", id))
    return 0;
  if (access(bounce.s, F_OK) == -1) {
    stralloc_free(&bounce);
    return errno == ENOENT;
  }
  if (!read_sender(id, &sender)) {
    log_line("warning: unable to read the sender of message ", idtext,
             " for its bounce", (char *)0);
    goto done;
  }
  if (!strcmp(sender.s, "#@[]")) {
    log_line("triple bounce: discarding bounce/", idtext, (char *)0);
    ok = unlink(bounce.s) == 0 || errno == ENOENT;
    goto done;
  }
  doubled = !*sender.s;
  if (doubled) {
    if (!conf.doublebounceto.len) {
      log_line("double bounce: discarding bounce/", idtext, (char *)0);
      ok = unlink(bounce.s) == 0 || errno == ENOENT;
      goto done;
    }
    if (!stralloc_copy(&to, &conf.doublebounceto) || !stralloc_append(&to, '@')
        || !stralloc_cat(&to, &conf.doublebouncehost))
      goto done;
    envelope_sender = "#@[]";
  } else {
    if (!stralloc_copys(&to, sender.s))
      goto done;
    envelope_sender = "";
  }
  if (!stralloc_0(&to) || !date822_fmt(&date, time(0)) || !stralloc_0(&date))
    goto done;
  if (!queue_path_split(&mess, "mess", id))
    goto done;

  if (!qmailqueue_open(&qq)) {
    log_line("warning: unable to start qmail-queue for a bounce; will try again", (char *)0);
    goto done;
  }
  qmailqueue_puts(&qq, "Date: ");
  qmailqueue_puts(&qq, date.s);
  qmailqueue_puts(&qq, "\nFrom: ");
  qmailqueue_put(&qq, conf.bouncefrom.s, conf.bouncefrom.len);
  qmailqueue_puts(&qq, "@");
  qmailqueue_put(&qq, conf.bouncehost.s, conf.bouncehost.len);
  qmailqueue_puts(&qq, "\nTo: ");
  qmailqueue_puts(&qq, to.s);
  qmailqueue_puts(&qq, "\nSubject: failure notice\n\nHi. This is the qmail-send program at ");
  qmailqueue_put(&qq, conf.me.s, conf.me.len);
  qmailqueue_puts(&qq, ".\n");
  if (doubled)
    qmailqueue_puts(&qq, "I tried to deliver a bounce message to this address, "
                    "but the bounce bounced!\n\n");
  else
    qmailqueue_puts(&qq, "I'm afraid I wasn't able to deliver your message to the "
                    "following addresses.\nThis is a permanent error; I've given up. "
                    "Sorry it didn't work out.\n\n");
  if (!copy_file(&qq, bounce.s) || !(qmailqueue_puts(&qq,
      "--- Below this line is a copy of the message.\n\n"), copy_file(&qq, mess.s))) {
    log_line("warning: unable to read the files for the bounce of message ", idtext, (char *)0);
    qmailqueue_abort(&qq);
  }
  qmailqueue_from(&qq, envelope_sender);
  qmailqueue_to(&qq, to.s);
  snprintf(qp, sizeof qp, "%lu", (unsigned long)qmailqueue_pid(&qq));
  code = qmailqueue_close(&qq);
  if (code) {
    log_line("warning: unable to queue the bounce of message ", idtext, ": ",
             qmailqueue_text(code), (char *)0);
    goto done;
  }
  log_line("bounce msg ", idtext, " qp ", qp, (char *)0);
  ok = unlink(bounce.s) == 0 || errno == ENOENT;
done:
  stralloc_free(&bounce);
  stralloc_free(&mess);
  stralloc_free(&sender);
  stralloc_free(&to);
  stralloc_free(&date);
  return ok;
}
