/* qmail-inject -- prepare a message and put it into the queue.
 *
 *     qmail-inject [-nNaAhH] [-f sender] [recipient ...]
 *
 * Reads a message on standard input, adds the Date:, Message-ID: and
 * From: fields it lacks (their Resent- variants for a resent message),
 * removes Bcc:, Resent-Bcc:, Return-Path: and Content-Length:,
 * qualifies the addresses in the header, works out the envelope
 * (sender from -f, Return-Path: or the environment, VERP on request;
 * recipients from the arguments and/or the To:, Cc:, Bcc: fields,
 * qualified with control/defaulthost, defaultdomain and plusdomain)
 * and hands message and envelope to qmail-queue through qmailqueue (or
 * $QMAILQUEUE).  $QMAILINJECT and $QMAILMFTFILE adjust this.  -n
 * prints the message instead.  See qmail-inject(8).
 *
 * Run by any user, from the shell, scripts, cron, mail readers; it
 * needs no privileges of its own (qmail-queue is setuid).  Honours
 * $QMAILHOME when not setuid or setgid.
 *
 * Exit codes: 0 queued (or printed with -n); 100 permanent failure: a
 * usage error, no recipients, an address that cannot be parsed, or the
 * queue refusing the message for good; 111 temporary failure: out of
 * memory, unreadable control files or input, the queue program failing
 * (its reason, qmail-queue's code translated, on standard error).
 */
#include <string.h>

#include "errmsg.h"
#include "inject.h"

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
  die(100, "usage: qmail-inject [-nNaAhH] [-f sender] [recipient ...]");
}

int
main(int argc, char **argv)
{
  struct inject_options opt;
  int i;

  errmsg_init("qmail-inject");
  memset(&opt, 0, sizeof opt);
  opt.recipients = INJECT_ARGS_OR_HEADER;

  for (i = 1; i < argc; ++i) {
    const char *arg = argv[i];
    int j;

    if (arg[0] != '-' || !arg[1])
      break;
    if (!strcmp(arg, "--")) {
      ++i;
      break;
    }
    for (j = 1; arg[j]; ++j) {
      switch (arg[j]) {
      case 'n': opt.print_only = 1; continue;
      case 'N': opt.print_only = 0; continue;
      case 'a': opt.recipients = INJECT_ARGS; continue;
      case 'h': opt.recipients = INJECT_HEADER; continue;
      case 'A': opt.recipients = INJECT_ARGS_OR_HEADER; continue;
      case 'H': opt.recipients = INJECT_ARGS_AND_HEADER; continue;
      case 'f':
        if (arg[j + 1])
          opt.sender = arg + j + 1;
        else if (i + 1 < argc)
          opt.sender = argv[++i];
        else
          usage();
        break;
      default:
        usage();
      }
      break;
    }
  }
  opt.args = argv + i;
  inject_run(&opt);
}
