/* preline -- give a program the message with qmail-local's envelope lines.
 *
 * Usage (in a .qmail file): |preline [-d] [-f] [-r] command [arg...]
 *
 * Runs as the recipient under qmail-local.  Programs written for
 * sendmail or for mbox delivery (mail.local, /bin/mail, procmail,
 * vacation) expect the envelope in the message; qmail-local passes it
 * in the environment instead.  preline runs command with, on its
 * standard input, $UFLINE (the mbox "From " line), $RPLINE
 * (Return-Path:) and $DTLINE (Delivered-To:) followed by the message
 * from its own standard input.  -f leaves out the From_ line, -r the
 * Return-Path line, -d the Delivered-To line.
 *
 * Exit codes: command's exit code; 111 when command is killed or cannot
 * be run, or a line it needs is missing from the environment (preline
 * was not run by qmail-local); 100 for a usage error.
 */
#include "env.h"
#include "errmsg.h"
#include "usermsg.h"

static const char *
needed(const char *name)
{
  const char *v = env_get(name);

  if (!v)
    die(111, name, " is not set: run me from a .qmail file. (#4.3.0)");
  return v;
}

int
main(int argc, char **argv)
{
  const char *prefix[3] = { 0, 0, 0 };
  int want_from = 1, want_rp = 1, want_dt = 1;
  int i, code;

  errmsg_init("preline");
  for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    const char *o = argv[i] + 1;
    if (o[0] == '-' && !o[1]) {
      ++i;
      break;
    }
    for (; *o; ++o)
      switch (*o) {
      case 'f': want_from = 0; break;
      case 'r': want_rp = 0; break;
      case 'd': want_dt = 0; break;
      default: die(100, "usage: preline [-d] [-f] [-r] command [arg ...]");
      }
  }
  if (i >= argc)
    die(100, "usage: preline [-d] [-f] [-r] command [arg ...]");
  if (want_from)
    prefix[0] = needed("UFLINE");
  if (want_rp)
    prefix[1] = needed("RPLINE");
  if (want_dt)
    prefix[2] = needed("DTLINE");

  code = usermsg_pipe(argv + i, prefix, 3);
  return code < 0 ? 111 : code;
}
