/* command.c -- program deliveries for qmail-local; see command.h. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "child.h"
#include "command.h"
#include "env.h"
#include "sig.h"
#include "stralloc.h"
#include "wait.h"

/* Set name to s[0..len). */
static int
set_part(envbuild *eb, const char *name, const char *s, size_t len)
{
  stralloc value = STRALLOC_ZERO;
  int ok;

  ok = stralloc_copyb(&value, s, len) && stralloc_0(&value)
    && env_set(eb, name, value.s);
  stralloc_free(&value);
  return ok;
}

/* HOST2..HOST4: each drops one more dot-separated part from the end;
 * with no dot left the value stays what it was. */
static int
set_hosts(envbuild *eb, const char *host)
{
  static const char *const names[3] = { "HOST2", "HOST3", "HOST4" };
  size_t len = strlen(host);
  int i;

  for (i = 0; i < 3; ++i) {
    size_t dot = len;

    while (dot > 0 && host[dot - 1] != '.')
      --dot;
    if (dot > 0)
      len = dot - 1;
    if (!set_part(eb, names[i], host, len))
      return 0;
  }
  return 1;
}

/* EXT2..EXT4: the extension after its first, second, third '-'. */
static int
set_exts(envbuild *eb, const char *ext)
{
  static const char *const names[3] = { "EXT2", "EXT3", "EXT4" };
  const char *rest = ext;
  int i;

  for (i = 0; i < 3; ++i) {
    const char *dash = strchr(rest, '-');

    rest = dash ? dash + 1 : rest + strlen(rest);
    if (!env_set(eb, names[i], rest))
      return 0;
  }
  return 1;
}

int
command_env_make(struct command_env *ce, const struct command_info *info)
{
  envbuild *eb = &ce->env;
  stralloc recipient = STRALLOC_ZERO;
  int ok;

  if (!env_init(eb))
    return 0;
  ok = stralloc_copys(&recipient, info->local)
    && stralloc_append(&recipient, '@')
    && stralloc_cats(&recipient, info->domain) && stralloc_0(&recipient)
    && env_set(eb, "SENDER", info->sender)
    && env_set(eb, "NEWSENDER", info->newsender)
    && env_set(eb, "RECIPIENT", recipient.s)
    && env_set(eb, "USER", info->user)
    && env_set(eb, "HOME", info->home)
    && env_set(eb, "HOST", info->domain)
    && set_hosts(eb, info->domain)
    && env_set(eb, "LOCAL", info->local)
    && env_set(eb, "EXT", info->ext)
    && set_exts(eb, info->ext)
    && (info->default_part ? env_set(eb, "DEFAULT", info->default_part)
        : env_unset(eb, "DEFAULT"))
    && env_set(eb, "DTLINE", info->dtline)
    && env_set(eb, "RPLINE", info->rpline)
    && env_set(eb, "UFLINE", info->ufline);
  stralloc_free(&recipient);
  if (!ok)
    errno = ENOMEM;
  return ok;
}

int
command_run(struct command_env *ce, const char *command, int *status)
{
  char *argv[4];
  char **envp = env_build(&ce->env);
  const int fds[3] = { 0, 1, 1 };
  int ok, err;

  if (!envp)
    return 0;
  argv[0] = (char *)"/bin/sh";
  argv[1] = (char *)"-c";
  argv[2] = (char *)command;
  argv[3] = 0;
  /* qmail-local ignores SIGPIPE and SIGXFSZ; the program must not
   * inherit that, or "producer | head" pipelines in it would never end
   * normally */
  sig_default(SIGPIPE);
  sig_default(SIGXFSZ);
  ok = child_run(argv, envp, fds, status);
  err = errno;
  sig_ignore(SIGPIPE);
  sig_ignore(SIGXFSZ);
  errno = err;
  return ok;
}

enum command_outcome
command_outcome(int status)
{
  if (wait_crashed(status))
    return COMMAND_TEMPORARY;
  switch (wait_exitcode(status)) {
  case 0:
    return COMMAND_NEXT;
  case 99:
    return COMMAND_STOP;
  case 100:
  case 64: /* EX_USAGE */
  case 65: /* EX_DATAERR */
  case 70: /* EX_SOFTWARE */
  case 76: /* EX_PROTOCOL */
  case 77: /* EX_NOPERM */
  case 78: /* EX_CONFIG */
  case 112:
    return COMMAND_PERMANENT;
  default:
    return COMMAND_TEMPORARY;
  }
}

void
command_env_free(struct command_env *ce)
{
  env_free(&ce->env);
}
