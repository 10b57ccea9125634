/* command.h -- qmail-local's program deliveries (|command lines):
 * the environment a program gets, running it, and what its exit code
 * means.
 *
 * struct command_env holds what qmail-command(8) promises a delivery
 * program, computed once per qmail-local run by command_env_make():
 *
 *     SENDER     the envelope sender
 *     NEWSENDER  the sender forwards from this delivery get (see
 *                forward.h)
 *     RECIPIENT  LOCAL@HOST
 *     USER, HOME the recipient's account name and home directory
 *     HOST       the recipient's domain; HOST2, HOST3 and HOST4 the
 *                domain without its last one, two and three
 *                dot-separated parts ("mail.example.org": "mail.example",
 *                "mail", "mail": a part that is not there leaves the
 *                previous value)
 *     LOCAL      the local part of the address, as given
 *     EXT        the extension; EXT2, EXT3 and EXT4 the extension after
 *                its first, second and third '-' (empty when it has
 *                fewer)
 *     DEFAULT    when a .qmail-...-default file is in use, the part of
 *                the extension that "default" stands for; unset
 *                otherwise
 *     DTLINE, RPLINE, UFLINE  the Delivered-To, Return-Path and mbox
 *                From_ lines qmail-local writes, each ending in "\n"
 *
 * All other variables of qmail-local's own environment are passed on.
 *
 * command_env_make(ce, info) fills ce->env; 1, or 0 with errno ENOMEM.
 *
 * command_run(ce, command, &status)
 *     Runs "sh -c command" in the current directory with the message
 *     (fd 0, rewound to its start by the caller) on its standard input
 *     and both its standard output and standard error on fd 1, where
 *     qmail-local's report goes, and SIGPIPE at its default action
 *     (qmail-local itself ignores it).  Returns 1 with the wait status, 0
 *     with errno when /bin/sh could not be started.
 *
 * command_outcome(status) sorts a wait status into the table of
 * dot-qmail(5):
 *     COMMAND_NEXT       exit 0: go on with the next line
 *     COMMAND_STOP       exit 99: delivered; skip the remaining lines
 *     COMMAND_PERMANENT  exit 100, or one of the "hard error" codes
 *                        64, 65, 70, 76, 77, 78, 112: bounce
 *     COMMAND_TEMPORARY  exit 111, any other code, or killed by a
 *                        signal: retry later
 */
#ifndef COMMAND_H
#define COMMAND_H

#include "env.h"

struct command_info {
  const char *sender;
  const char *newsender;
  const char *user;
  const char *home;
  const char *local;
  const char *ext;
  const char *domain;
  const char *default_part;   /* null when no -default file matched */
  const char *dtline;
  const char *rpline;
  const char *ufline;
};

struct command_env {
  envbuild env;
};

#define COMMAND_ENV_ZERO { ENVBUILD_ZERO }

enum command_outcome {
  COMMAND_NEXT,
  COMMAND_STOP,
  COMMAND_PERMANENT,
  COMMAND_TEMPORARY
};

int command_env_make(struct command_env *ce, const struct command_info *info);
int command_run(struct command_env *ce, const char *command, int *status);
enum command_outcome command_outcome(int status);
void command_env_free(struct command_env *ce);

#endif
