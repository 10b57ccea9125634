/* qmail-clean -- remove queue files on behalf of qmail-send.
 *
 * Started by qmail-start as qmailq, the owner of mess/, intd/ and todo/,
 * which qmail-send (qmails) may read but not change.  Reads requests
 * from fd 0 and answers each on fd 1 with one byte, in order: '+' done,
 * '!' failed.  Requests are netstrings (src/queue/README.md):
 *
 *   t ID   remove intd/N/ID and todo/N/ID (the message was preprocessed)
 *   m ID   remove mess/N/ID, and any intd/N/ID or todo/N/ID left over
 *
 * A file that is already gone counts as removed, so a request repeated
 * after a crash succeeds.  The removals stop at the first failure, and
 * the file naming the message (todo for t, mess for m) goes last.  Anything else gets '!' and a warning on fd 2.
 * It also removes stale files from pid/ (older than 36 hours: left by a
 * qmail-queue that was killed) when it starts.
 *
 * Exit codes: 0 at end of input; 111 when the queue directory cannot be
 * entered or a reply cannot be written.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "errmsg.h"
#include "instance.h"
#include "netstring.h"
#include "queue.h"
#include "scan.h"
#include "sig.h"
#include "stralloc.h"

#define STALE_PID_SECONDS (36 * 3600)

static int
remove_file(const char *path)
{
  if (unlink(path) == 0 || errno == ENOENT)
    return 1;
  warn_sys("unable to remove ", path);
  return 0;
}

static int
remove_split(stralloc *path, const char *dir, unsigned long id)
{
  path->len = 0;
  if (!queue_path_split(path, dir, id))
    return 0;
  return remove_file(path->s);
}

static void
remove_stale_pids(void)
{
  DIR *dir = opendir("pid");
  struct dirent *d;
  time_t now = time(0);
  stralloc path = STRALLOC_ZERO;

  if (!dir)
    return;
  while ((d = readdir(dir))) {
    struct stat st;

    if (d->d_name[0] == '.')
      continue;
    path.len = 0;
    if (!stralloc_cats(&path, "pid/") || !stralloc_cats(&path, d->d_name)
        || !stralloc_0(&path))
      break;
    if (stat(path.s, &st) == 0 && st.st_mtime + STALE_PID_SECONDS < now)
      remove_file(path.s);
  }
  closedir(dir);
  stralloc_free(&path);
}

static int
handle(const stralloc *request, stralloc *path)
{
  unsigned long id;
  size_t n;

  if (request->len < 3 || request->s[1] != ' ')
    return 0;
  n = scan_ulongn(request->s + 2, request->len - 2, &id);
  if (!n || n != request->len - 2)
    return 0;
  switch (request->s[0]) {
  /* The file that names the message goes last and only when the others
   * are gone, so after '!' it is still there: the id (an inode number)
   * cannot have been reused, and repeating the request is safe. */
  case 't':
    return remove_split(path, "intd", id) && remove_split(path, "todo", id);
  case 'm':
    /* todo first: a todo entry without its message would be an error */
    return remove_split(path, "todo", id) && remove_split(path, "intd", id)
      && remove_split(path, "mess", id);
  default:
    return 0;
  }
}

int
main(void)
{
  stralloc request = STRALLOC_ZERO, path = STRALLOC_ZERO;

  errmsg_init("qmail-clean");
  sig_ignore(SIGPIPE);
  if (chdir(instance_home()) == -1 || chdir("queue") == -1)
    die_sys(111, "unable to enter the queue directory. (#4.3.0)");
  remove_stale_pids();
  for (;;) {
    int r = netstring_get(buffer_0, &request, 64);
    char answer;

    if (r == 0)
      return 0;
    if (r < 0) {
      if (errno == EPROTO || errno == EMSGSIZE)
        die(111, "malformed request from qmail-send");
      die_sys(111, "unable to read requests");
    }
    answer = handle(&request, &path) ? '+' : '!';
    if (answer == '!') {
      if (!stralloc_0(&request))
        die_nomem();
      warn("request not done: ", request.s);
    }
    if (!buffer_putflush(buffer_1, &answer, 1))
      die_sys(111, "unable to answer qmail-send");
  }
}
