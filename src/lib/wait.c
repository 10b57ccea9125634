/* wait.c -- reaping children; see wait.h. */
#include <errno.h>

#include "wait.h"

pid_t
wait_pid(pid_t pid, int *status)
{
  pid_t r;

  do
    r = waitpid(pid, status, 0);
  while (r == -1 && errno == EINTR);
  return r;
}

pid_t
wait_nohang(int *status)
{
  pid_t r;

  do
    r = waitpid(-1, status, WNOHANG);
  while (r == -1 && errno == EINTR);
  return r;
}
