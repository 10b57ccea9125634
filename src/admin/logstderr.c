/* logstderr -- run a program with its standard error going to syslog.
 *
 * Usage: logstderr tag facility program [arg ...]
 *
 * inetd and xinetd start a server with the client's socket on
 * descriptors 0, 1 and 2, so a server that logs on descriptor 2 (as
 * qmail-smtpd does) would send its log lines to the client.  logstderr,
 * placed first in the service's command, starts splogger (from the
 * mail system's bin directory) with a pipe as its input and /dev/null
 * as its output, puts the pipe on descriptor 2 and becomes program.
 * Nothing the program, or anything after it in the command (tcp-env),
 * writes to descriptor 2 then reaches the client.
 *
 * splogger is detached (started through an intermediate process that
 * exits at once), so the program keeps the process id inetd started,
 * inetd sees its exit code, and the program never gets splogger's exit
 * as a child of its own.  splogger ends when the last holder of the
 * pipe (the program and whatever it started) has exited.
 *
 * Runs with the privileges inetd gave it and needs no others.  Exits
 * 100 on a usage error, 111 when the pipe or splogger cannot be set up
 * (nothing can be logged then, so the client just sees the connection
 * close) or the program cannot be run (said in the log); otherwise it
 * is the program.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "errmsg.h"
#include "instance.h"
#include "stralloc.h"

/* In the intermediate process: start splogger reading from log_in, and
 * report through report_fd (close-on-exec) the errno of a failed exec. */
static void
start_logger(const char *splogger, char *tag, char *facility, int log_in,
             int report_fd)
{
  char *args[4];
  int null;
  pid_t pid = fork();

  if (pid == -1)
    _exit(111);
  if (pid > 0)
    _exit(0);
  null = open("/dev/null", O_WRONLY);
  if (null == -1 || dup2(log_in, 0) == -1 || dup2(null, 1) == -1
      || dup2(null, 2) == -1) {
    int e = errno;

    (void)!write(report_fd, &e, sizeof e);
    _exit(111);
  }
  args[0] = (char *)"splogger";
  args[1] = tag;
  args[2] = facility;
  args[3] = 0;
  execv(splogger, args);
  {
    int e = errno;

    (void)!write(report_fd, &e, sizeof e);
  }
  _exit(111);
}

int
main(int argc, char **argv)
{
  stralloc splogger = STRALLOC_ZERO;
  int log_pipe[2], report[2];
  int status, e;
  ssize_t r;
  pid_t pid;

  errmsg_init("logstderr");
  if (argc < 4)
    die(100, "usage: logstderr tag facility program [arg ...]");
  if (!stralloc_copys(&splogger, instance_home())
      || !stralloc_cats(&splogger, "/bin/splogger") || !stralloc_0(&splogger))
    die_nomem();
  /* a superserver may leave SIGCHLD ignored, which would reap the
   * intermediate process before waitpid sees it; the program, too,
   * expects the default */
  signal(SIGCHLD, SIG_DFL);
  if (pipe(log_pipe) == -1 || pipe(report) == -1
      || fcntl(report[1], F_SETFD, FD_CLOEXEC) == -1)
    _exit(111);
  pid = fork();
  if (pid == -1)
    _exit(111);
  if (pid == 0) {
    close(log_pipe[1]);
    close(report[0]);
    start_logger(splogger.s, argv[1], argv[2], log_pipe[0], report[1]);
  }
  close(log_pipe[0]);
  close(report[1]);
  while (waitpid(pid, &status, 0) == -1)
    if (errno != EINTR)
      _exit(111);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    _exit(111);
  /* end of file: splogger runs; an int: why it does not */
  do
    r = read(report[0], &e, sizeof e);
  while (r == -1 && errno == EINTR);
  if (r != 0)
    _exit(111);
  close(report[0]);
  if (dup2(log_pipe[1], 2) == -1)
    _exit(111);
  if (log_pipe[1] != 2)
    close(log_pipe[1]);
  execvp(argv[3], argv + 3);
  die_sys(111, "unable to run ", argv[3]);
}
