/* dot-forward -- obey a sendmail-style .forward file.
 *
 * Usage (in a .qmail file or qmail-start's default delivery):
 *     |dot-forward [-n] [-N] file...
 *
 * Runs as the recipient under qmail-local, in the home directory, with
 * the message on standard input (a file).  Reads each named file that
 * exists (usually .forward) and collects its entries:
 *     address             forwarded (an address without '@' gets
 *                         "@" and control/me, else "@" and $HOST)
 *     \user               delivered to user without further forwarding:
 *                         the recipient's own name ($USER) keeps a copy
 *                         in the default mailbox (dot-forward then lets
 *                         qmail-local go on with the next line); another
 *                         user is forwarded to user@host
 *     |command            command run with "sh -c", message on its input
 *     <address>           the same as address
 *     "..."               a quoted entry (may hold commas and blanks;
 *                         "|command" quoted works the same way)
 *     # comment           a line starting with '#'
 * Entries are separated by commas or line ends; an unquoted |command
 * runs to the end of its line.  File deliveries (/path) and :include:
 * are not supported: such a file is refused with an explanation.
 *
 * -n prints what would be done, one line each, and delivers nothing.
 * -N delivers (the default).
 *
 * Exit codes: 0 no file, no entries, or a copy for the user is wanted
 * (qmail-local continues with the next line); 99 the message was
 * forwarded and/or given to the programs, and that is all; 100 a
 * permanent failure (a program exited 100, the queue refused the
 * message); 111 a temporary failure, including a .forward that cannot
 * be read or holds what dot-forward refuses (the message waits in the
 * queue until the owner fixes the file).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "env.h"
#include "errmsg.h"
#include "instance.h"
#include "readfile.h"
#include "stralloc.h"
#include "usermsg.h"

enum kind { ENTRY_ADDRESS, ENTRY_PROGRAM, ENTRY_SELF };

struct entries {
  stralloc addrs;     /* forwarding addresses, each NUL-terminated */
  stralloc progs;     /* commands, each NUL-terminated */
  int naddrs;
  int nprogs;
  int self;           /* \user for the recipient itself */
  stralloc me;        /* the domain for bare names */
};

static void __attribute__((noreturn))
refuse(const char *file, const char *why)
{
  die(111, "unable to use ", file, ": ", why, ". (#4.7.0)");
}

static const char *
default_domain(struct entries *e)
{
  const char *host;

  if (e->me.len)
    return e->me.s;
  if (!stralloc_copys(&e->me, instance_home())
      || !stralloc_cats(&e->me, "/control/me") || !stralloc_0(&e->me))
    die_nomem();
  if (readfile(e->me.s, &e->me)) {
    while (e->me.len && (e->me.s[e->me.len - 1] == '\n'
                         || e->me.s[e->me.len - 1] == ' '))
      --e->me.len;
  } else
    e->me.len = 0;
  if (!e->me.len || memchr(e->me.s, '\n', e->me.len)) {
    host = env_get("HOST");
    if (!host || !*host)
      die(111, "neither control/me nor HOST names this host. (#4.3.0)");
    if (!stralloc_copys(&e->me, host))
      die_nomem();
  }
  if (!stralloc_0(&e->me))
    die_nomem();
  --e->me.len;
  return e->me.s;
}

/* One entry, its quotes and escapes already removed; quoted and
 * backslash tell how it was written. */
static void
entry_add(struct entries *e, const char *file, stralloc *text, int quoted,
          int backslash)
{
  const char *user = env_get("USER");
  size_t i;

  if (!text->len) {
    if (backslash)
      refuse(file, "a lone backslash is not an entry");
    return;
  }
  for (i = 0; i < text->len; ++i)
    if ((unsigned char)text->s[i] < 32 || text->s[i] == 127)
      refuse(file, "an entry holds a control character");
  if (!backslash && text->s[0] == '|') {
    if (text->len == 1)
      refuse(file, "a '|' without a command");
    if (!stralloc_catb(&e->progs, text->s + 1, text->len - 1)
        || !stralloc_0(&e->progs))
      die_nomem();
    ++e->nprogs;
    return;
  }
  if (!quoted && text->len > 2 && text->s[0] == '<'
      && text->s[text->len - 1] == '>') {
    /* <address>: the brackets are only decoration */
    memmove(text->s, text->s + 1, text->len - 2);
    text->len -= 2;
  }
  if (!backslash && text->s[0] == '/')
    refuse(file, "delivery to files is not supported; use a .qmail file");
  if (text->len >= 9 && !strncmp(text->s, ":include:", 9))
    refuse(file, ":include: is not supported; use a .qmail file");
  if (!quoted)
    for (i = 0; i < text->len; ++i)
      if (text->s[i] == ' ' || text->s[i] == '\t')
        refuse(file, "an address holds a blank; separate entries with commas");
  if (backslash && user && !memchr(text->s, '@', text->len)
      && strlen(user) == text->len && !memcmp(user, text->s, text->len)) {
    e->self = 1;
    return;
  }
  if (!stralloc_cat(&e->addrs, text))
    die_nomem();
  if (!memchr(text->s, '@', text->len))
    if (!stralloc_append(&e->addrs, '@')
        || !stralloc_cats(&e->addrs, default_domain(e)))
      die_nomem();
  if (!stralloc_0(&e->addrs))
    die_nomem();
  ++e->naddrs;
}

