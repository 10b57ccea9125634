/* qmail-local -- deliver one message to one local recipient.
 *
 * Usage: qmail-local [-nN] user homedir local dash ext domain sender
 *                    defaultdelivery
 *
 * Run by qmail-lspawn, once per local recipient, with the recipient's
 * uid and gid: lspawn switches to them before exec and never runs it
 * for uid 0 (an instance runs it as the instance's one user).  It needs
 * no privileges beyond the recipient's.  The message is on fd 0, a
 * seekable file (the queue's mess/ file).
 *
 * It moves into homedir, finds the recipient's dot-qmail file for
 * local@domain (dash and ext tell which one; see src/lib/dotqmail.h,
 * shared with qmail-smtpd's recipient check), or uses defaultdelivery
 * when there is none, and carries out its lines.
 * Each delivery gets "Return-Path: <sender>" and "Delivered-To:
 * local@domain" on top; a message that already carries this
 * Delivered-To line is looping and is refused.
 *
 * Lines are carried out in order: mbox and maildir lines at once,
 * |command lines by "sh -c command" (see command.h for the environment
 * and the exit-code table), and &address or bare-address lines are
 * collected and queued together at the end as one message (see
 * forward.h), also when a program stopped the file with exit 99.  A
 * program that fails permanently makes qmail-local exit 100, one that
 * fails temporarily 111; then no forward is queued, and a retry
 * carries out the whole file again from its first line.  A program's
 * output (standard output and error) goes into the report.
 *
 * -n prints what would be done ("maildir ./Maildir/", "mbox ./Mailbox",
 * "program ...", "forward ...", then the "did" line) without reading or
 * delivering the message; -N (the default) delivers.
 *
 * Everything it reports goes to fd 1 for qmail-send's log: the output
 * of its programs, then one line of its own, "did F+W+P" on success (F mbox and maildir deliveries, W forwards,
 * P programs), else the reason with a qmail status code.
 *
 * Exit codes: 0 delivered; 100 permanent failure (no such extension,
 * looping message, bad usage, a program that failed permanently, a
 * forward the queue refused for good): the message bounces; 111
 * temporary failure (missing maildir, unreadable or untrusted .qmail,
 * a program that failed temporarily, out of memory, ...): it is
 * retried later.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "buffer.h"
#include "command.h"
#include "dotqmail.h"
#include "errmsg.h"
#include "fmt.h"
#include "forward.h"
#include "maildir.h"
#include "mbox.h"
#include "qconf.h"
#include "sig.h"
#include "stralloc.h"
#include "wait.h"

struct recipient {
  const char *user;
  const char *homedir;
  const char *local;
  const char *dash;
  const char *ext;
  const char *domain;
  const char *sender;
  const char *defaultdelivery;
};

struct counts {
  unsigned long files;
  unsigned long forwards;
  unsigned long programs;
};

static int flag_deliver = 1;
static stralloc rpline = STRALLOC_ZERO;
static stralloc dtline = STRALLOC_ZERO;
static stralloc ufline = STRALLOC_ZERO;

static void report_exit(int code, const char *s, ...)
  __attribute__((noreturn, sentinel));
static void nomem(void) __attribute__((noreturn));
static void usage(void) __attribute__((noreturn));

/* Write the strings and a newline to fd 1 and exit with code. */
static void
report_exit(int code, const char *s, ...)
{
  va_list ap;
  const char *part;

  va_start(ap, s);
  for (part = s; part; part = va_arg(ap, const char *))
    buffer_puts(buffer_1, part);
  va_end(ap);
  buffer_puts(buffer_1, "\n");
  buffer_flush(buffer_1);
  _exit(code);
}

static void
nomem(void)
{
  report_exit(111, "Out of memory. (#4.3.0)", (char *)0);
}

static void
usage(void)
{
  report_exit(100, "usage: qmail-local [-nN] user homedir local dash ext "
              "domain sender defaultdelivery", (char *)0);
}

