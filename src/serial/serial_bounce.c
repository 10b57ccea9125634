/* serial_bounce.c -- return a spooled message to its sender. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "date822.h"
#include "maildirserial.h"
#include "qmailqueue.h"
#include "readfile.h"

/* Where the bounce says it comes from: control/me of the instance. */
static int
me(stralloc *out)
{
  stralloc path = STRALLOC_ZERO;
  int ok;

  if (!stralloc_copys(&path, instance_home())
      || !stralloc_cats(&path, "/control/me") || !stralloc_0(&path))
    return 0;
  ok = readfile(path.s, out);
  stralloc_free(&path);
  if (!ok && errno != ENOENT)
    return 0;
  if (ok) {
    char *nl = memchr(out->s, '\n', out->len);

    if (nl)
      out->len = (size_t)(nl - out->s);
  }
  if (!ok || !out->len)
    return stralloc_copys(out, "localhost");
  return 1;
}

int
serial_bounce(struct spool_entry *e, const char *dir, const char *why,
              stralloc *failure)
{
  static stralloc host = STRALLOC_ZERO;
  stralloc head = STRALLOC_ZERO;
  struct qmailqueue qq;
  char space[8192];
  int fd, code, ok = 0;

  failure->len = 0;
  if (!host.len && !me(&host))
    return stralloc_copys(failure, "unable to read control/me"), 0;
  fd = open_spool_file(e->name);
  if (fd == -1) {
    stralloc_copys(failure, "unable to read the message again: ");
    stralloc_cats(failure, strerror(errno));
    return 0;
  }
  if (lseek(fd, e->body, SEEK_SET) == -1) {
    stralloc_copys(failure, "unable to read the message again: ");
    stralloc_cats(failure, strerror(errno));
    close(fd);
    return 0;
  }
  if (!stralloc_copys(&head, "Date: ") || !date822_fmt(&head, time(0))
      || !stralloc_cats(&head, "\nFrom: MAILER-DAEMON@")
      || !stralloc_cat(&head, &host)
      || !stralloc_cats(&head, "\nTo: ") || !stralloc_cat(&head, &e->sender)
      || !stralloc_cats(&head, "\nSubject: failure notice\n\n"
                        "Hi. This is the maildirserial program at ")
      || !stralloc_cat(&head, &host)
      || !stralloc_cats(&head, ".\nA message you sent waited in the "
                        "outgoing spool ")
      || !stralloc_cats(&head, dir)
      || !stralloc_cats(&head, " and could not be delivered to\n<")
      || !stralloc_cat(&head, &e->recipient)
      || !stralloc_cats(&head, ">:\n")
      || !stralloc_cats(&head, why)
      || !stralloc_cats(&head, "\nI have given up on it.\n\n"
                        "--- Below this line is a copy of the message.\n\n")) {
    close(fd);
    stralloc_free(&head);
    return stralloc_copys(failure, "out of memory"), 0;
  }
  if (!qmailqueue_open(&qq)) {
    stralloc_copys(failure, "unable to run qmail-queue: ");
    stralloc_cats(failure, strerror(errno));
    close(fd);
    stralloc_free(&head);
    return 0;
  }
  qmailqueue_put(&qq, head.s, head.len);
  for (;;) {
    ssize_t r = read(fd, space, sizeof space);

    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1) {
      stralloc_copys(failure, "unable to read the message again: ");
      stralloc_cats(failure, strerror(errno));
      qmailqueue_abort(&qq);
      qmailqueue_close(&qq);
      goto done;
    }
    if (r == 0)
      break;
    qmailqueue_put(&qq, space, (size_t)r);
  }
  qmailqueue_from(&qq, "");
  qmailqueue_to(&qq, e->sender.s);
  code = qmailqueue_close(&qq);
  if (code) {
    stralloc_copys(failure, "qmail-queue refused the bounce: ");
    stralloc_cats(failure, qmailqueue_text(code));
  } else
    ok = 1;
done:
  close(fd);
  stralloc_free(&head);
  return ok;
}