static void
parse(struct entries *e, const char *file, const stralloc *sa)
{
  stralloc text = STRALLOC_ZERO;
  size_t i = 0, n = sa->len;
  const char *s = sa->s;
  int quoted = 0, backslash = 0, started = 0;

  if (memchr(s, 0, n))
    refuse(file, "it holds a NUL byte");
  while (i < n) {
    char c = s[i];

    if (!started && (c == ' ' || c == '\t')) {
      ++i;
      continue;
    }
    if (c == '#' && !started && (i == 0 || s[i - 1] == '\n')) {
      while (i < n && s[i] != '\n')
        ++i;
      continue;
    }
    if (c == ',' || c == '\n') {
      while (text.len && (text.s[text.len - 1] == ' '
                          || text.s[text.len - 1] == '\t'))
        --text.len;
      entry_add(e, file, &text, quoted, backslash);
      text.len = 0;
      quoted = backslash = started = 0;
      ++i;
      continue;
    }
    if (!started && c == '|') {
      /* an unquoted command takes the rest of the line */
      while (i < n && s[i] != '\n') {
        if (!stralloc_append(&text, s[i]))
          die_nomem();
        ++i;
      }
      started = 1;
      continue;
    }
    if (!started && c == '\\') {
      backslash = 1;
      started = 1;
      ++i;
      continue;
    }
    started = 1;
    if (c == '"') {
      quoted = 1;
      for (++i; i < n && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < n)
          ++i;
        if (s[i] == '\n')
          refuse(file, "a quoted string runs past the end of its line");
        if (!stralloc_append(&text, s[i]))
          die_nomem();
      }
      if (i >= n)
        refuse(file, "a quoted string is not closed");
      ++i;
      continue;
    }
    if (c == '\\' && i + 1 < n && s[i + 1] != '\n')
      c = s[++i];
    if (!stralloc_append(&text, c))
      die_nomem();
    ++i;
  }
  while (text.len && (text.s[text.len - 1] == ' '
                      || text.s[text.len - 1] == '\t'))
    --text.len;
  entry_add(e, file, &text, quoted, backslash);
  stralloc_free(&text);
}

/* A vector of pointers to the NUL-terminated strings in sa. */
static char **
split(const stralloc *sa, int count)
{
  char **v = malloc(((size_t)count + 1) * sizeof *v);
  size_t pos = 0;
  int k;

  if (!v)
    die_nomem();
  for (k = 0; k < count; ++k) {
    v[k] = sa->s + pos;
    pos += strlen(v[k]) + 1;
  }
  v[count] = 0;
  return v;
}

static void
print_plan(const struct entries *e)
{
  size_t pos;
  int k;

  for (pos = 0, k = 0; k < e->naddrs; ++k) {
    buffer_puts(buffer_1, "forward ");
    buffer_puts(buffer_1, e->addrs.s + pos);
    buffer_puts(buffer_1, "\n");
    pos += strlen(e->addrs.s + pos) + 1;
  }
  for (pos = 0, k = 0; k < e->nprogs; ++k) {
    buffer_puts(buffer_1, "program ");
    buffer_puts(buffer_1, e->progs.s + pos);
    buffer_puts(buffer_1, "\n");
    pos += strlen(e->progs.s + pos) + 1;
  }
  if (e->self)
    buffer_puts(buffer_1, "deliver to the default mailbox\n");
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write output");
}

int
main(int argc, char **argv)
{
  struct entries e = { STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, 0, STRALLOC_ZERO };
  stralloc contents = STRALLOC_ZERO;
  int dry_run = 0;
  char **list;
  int i, k, code;

  errmsg_init("dot-forward");
  for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    if (!strcmp(argv[i], "--")) {
      ++i;
      break;
    }
    if (!strcmp(argv[i], "-n"))
      dry_run = 1;
    else if (!strcmp(argv[i], "-N"))
      dry_run = 0;
    else
      die(100, "usage: dot-forward [-n] [-N] file ...");
  }
  if (i >= argc)
    die(100, "usage: dot-forward [-n] [-N] file ...");
  for (; i < argc; ++i) {
    if (!readfile(argv[i], &contents)) {
      if (errno == ENOENT)
        continue;
      die_sys(111, "unable to read ", argv[i], ". (#4.3.0)");
    }
    parse(&e, argv[i], &contents);
  }
  stralloc_free(&contents);

  if (dry_run) {
    print_plan(&e);
    return 0;
  }
  if (e.naddrs) {
    list = split(&e.addrs, e.naddrs);
    code = usermsg_forward(list, e.naddrs);
    free(list);
    if (code)
      return code;
  }
  if (e.nprogs) {
    list = split(&e.progs, e.nprogs);
    for (k = 0; k < e.nprogs; ++k) {
      usermsg_rewind();
      code = usermsg_run(list + k, 1);
      if (code == 100)
        return 100;
      if (code != 0)
        return 111;
    }
    free(list);
  }
  if (e.self || (!e.naddrs && !e.nprogs))
    return 0;
  return 99;
}