/* Report a failure whose text the library put in why. */
static void
fail_with(const stralloc *why)
{
  stralloc line = STRALLOC_ZERO;

  if (!why->len)
    nomem();
  if (!stralloc_copy(&line, why) || !stralloc_0(&line))
    nomem();
  report_exit(111, line.s, (char *)0);
}

/* qmail's options: -n describe only, -N deliver; "--" ends them.  Only
 * leading arguments are options: a sender may well begin with '-'. */
static char **
parse_options(char **argv)
{
  while (*argv && (*argv)[0] == '-' && (*argv)[1]) {
    const char *opt = *argv++;

    if (!strcmp(opt, "--"))
      break;
    for (++opt; *opt; ++opt) {
      if (*opt == 'n')
        flag_deliver = 0;
      else if (*opt == 'N')
        flag_deliver = 1;
      else
        usage();
    }
  }
  return argv;
}

/* Enter the home directory, and refuse one that others could have
 * filled with .qmail files of their own. */
static void
enter_home(const char *homedir)
{
  struct stat st;

  if (chdir(homedir) == -1)
    report_exit(111, "Unable to switch to ", homedir, ": ", strerror(errno),
                ". (#4.3.0)", (char *)0);
  if (stat(".", &st) == -1)
    report_exit(111, "Unable to stat home directory ", homedir, ": ",
                strerror(errno), ". (#4.3.0)", (char *)0);
  if (st.st_mode & CONF_PATERNALISM)
    report_exit(111, "Uh-oh: home directory ", homedir,
                " is writable by others; fix its mode. (#4.7.0)", (char *)0);
  if (st.st_mode & S_ISVTX) {
    if (flag_deliver)
      report_exit(111, "Home directory is sticky: user is editing his "
                  ".qmail file. (#4.2.1)", (char *)0);
    warn("home directory ", homedir, " is sticky: deliveries are deferred");
  }
}

/* '\n' in a header line would end it early: qmail writes '_'. */
static void
newlines_to_underscores(stralloc *sa, size_t from)
{
  size_t i;

  for (i = from; i < sa->len; ++i)
    if (sa->s[i] == '\n')
      sa->s[i] = '_';
}

/* RPLINE, DTLINE and the mbox From_ line (UFLINE). */
static void
make_header_lines(const struct recipient *r, time_t now)
{
  size_t start;

  if (!stralloc_copys(&rpline, "Return-Path: <"))
    nomem();
  start = rpline.len;
  if (!address_quote(&rpline, r->sender, strlen(r->sender))) {
    /* control bytes cannot be quoted: take the address as it is */
    if (errno != EINVAL || !stralloc_cats(&rpline, r->sender))
      nomem();
  }
  newlines_to_underscores(&rpline, start);
  if (!stralloc_cats(&rpline, ">\n"))
    nomem();

  if (!stralloc_copys(&dtline, "Delivered-To: "))
    nomem();
  start = dtline.len;
  if (!stralloc_cats(&dtline, r->local) || !stralloc_append(&dtline, '@')
      || !stralloc_cats(&dtline, r->domain))
    nomem();
  newlines_to_underscores(&dtline, start);
  if (!stralloc_append(&dtline, '\n'))
    nomem();

  if (!mbox_fromline(&ufline, r->sender, now))
    nomem();
}

static void
rewind_message(void)
{
  if (lseek(0, 0, SEEK_SET) == -1)
    report_exit(111, "Unable to rewind message: ", strerror(errno),
                " (qmail-local needs the message on fd 0 as a seekable "
                "file, not a pipe). (#4.3.0)", (char *)0);
}

/* A message that already went through this address has our
 * Delivered-To line in its header: delivering it again would loop. */
