/* send_bounce.c -- bounce messages in QSBMF (qmail-send Bounce Message
 * Format).
 *
 * bounce/ID collects one paragraph per failed recipient: "<address>:",
 * the delivery program's report (its empty lines dropped, so a blank
 * line only ever ends a paragraph), then an empty line.  A paragraph is
 * appended only after whatever a crash or a failed write left torn at
 * the end of the file has been cut off, and file and directory are
 * synced before the recipient counts as done; the sender reads only
 * complete paragraphs.
 *
 * A bounce goes to the message's sender with the null envelope sender.
 * A message with the null sender is itself a bounce: its failure becomes
 * a double bounce, sent to doublebounceto@doublebouncehost with the
 * envelope sender #@[] (and dropped when doublebounceto is empty), and
 * so does a bounce whose sender is no usable address (control bytes,
 * left by an older qmail-queue that let them in).  A double bounce that
 * fails (sender #@[]) is discarded: there is no triple bounce.  The
 * bounce is queued through $QMAILQUEUE or qmail-queue like any other
 * mail.  Addresses in its header fields are quoted as RFC 5322 wants,
 * so no sender can add header fields or text of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "address.h"
#include "date822.h"
#include "open.h"
#include "qmailqueue.h"
#include "queue.h"
#include "readfile.h"
#include "send.h"

/* The length of the complete paragraphs at the start of text. */
static size_t
complete_part(const stralloc *text)
{
  size_t i;

  for (i = text->len; i >= 2; --i)
    if (text->s[i - 1] == '\n' && text->s[i - 2] == '\n')
      return i;
  return 0;
}

static int
paragraph(stralloc *out, const char *recipient, const char *report, size_t len)
{
  size_t i = 0;

  if (!stralloc_copys(out, "<") || !stralloc_cats(out, recipient)
      || !stralloc_cats(out, ">:\n"))
    return 0;
  while (i < len) {
    const char *nl = memchr(report + i, '\n', len - i);
    size_t end = nl ? (size_t)(nl - report) : len;

    if (end > i && (!stralloc_catb(out, report + i, end - i)
                    || !stralloc_append(out, '\n')))
      return 0;
    i = end + 1;
  }
  return stralloc_append(out, '\n');
}

static int
write_at(int fd, const char *s, size_t len, off_t at)
{
  while (len) {
    ssize_t w = pwrite(fd, s, len, at);

    if (w == -1 && errno == EINTR)
      continue;
    if (w <= 0) {
      if (w == 0)
        errno = EIO;
      return 0;
    }
    s += w;
    len -= (size_t)w;
    at += w;
  }
  return 1;
}

