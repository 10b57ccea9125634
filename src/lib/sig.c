/* sig.c -- signal dispositions and mask; see sig.h. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "sig.h"

static int
sig_action(int sig, void (*handler)(int))
{
  struct sigaction sa;

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  /* deliberately no SA_RESTART; see sig.h */
  return sigaction(sig, &sa, 0) == 0;
}

int
sig_catch(int sig, sig_handler *handler)
{
  return sig_action(sig, handler);
}

int
sig_ignore(int sig)
{
  return sig_action(sig, SIG_IGN);
}

int
sig_default(int sig)
{
  return sig_action(sig, SIG_DFL);
}

static int
sig_mask(int how, int sig)
{
  sigset_t set;

  sigemptyset(&set);
  if (sigaddset(&set, sig) == -1)
    return 0;
  return sigprocmask(how, &set, 0) == 0;
}

int
sig_block(int sig)
{
  return sig_mask(SIG_BLOCK, sig);
}

int
sig_unblock(int sig)
{
  return sig_mask(SIG_UNBLOCK, sig);
}

int
sig_blocknone(void)
{
  sigset_t none;

  sigemptyset(&none);
  return sigprocmask(SIG_SETMASK, &none, 0) == 0;
}

int
sig_isblocked(int sig)
{
  sigset_t current;

  if (sigprocmask(SIG_BLOCK, 0, &current) == -1)
    return 0;
  return sigismember(&current, sig) == 1;
}
