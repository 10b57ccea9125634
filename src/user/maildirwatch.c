/* maildirwatch -- show the messages waiting in a maildir.
 *
 * Usage: MAILDIR=dir maildirwatch [-1]
 *
 * Run by the maildir's owner on a terminal.  Every 30 seconds prints a
 * line with the time, then for every message in $MAILDIR/new and
 * $MAILDIR/cur (oldest name first) its From: and Subject: fields and a
 * blank line.  With -1 it prints the list once and exits (for scripts).
 * Unlike qmail's version it needs no particular terminal type: it
 * separates the listings with a form feed instead of redrawing.
 *
 * Exit codes: 0 after -1; 100 usage error or MAILDIR unset; 111 the
 * maildir cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "date822.h"
#include "env.h"
#include "errmsg.h"
#include "header.h"
#include "maildir.h"
#include "open.h"
#include "stralloc.h"


/* Print the From: and Subject: fields (with their continuation lines)
 * of the message in path. */
static void
show(const char *path)
{
  char space[BUFFER_INSIZE];
  stralloc line = STRALLOC_ZERO;
  buffer in;
  int fd, wanted = 0;

  fd = open_read(path);
  if (fd == -1)
    return;             /* read or removed meanwhile */
  buffer_init(&in, buffer_unixread, fd, 0, space, sizeof space);
  for (;;) {
    line.len = 0;
    if (buffer_getline(&in, &line, '\n') != 1)
      break;
    if (line.len <= 1)
      break;
    if (line.s[0] == ' ' || line.s[0] == '\t') {
      if (wanted)
        buffer_put(buffer_1, line.s, line.len);
      continue;
    }
    wanted = header_is(line.s, line.len, "From")
             || header_is(line.s, line.len, "Subject");
    if (wanted)
      buffer_put(buffer_1, line.s, line.len);
  }
  if (line.len && line.s[line.len - 1] != '\n' && wanted)
    buffer_puts(buffer_1, "\n");
  buffer_puts(buffer_1, "\n");
  close(fd);
  stralloc_free(&line);
}

static void
listing(const char *maildir)
{
  stralloc names = STRALLOC_ZERO, path = STRALLOC_ZERO, now = STRALLOC_ZERO;
  char **list;
  size_t count, i;

  if (!maildir_list(maildir, &names, &list, &count))
    die_sys(111, "unable to list the maildir ", maildir);
  if (!date822_fmt_local(&now, time(0)))
    now.len = 0;
  buffer_puts(buffer_1, "--- ");
  buffer_put(buffer_1, now.s, now.len);
  buffer_puts(buffer_1, "\n\n");
  for (i = 0; i < count; ++i) {
    if (!stralloc_copys(&path, maildir) || !stralloc_cats(&path, "/")
        || !stralloc_cats(&path, list[i]) || !stralloc_0(&path))
      die_nomem();
    show(path.s);
  }
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write output");
  free(list);
  stralloc_free(&names);
  stralloc_free(&path);
  stralloc_free(&now);
}

int
main(int argc, char **argv)
{
  const char *maildir;
  int once = 0;

  errmsg_init("maildirwatch");
  if (argc == 2 && !strcmp(argv[1], "-1"))
    once = 1;
  else if (argc != 1)
    die(100, "usage: maildirwatch [-1]");
  maildir = env_get("MAILDIR");
  if (!maildir || !*maildir)
    die(100, "MAILDIR is not set");
  for (;;) {
    listing(maildir);
    if (once)
      return 0;
    sleep(30);
    buffer_putsflush(buffer_1, "\f");
  }
}