static void
refuse_looping_message(void)
{
  char space[BUFFER_INSIZE];
  buffer in = BUFFER_INIT(buffer_unixread, 0, 0, space, sizeof space);
  stralloc line = STRALLOC_ZERO;
  int r;

  rewind_message();
  for (;;) {
    line.len = 0;
    r = buffer_getline(&in, &line, '\n');
    if (r == -1) {
      if (errno == ENOMEM)
        nomem();
      report_exit(111, "Unable to read message: ", strerror(errno),
                  ". (#4.3.0)", (char *)0);
    }
    if (r == 0 || line.len <= 1)
      break;
    if (line.len == dtline.len && !memcmp(line.s, dtline.s, line.len))
      report_exit(100, "This message is looping: it already has my "
                  "Delivered-To line. (#5.4.6)", (char *)0);
  }
  stralloc_free(&line);
}

/* The name of the instructions for messages: the file, or the
 * defaultdelivery argument. */
static const char *
source_name(const struct dotqmail *dq, int from_file)
{
  return from_file ? dq->name.s : "defaultdelivery";
}

/* Look at every line before delivering anything: a file that cannot be
 * carried out in full is not carried out at all, so a retry later does
 * not deliver the first lines twice. */
static void
check_instructions(struct dotqmail *dq, int from_file, int forward_only)
{
  struct dotqmail_line line;
  const char *name = source_name(dq, from_file);
  char num[FMT_ULONG];
  int r, any = 0;

  dotqmail_rewind(dq);
  while ((r = dotqmail_next(dq, &line)) == 1) {
    any = 1;
    num[fmt_ulong(num, line.number)] = 0;
    switch (line.kind) {
    case DOTQMAIL_BLANK:
      if (line.number == 1)
        report_exit(111, "Uh-oh: first line of ", name, " is blank. (#4.2.1)",
                    (char *)0);
      break;
    case DOTQMAIL_COMMENT:
      break;
    case DOTQMAIL_MBOX:
    case DOTQMAIL_MAILDIR:
      if (forward_only)
        report_exit(111, "Uh-oh: ", name, " has file delivery but has x bit "
                    "set. (#4.7.0)", (char *)0);
      break;
    case DOTQMAIL_PROGRAM:
      if (forward_only)
        report_exit(111, "Uh-oh: ", name, " has prog delivery but has x bit "
                    "set. (#4.7.0)", (char *)0);
      if (!*line.arg)
        report_exit(111, "Uh-oh: line ", num, " of ", name, " is a program "
                    "line without a command; fix the file. (#4.7.0)",
                    (char *)0);
      break;
    case DOTQMAIL_FORWARD:
      if (!*line.arg)
        report_exit(111, "Uh-oh: line ", num, " of ", name, " is a forward "
                    "line without an address; fix the file. (#4.7.0)",
                    (char *)0);
      break;
    }
  }
  if (r == -1)
    nomem();
  if (!any)
    report_exit(111, "Uh-oh: first line of ", name, " is blank. (#4.2.1)",
                (char *)0);
}

static void
describe(const char *kind, const char *what)
{
  buffer_puts(buffer_1, kind);
  buffer_puts(buffer_1, what);
  buffer_puts(buffer_1, "\n");
}

static void
deliver_maildir(const char *dir)
{
  stralloc head = STRALLOC_ZERO, why = STRALLOC_ZERO;

  rewind_message();
  if (!stralloc_copy(&head, &rpline) || !stralloc_cat(&head, &dtline))
    nomem();
  if (!maildir_deliver(dir, 0, head.s, head.len, MAILDIR_TIMEOUT, &why))
    fail_with(&why);
  stralloc_free(&head);
  stralloc_free(&why);
}

static void
deliver_mbox(const char *path)
{
  stralloc head = STRALLOC_ZERO, why = STRALLOC_ZERO;

  rewind_message();
  if (!stralloc_copy(&head, &ufline) || !stralloc_cat(&head, &rpline)
      || !stralloc_cat(&head, &dtline))
    nomem();
  if (!mbox_deliver(path, 0, head.s, head.len, MBOX_LOCK_TIMEOUT, &why))
    fail_with(&why);
  stralloc_free(&head);
  stralloc_free(&why);
}

