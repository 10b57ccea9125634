/* maildir2mbox -- move the messages of a maildir into an mbox.
 *
 * Usage: MAILDIR=dir MAIL=file maildir2mbox
 *
 * Run by the mailbox's owner, for mail readers that know only mbox.
 * Every message in $MAILDIR/new and $MAILDIR/cur (oldest name first) is
 * appended to $MAIL with a From_ line (the sender from the message's
 * Return-Path: field, the date its file's modification time) and
 * mboxrd quoting of "From " lines, under the locks and with the
 * truncate-on-error rule of qmail-local's mbox delivery (see mbox.h),
 * and only then removed from the maildir.  A crash between the two
 * steps can leave a message in both places, never in neither.  $MAILTMP,
 * which qmail's version uses for a temporary copy of the whole mbox, is
 * accepted and not needed.
 *
 * Exit codes: 0 everything moved; 111 a temporary failure (what was
 * moved before it is gone from the maildir, the rest stays); 100 MAILDIR
 * or MAIL not set.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "env.h"
#include "errmsg.h"
#include "header.h"
#include "maildir.h"
#include "mbox.h"
#include "open.h"
#include "stralloc.h"

/* The names of the messages in one subdirectory, "new/NAME\0..." */

/* The envelope sender from the message's Return-Path: field ("" when
 * there is none, or "<>"), read from fd; the offset is left anywhere. */
static void
return_path(int fd, stralloc *sender)
{
  char space[BUFFER_INSIZE];
  buffer in = BUFFER_INIT(buffer_unixread, fd, 0, space, sizeof space);
  stralloc line = STRALLOC_ZERO;
  size_t body;

  sender->len = 0;
  for (;;) {
    line.len = 0;
    if (buffer_getline(&in, &line, '\n') != 1 || line.len <= 1)
      break;
    if (!header_is(line.s, line.len, "Return-Path"))
      continue;
    body = header_field_name(line.s, line.len, 0);
    while (body < line.len && (line.s[body] == ' ' || line.s[body] == '\t'))
      ++body;
    while (line.len > body && (line.s[line.len - 1] == '\n'
                               || line.s[line.len - 1] == ' '))
      --line.len;
    if (line.len > body && line.s[body] == '<'
        && line.s[line.len - 1] == '>')
      ++body, --line.len;
    if (!stralloc_catb(sender, line.s + body, line.len - body))
      die_nomem();
    break;
  }
  if (!stralloc_0(sender))
    die_nomem();
  stralloc_free(&line);
}

int
main(void)
{
  const char *maildir, *mail;
  stralloc names = STRALLOC_ZERO, path = STRALLOC_ZERO;
  stralloc sender = STRALLOC_ZERO, head = STRALLOC_ZERO, why = STRALLOC_ZERO;
  char **list;
  size_t count, i;
  struct stat st;
  int fd;

  errmsg_init("maildir2mbox");
  maildir = env_get("MAILDIR");
  mail = env_get("MAIL");
  if (!maildir || !*maildir)
    die(100, "MAILDIR is not set");
  if (!mail || !*mail)
    die(100, "MAIL is not set");
  if (!maildir_list(maildir, &names, &list, &count))
    die_sys(111, "unable to list the maildir ", maildir);
  if (!count)
    return 0;

  for (i = 0; i < count; ++i) {
    if (!stralloc_copys(&path, maildir) || !stralloc_cats(&path, "/")
        || !stralloc_cats(&path, list[i]) || !stralloc_0(&path))
      die_nomem();
    fd = open_read(path.s);
    if (fd == -1) {
      if (errno == ENOENT)
        continue;        /* a reader moved or removed it meanwhile */
      die_sys(111, "unable to open ", path.s);
    }
    if (fstat(fd, &st) == -1)
      die_sys(111, "unable to stat ", path.s);
    return_path(fd, &sender);
    if (lseek(fd, 0, SEEK_SET) != 0)
      die_sys(111, "unable to rewind ", path.s);
    head.len = 0;
    if (!mbox_fromline(&head, sender.s, st.st_mtime))
      die_sys(111, "unable to make the From_ line for ", path.s);
    if (!mbox_deliver(mail, fd, head.s, head.len, MBOX_LOCK_TIMEOUT, &why)) {
      if (!stralloc_0(&why))
        die_nomem();
      die(111, "unable to move ", path.s, ": ", why.len > 1 ? why.s : "failed");
    }
    close(fd);
    if (unlink(path.s) == -1 && errno != ENOENT)
      die_sys(111, "unable to remove ", path.s, " (it is in ", mail,
              " already)");
  }
  free(list);
  return 0;
}
