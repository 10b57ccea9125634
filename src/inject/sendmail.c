/* sendmail -- the sendmail command line, mapped onto qmail-inject.
 *
 *     sendmail [-t] [-i] [-oi] [-f sender | -r sender] [-F fullname]
 *              [-o option] [-B type] [-v] [--] [recipient ...]
 *
 * For the many programs (cron, PHP, git, mail readers, monitoring
 * tools) that hand mail to /usr/sbin/sendmail.  The message on standard
 * input is injected exactly as qmail-inject does it (the same code;
 * see inject.h): without -t the recipients are the arguments only;
 * with -t they are taken from the To:, Cc: and Bcc: fields as well.
 * Unless -i or -oi is given, a line holding a single "." ends the
 * message, as with the original sendmail.  -f or -r sets the envelope
 * sender, -F the display name of an added From: field.  Other -o
 * options, -B, -v and the DSN options -N, -R, -V are accepted and
 * ignored.  -bs speaks SMTP on standard input and output (smtp.h);
 * -bp lists the queue, -q asks qmail-send to retry now, -bi and -I
 * rebuild the aliases (modes.h; -oAFILE names the aliases file).  Run as mailq it is sendmail -bp, as
 * newaliases sendmail -bi.  See sendmail(8).
 *
 * Run by any user; no privileges of its own (qmail-queue is setuid).
 * Honours $QMAILHOME when not setuid or setgid.
 *
 * Exit codes: 0 queued (or the mode done); 64 (EX_USAGE) an unknown
 * option, a missing option argument or an unsupported mode; otherwise
 * qmail-inject's:
 * 100 permanent failure (no recipients, a bad address, the queue
 * refusing the message), 111 temporary failure.
 */
#include <string.h>
#include <unistd.h>

#include "errmsg.h"
#include "inject.h"
#include "modes.h"
#include "smtp.h"

#define EXIT_USAGE 64

static void die_usage(const char *what, char option) __attribute__((noreturn));
static char check_mode(const char *mode);
static const char *base_name(const char *path);

static void
die_usage(const char *what, char option)
{
  char name[3] = { '-', option, 0 };

  die(EXIT_USAGE, what, name, "; usage: sendmail [-t] [-i] [-f sender] "
      "[-F fullname] [recipient ...]");
}

/* -b MODE: m (deliver the message, the default), s, p or i. */
static char
check_mode(const char *mode)
{
  if (mode[0] && !mode[1] && strchr("mspi", mode[0]))
    return mode[0];
  die(EXIT_USAGE, "the mode -b", mode, " is not supported; only -bm, -bs, "
      "-bp and -bi are");
}

static const char *
base_name(const char *path)
{
  const char *slash = strrchr(path, '/');

  return slash ? slash + 1 : path;
}

int
main(int argc, char **argv)
{
  struct inject_options opt;
  int headers = 0, dot_ends = 1;
  char mode = 'm';
  const char *name = argc > 0 ? base_name(argv[0]) : "sendmail";
  const char *alias_file = 0;
  int i;

  errmsg_init(name);
  memset(&opt, 0, sizeof opt);
  if (!strcmp(name, "mailq"))
    mode = 'p';
  else if (!strcmp(name, "newaliases"))
    mode = 'i';

  for (i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int j = 1;

    if (arg[0] != '-' || !arg[1])
      break;
    if (!strcmp(arg, "--")) {
      ++i;
      break;
    }
    while (arg[j]) {
      char c = arg[j++];
      const char *value;

      switch (c) {
      case 't': headers = 1; continue;
      case 'i': dot_ends = 0; continue;
      case 'v': case 'U': case 'm': continue;
      case 'I': mode = 'i'; continue;
      case 'q':
        /* -q alone, or with a selector (-qR..., -qI...): retry now.
         * -q with an interval (-q30m, sendmail's daemon) needs nothing:
         * qmail-send schedules its own retries. */
        if (arg[j] >= '0' && arg[j] <= '9') {
          errmsg_put("sendmail: -q", arg + j, ": qmail-send retries by "
                     "itself; nothing to start\n", (char *)0);
          _exit(0);
        }
        mode = 'q';
        j = (int)strlen(arg);
        continue;
      case 'b': case 'f': case 'r': case 'F': case 'o': case 'B':
      case 'N': case 'R': case 'V': case 'L': case 'h':
        break;
      default:
        die_usage("unknown option ", c);
      }
      /* An option with a value: the rest of this word or the next. */
      if (arg[j])
        value = arg + j;
      else if (i + 1 < argc)
        value = argv[++i];
      else
        die_usage("a value is missing after ", c);
      switch (c) {
      case 'b': mode = check_mode(value); break;
      case 'f': case 'r': opt.sender = value; break;
      case 'F': opt.fullname = value; break;
      case 'o':
        if (!strcmp(value, "i"))
          dot_ends = 0;
        else if (value[0] == 'A' && value[1])
          alias_file = value + 1;   /* -oAFILE: sendmail's AliasFile */
        break;
      default: break;  /* -B, -N, -R, -V, -L, -h: nothing to do here */
      }
      break;
    }
  }
  switch (mode) {
  case 's': smtp_serve();
  case 'p': mode_list_queue();
  case 'q': mode_run_queue();
  case 'i': mode_rebuild_aliases(alias_file);
  default: break;
  }
  opt.recipients = headers ? INJECT_ARGS_AND_HEADER : INJECT_ARGS;
  opt.dot_ends_input = dot_ends;
  opt.args = argv + i;
  inject_run(&opt);
}