/* Run one |command line; 1 to go on with the next line, 0 when the
 * program asked (exit 99) to skip the rest.  Failures end qmail-local. */
static int
deliver_program(struct command_env *ce, const struct dotqmail_line *line,
                const char *name)
{
  char num[FMT_ULONG], code[FMT_ULONG];
  int status;

  rewind_message();
  buffer_flush(buffer_1);
  if (!command_run(ce, line->arg, &status)) {
    if (errno == ENOMEM)
      nomem();
    report_exit(111, "Unable to run /bin/sh: ", strerror(errno),
                ". (#4.3.0)", (char *)0);
  }
  num[fmt_ulong(num, line->number)] = 0;
  if (wait_crashed(status)) {
    code[fmt_ulong(code, (unsigned long)wait_termsig(status))] = 0;
    report_exit(111, "Program on line ", num, " of ", name, " was killed "
                "by signal ", code, "; will try again. (#4.3.0)", (char *)0);
  }
  code[fmt_ulong(code, (unsigned long)wait_exitcode(status))] = 0;
  switch (command_outcome(status)) {
  case COMMAND_NEXT:
    return 1;
  case COMMAND_STOP:
    return 0;
  case COMMAND_PERMANENT:
    report_exit(100, "Program on line ", num, " of ", name, " failed "
                "permanently (exit code ", code, "). (#5.2.0)", (char *)0);
  case COMMAND_TEMPORARY:
  default:
    report_exit(111, "Program on line ", num, " of ", name, " failed "
                "temporarily (exit code ", code, "); will try again. "
                "(#4.2.0)", (char *)0);
  }
}

/* Carry out (or, with -n, describe) every line, in order; collect the
 * forwards in fw. */
static void
run_instructions(struct dotqmail *dq, const char *name, struct command_env *ce,
                 struct forward *fw, struct counts *done)
{
  struct dotqmail_line line;
  int r;

  dotqmail_rewind(dq);
  while ((r = dotqmail_next(dq, &line)) == 1) {
    switch (line.kind) {
    case DOTQMAIL_BLANK:
    case DOTQMAIL_COMMENT:
      break;
    case DOTQMAIL_MAILDIR:
      ++done->files;
      if (flag_deliver)
        deliver_maildir(line.text);
      else
        describe("maildir ", line.text);
      break;
    case DOTQMAIL_MBOX:
      ++done->files;
      if (flag_deliver)
        deliver_mbox(line.text);
      else
        describe("mbox ", line.text);
      break;
    case DOTQMAIL_PROGRAM:
      ++done->programs;
      if (!flag_deliver)
        describe("program ", line.arg);
      else if (!deliver_program(ce, &line, name))
        return;
      break;
    case DOTQMAIL_FORWARD:
      ++done->forwards;
      if (flag_deliver) {
        if (!forward_add(fw, line.arg))
          nomem();
      } else
        describe("forward ", line.arg);
      break;
    }
  }
  if (r == -1)
    nomem();
}

/* The sender forwarded copies get (NEWSENDER). */
static void
make_newsender(stralloc *newsender, const struct recipient *r)
{
  if (!forward_newsender(newsender, r->sender, r->local, r->domain, r->dash,
                         r->ext)) {
    if (errno == ENOMEM)
      nomem();
    report_exit(111, "Unable to look for the -owner .qmail file: ",
                strerror(errno), ". (#4.3.0)", (char *)0);
  }
}

