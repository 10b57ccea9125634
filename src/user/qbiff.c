/* qbiff -- tell the recipient on their terminal that mail arrived.
 *
 * Usage (in a .qmail file): |qbiff
 *
 * Runs as the recipient under qmail-local, with the message on standard
 * input.  For every login of $USER recorded in the system's utmp file
 * whose terminal has biff turned on (the owner's execute bit, which
 * "biff y" sets), writes a short notice with the message's From: and
 * Subject: fields.  Writes never block: a terminal that is not ready
 * misses the notice.  On Linux the utmp file (/var/run/utmp) is read
 * directly, since a static musl binary has no utmp functions; elsewhere
 * the C library's getutxent() is used.
 *
 * Exit codes: always 0, so a notice can never hold up or bounce mail;
 * 100 only for a usage error.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#ifndef __linux__
#include <utmpx.h>
#endif

#include "buffer.h"
#include "env.h"
#include "errmsg.h"
#include "header.h"
#include "open.h"
#include "stralloc.h"

#define NOTICE_MAX 1024

static stralloc notice = STRALLOC_ZERO;

static void
build_notice(void)
{
  stralloc line = STRALLOC_ZERO;
  int wanted = 0;

  if (!stralloc_copys(&notice, "\a\r\n*** new mail ***\r\n"))
    return;
  for (;;) {
    line.len = 0;
    if (buffer_getline(buffer_0, &line, '\n') != 1 || line.len <= 1)
      break;
    if (line.s[0] != ' ' && line.s[0] != '\t')
      wanted = header_is(line.s, line.len, "From")
               || header_is(line.s, line.len, "Subject");
    if (wanted && notice.len + line.len < NOTICE_MAX) {
      --line.len;
      if (!stralloc_cat(&notice, &line) || !stralloc_cats(&notice, "\r\n"))
        return;
    }
  }
  stralloc_free(&line);
}

static void
notify(const char *line, size_t len)
{
  stralloc tty = STRALLOC_ZERO;
  struct stat st;
  int fd;

  if (!len || memchr(line, '/', len))
    goto done;
  if (!stralloc_copys(&tty, "/dev/") || !stralloc_catb(&tty, line, len)
      || !stralloc_0(&tty))
    goto done;
  if (stat(tty.s, &st) == -1 || !(st.st_mode & S_IXUSR)
      || st.st_uid != getuid())
    goto done;
  fd = open(tty.s, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1)
    goto done;
  if (write(fd, notice.s, notice.len) == -1) {
    /* not ready or gone: the notice is only a courtesy */
  }
  close(fd);
done:
  stralloc_free(&tty);
}

#ifdef __linux__
/* Linux's utmp records: type (short) at 0, line (32 bytes) at 8, user
 * (32 bytes) at 44, 384 bytes each. */
#define UTMP_FILE "/var/run/utmp"
#define UTMP_SIZE 384
#define UTMP_USER_PROCESS 7

static void
scan_logins(const char *user)
{
  char rec[UTMP_SIZE];
  size_t ulen = strlen(user), n;
  short type;
  int fd = open_read(UTMP_FILE);

  if (fd == -1 || ulen > 32)
    return;
  for (;;) {
    ssize_t r = read(fd, rec, sizeof rec);
    if (r != (ssize_t)sizeof rec)
      break;
    memcpy(&type, rec, sizeof type);
    if (type != UTMP_USER_PROCESS)
      continue;
    if (memcmp(rec + 44, user, ulen) || (ulen < 32 && rec[44 + ulen]))
      continue;
    for (n = 0; n < 32 && rec[8 + n]; ++n)
      ;
    notify(rec + 8, n);
  }
  close(fd);
}
#else
static void
scan_logins(const char *user)
{
  struct utmpx *u;

  setutxent();
  while ((u = getutxent()))
    if (u->ut_type == USER_PROCESS
        && !strncmp(u->ut_user, user, sizeof u->ut_user))
      notify(u->ut_line, strnlen(u->ut_line, sizeof u->ut_line));
  endutxent();
}
#endif

int
main(int argc, char **argv)
{
  const char *user;

  (void)argv;
  errmsg_init("qbiff");
  if (argc != 1)
    die(100, "usage: qbiff");
  user = env_get("USER");
  if (!user || !*user)
    return 0;
  build_notice();
  scan_logins(user);
  return 0;
}