int
bounce_add(unsigned long id, const char *recipient, const char *report, size_t len)
{
  stralloc path = STRALLOC_ZERO, text = STRALLOC_ZERO, old = STRALLOC_ZERO;
  char number[FMT_ULONG];
  size_t keep;
  int fd = -1, ok = 0;

  log_num(number, id);
  if (!queue_path_flat(&path, "bounce", id) || !paragraph(&text, recipient, report, len))
    goto done;
  fd = open(path.s, O_RDWR | O_CREAT, 0600);
  if (fd == -1 || !readfile_fd(fd, &old))
    goto done;
  keep = complete_part(&old);
  if (keep != old.len) {
    if (ftruncate(fd, (off_t)keep) == -1)
      goto done;
    log_line("warning: cut a torn paragraph off bounce/", number, (char *)0);
  }
  if (!write_at(fd, text.s, text.len, (off_t)keep)) {
    int saved = errno;

    if (ftruncate(fd, (off_t)keep) == -1)
      log_line("warning: bounce/", number, " ends in a torn paragraph; "
               "it is cut off before the next one is added", (char *)0);
    errno = saved;
    goto done;
  }
  ok = fsync(fd) == 0;
  ok = close(fd) == 0 && ok;
  fd = -1;
  ok = ok && fsync_dir("bounce");
done:
  if (!ok)
    log_line("warning: unable to write bounce/", number, ": ", strerror(errno), (char *)0);
  if (fd != -1)
    close(fd);
  stralloc_free(&path);
  stralloc_free(&text);
  stralloc_free(&old);
  return ok;
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

static int
has_control(const char *s)
{
  for (; *s; ++s)
    if ((unsigned char)*s < 32 || *s == 127)
      return 1;
  return 0;
}

/* "Name: address" with the address quoted, then a newline. */
static void
put_address_field(struct qmailqueue *qq, const char *name, const char *addr, size_t len)
{
  stralloc quoted = STRALLOC_ZERO;

  qmailqueue_puts(qq, name);
  if (address_quote(&quoted, addr, len))
    qmailqueue_put(qq, quoted.s, quoted.len);
  else
    /* out of memory, or control bytes (callers never pass them) */
    qmailqueue_abort(qq);
  qmailqueue_puts(qq, "\n");
  stralloc_free(&quoted);
}

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

int
bounce_send(unsigned long id)
{
  stralloc bounce = STRALLOC_ZERO, paragraphs = STRALLOC_ZERO, mess = STRALLOC_ZERO;
  stralloc sender = STRALLOC_ZERO, to = STRALLOC_ZERO, from = STRALLOC_ZERO;
  stralloc date = STRALLOC_ZERO;
  struct qmailqueue qq;
  const char *envelope_sender;
  int doubled, code, ok = 0;
  char idtext[FMT_ULONG], qp[FMT_ULONG];

  log_num(idtext, id);
  if (!queue_path_flat(&bounce, "bounce", id))
    return 0;
  if (!readfile(bounce.s, &paragraphs)) {
    if (errno != ENOENT)
      log_line("warning: unable to read bounce/", idtext, ": ", strerror(errno),
               "; will try again", (char *)0);
    ok = errno == ENOENT;
    goto done;
  }
  paragraphs.len = complete_part(&paragraphs);
  if (!paragraphs.len) {
    /* only a torn paragraph: its recipient is still to do */
    ok = unlink(bounce.s) == 0 || errno == ENOENT;
    goto done;
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
  doubled = !*sender.s || has_control(sender.s);
  if (doubled) {
    if (!conf.doublebounceto.len || has_control(conf.doublebounceto.s)) {
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
  if (!stralloc_copy(&from, &conf.bouncefrom) || !stralloc_append(&from, '@')
      || !stralloc_cat(&from, &conf.bouncehost) || !stralloc_0(&from))
    goto done;
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
  qmailqueue_puts(&qq, "\n");
  put_address_field(&qq, "From: ", from.s, from.len - 1);
  put_address_field(&qq, "To: ", to.s, to.len - 1);
  qmailqueue_puts(&qq, "Subject: failure notice\n\nHi. This is the qmail-send program at ");
  qmailqueue_put(&qq, conf.me.s, conf.me.len);
  qmailqueue_puts(&qq, ".\n");
  if (doubled)
    qmailqueue_puts(&qq, "I tried to deliver a bounce message to this address, "
                    "but the bounce bounced!\n\n");
  else
    qmailqueue_puts(&qq, "I'm afraid I wasn't able to deliver your message to the "
                    "following addresses.\nThis is a permanent error; I've given up. "
                    "Sorry it didn't work out.\n\n");
  qmailqueue_put(&qq, paragraphs.s, paragraphs.len);
  qmailqueue_puts(&qq, "--- Below this line is a copy of the message.\n\n");
  if (!copy_file(&qq, mess.s)) {
    log_line("warning: unable to read the files for the bounce of message ", idtext, (char *)0);
    qmailqueue_abort(&qq);
  }
  qmailqueue_from(&qq, envelope_sender);
  qmailqueue_to(&qq, to.s);
  log_num(qp, (unsigned long)qmailqueue_pid(&qq));
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
  stralloc_free(&paragraphs);
  stralloc_free(&mess);
  stralloc_free(&sender);
  stralloc_free(&to);
  stralloc_free(&from);
  stralloc_free(&date);
  return ok;
}