int
main(int argc, char **argv)
{
  struct recipient r;
  struct dotqmail dq = DOTQMAIL_ZERO;
  struct counts done = { 0, 0, 0 };
  struct command_env ce = COMMAND_ENV_ZERO;
  struct command_info info;
  struct forward fw = FORWARD_ZERO;
  stralloc newsender = STRALLOC_ZERO;
  int found, forward_only = 0;

  (void)argc;
  errmsg_init("qmail-local");
  umask(077);
  sig_ignore(SIGPIPE);
  /* a file-size limit makes a write fail with EFBIG, which the mbox and
   * maildir code undo, instead of killing us halfway through one */
  sig_ignore(SIGXFSZ);

  argv = parse_options(argv + 1);
  if (!argv[0] || !argv[1] || !argv[2] || !argv[3] || !argv[4] || !argv[5]
      || !argv[6] || !argv[7] || argv[8])
    usage();
  r.user = argv[0];
  r.homedir = argv[1];
  r.local = argv[2];
  r.dash = argv[3];
  r.ext = argv[4];
  r.domain = argv[5];
  r.sender = argv[6];
  r.defaultdelivery = argv[7];
  if (r.homedir[0] != '/')
    usage();

  enter_home(r.homedir);
  make_header_lines(&r, time(0));
  if (flag_deliver)
    refuse_looping_message();

  found = dotqmail_search(&dq, r.dash, r.ext);
  if (found == -1) {
    if (errno == ENOMEM)
      nomem();
    report_exit(111, "Unable to open ", dq.name.s, ": ", strerror(errno),
                ". (#4.3.0)", (char *)0);
  }
  if (!found && *r.dash)
    report_exit(100, "Sorry, no mailbox here by that name. (#5.1.1)",
                (char *)0);
  if (found) {
    if (dq.mode & CONF_PATERNALISM)
      report_exit(111, "Uh-oh: ", dq.name.s, " is writable by others; fix "
                  "its mode. (#4.7.0)", (char *)0);
    if ((dq.mode & S_ISVTX) && flag_deliver)
      report_exit(111, dq.name.s, " is sticky: user is editing it; will try "
                  "again. (#4.2.1)", (char *)0);
    forward_only = (dq.mode & S_IXUSR) != 0;
  }
  if (!found || !dq.text.len) {
    found = 0;
    forward_only = 0;
    if (!dotqmail_use(&dq, r.defaultdelivery))
      nomem();
  }

  check_instructions(&dq, found, forward_only);

  make_newsender(&newsender, &r);
  info.sender = r.sender;
  info.newsender = newsender.s;
  info.user = r.user;
  info.home = r.homedir;
  info.local = r.local;
  info.ext = r.ext;
  info.domain = r.domain;
  info.default_part = dq.default_at == DOTQMAIL_NO_DEFAULT
    ? (const char *)0 : r.ext + dq.default_at;
  if (!stralloc_0(&dtline) || !stralloc_0(&rpline) || !stralloc_0(&ufline))
    nomem();
  --dtline.len;
  --rpline.len;
  --ufline.len;
  info.dtline = dtline.s;
  info.rpline = rpline.s;
  info.ufline = ufline.s;
  if (flag_deliver && !command_env_make(&ce, &info))
    nomem();

  run_instructions(&dq, source_name(&dq, found), &ce, &fw, &done);

  if (flag_deliver && forward_count(&fw)) {
    stralloc why = STRALLOC_ZERO;
    int code = forward_send(&fw, newsender.s, &dtline, &why);

    if (code) {
      if (!why.len || !stralloc_0(&why))
        nomem();
      report_exit(code, why.s, (char *)0);
    }
    stralloc_free(&why);
  }

  {
    stralloc did = STRALLOC_ZERO;

    if (!stralloc_copys(&did, "did ") || !stralloc_catulong(&did, done.files)
        || !stralloc_append(&did, '+') || !stralloc_catulong(&did, done.forwards)
        || !stralloc_append(&did, '+') || !stralloc_catulong(&did, done.programs)
        || !stralloc_0(&did))
      nomem();
    dotqmail_free(&dq);
    command_env_free(&ce);
    forward_free(&fw);
    stralloc_free(&newsender);
    report_exit(0, did.s, (char *)0);
  }
}
