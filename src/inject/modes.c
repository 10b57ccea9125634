/* modes.c -- sendmail -bp, -q and -bi; see modes.h. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errmsg.h"
#include "instance.h"
#include "modes.h"
#include "readfile.h"
#include "stralloc.h"

static void home_path(stralloc *out, const char *rel);
static int is_queue_sender(const char *pid, const char *queue_dir,
                           int *denied);

/* HOME/rel, NUL-terminated. */
static void
home_path(stralloc *out, const char *rel)
{
  if (!stralloc_copys(out, instance_home()) || !stralloc_append(out, '/')
      || !stralloc_cats(out, rel) || !stralloc_0(out))
    die_nomem();
}

void
mode_list_queue(void)
{
  stralloc path = STRALLOC_ZERO;
  char *argv[2];

  home_path(&path, "bin/qmail-qread");
  argv[0] = path.s;
  argv[1] = 0;
  execv(path.s, argv);
  if (errno == ENOENT)
    die(111, "unable to list the queue: ", path.s, " is not installed; "
        "as root, ls -R the queue's todo/ and info/ directories instead. "
        "(#4.3.0)");
  die_sys(111, "unable to run ", path.s, ". (#4.3.0)");
}

/* 1 when /proc/pid is a process named qmail-send working in queue_dir;
 * *denied is set when this user may not look at its working
 * directory. */
static int
is_queue_sender(const char *pid, const char *queue_dir, int *denied)
{
  stralloc path = STRALLOC_ZERO, comm = STRALLOC_ZERO;
  char cwd[PATH_MAX + 1];
  ssize_t n;
  int found = 0;

  if (!stralloc_copys(&path, "/proc/") || !stralloc_cats(&path, pid)
      || !stralloc_cats(&path, "/comm") || !stralloc_0(&path))
    die_nomem();
  if (!readfile(path.s, &comm) || comm.len != 11
      || memcmp(comm.s, "qmail-send\n", 11) != 0)
    goto done;
  path.len -= 5;
  if (!stralloc_cats(&path, "cwd") || !stralloc_0(&path))
    die_nomem();
  n = readlink(path.s, cwd, sizeof cwd - 1);
  if (n < 0) {
    if (errno == EACCES || errno == EPERM)
      *denied = 1;
    goto done;
  }
  cwd[n] = 0;
  found = !strcmp(cwd, queue_dir);
done:
  stralloc_free(&path);
  stralloc_free(&comm);
  return found;
}

void
mode_run_queue(void)
{
  stralloc queue = STRALLOC_ZERO;
  char real[PATH_MAX];
  DIR *proc;
  struct dirent *d;
  int denied = 0, signalled = 0;

  home_path(&queue, "queue");
  if (!realpath(queue.s, real))
    die_sys(111, "unable to find the queue ", queue.s, ". (#4.3.0)");
  proc = opendir("/proc");
  if (!proc || access("/proc/self/cwd", F_OK) == -1)
    die(111, "-q finds qmail-send through /proc, which this system does "
        "not have; ask the administrator to send qmail-send SIGALRM. "
        "(#4.3.0)");
  while ((d = readdir(proc)) != 0) {
    if (d->d_name[0] < '0' || d->d_name[0] > '9')
      continue;
    if (!is_queue_sender(d->d_name, real, &denied))
      continue;
    if (kill((pid_t)atol(d->d_name), SIGALRM) == -1) {
      if (errno == EPERM)
        denied = 1;
      continue;
    }
    signalled = 1;
  }
  closedir(proc);
  if (signalled)
    _exit(0);
  if (denied)
    die(111, "not permitted to signal qmail-send; run sendmail -q as root "
        "or as the user qmail-send runs as. (#4.3.0)");
  die(111, "no qmail-send is running for ", real, "; nothing to retry. "
      "(#4.3.0)");
}

void
mode_rebuild_aliases(const char *alias_file)
{
  stralloc tool = STRALLOC_ZERO, self = STRALLOC_ZERO;
  struct stat tool_st, self_st;
  char *argv[3];

  home_path(&tool, "bin/newaliases");
  home_path(&self, "bin/sendmail");
  /* When newaliases is only a link to this program, running it would
   * run this mode again, for ever. */
  if (stat(tool.s, &tool_st) == 0
      && !(stat(self.s, &self_st) == 0 && self_st.st_dev == tool_st.st_dev
           && self_st.st_ino == tool_st.st_ino)
      && !(stat("/proc/self/exe", &self_st) == 0
           && self_st.st_dev == tool_st.st_dev
           && self_st.st_ino == tool_st.st_ino)) {
    argv[0] = tool.s;
    argv[1] = (char *)alias_file;
    argv[2] = 0;
    execv(tool.s, argv);
    die_sys(111, "unable to run ", tool.s, ". (#4.3.0)");
  }
  errmsg_put(errmsg_prog, ": no aliases database to rebuild: ", tool.s,
             " is not installed (the aliases in alias/.qmail-* need "
             "none)\n", (char *)0);
  _exit(0);
}
