/* qmail-showctl -- show how the mail system is configured.
 *
 * Usage: qmail-showctl
 *
 * Prints the settings compiled in from config.mk (home, user-ext
 * delimiter, paternalism, silent concurrency limit, queue split, the
 * users and groups with their ids), then every control file it knows in
 * HOME/control: its value, or "(default: X)" when it is missing, and a
 * paragraph saying what the value means.  Files in control/ that no
 * program of this system reads are listed as "unrecognized", so typing
 * errors in file names show up.
 *
 * Anyone may run it (control files are world-readable); it changes
 * nothing.  Honours $QMAILHOME (instances).
 *
 * Exit codes: 0 everything was shown; 100 usage error; 111 the home or
 * control directory could not be read, or some control file could not be
 * read (the others are still shown, the error is named in the output).
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "control.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "qconf.h"
#include "readfile.h"
#include "stralloc.h"

#define STRINGIFY(x) #x
#define NUMBER_TEXT(x) STRINGIFY(x)
#define SPAWN_LIMIT_TEXT NUMBER_TEXT(CONF_SPAWN_LIMIT)

enum kind {
  KIND_ME,        /* control/me itself */
  KIND_LINE,      /* one line; default def, or the name in me if def is 0 */
  KIND_NUMBER,    /* one decimal number; default def */
  KIND_LIST,      /* one entry per line; default def ("me": the name in me) */
  KIND_CDB        /* a compiled file, made from the file named in def */
};

struct known {
  const char *name;
  enum kind kind;
  const char *def;
  const char *about;
};

/* "me" first, because the others refer to it; then alphabetical. */
static const struct known files[] = {
  { "me", KIND_ME, 0,
    "The name of this host.  Most other names default to it: bouncehost,\n"
    "defaultdomain, defaulthost, doublebouncehost, envnoathost, helohost,\n"
    "idhost, localiphost, plusdomain, smtpgreeting and locals." },
  { "badmailfrom", KIND_LIST, "none",
    "qmail-smtpd refuses these envelope senders (MAIL FROM); an entry\n"
    "\"@domain\" refuses every sender in that domain.  Without the file\n"
    "every sender is accepted." },
  { "bouncefrom", KIND_LINE, "MAILER-DAEMON",
    "The local part of the sender of bounce messages, which come from\n"
    "bouncefrom@bouncehost." },
  { "bouncehost", KIND_LINE, 0,
    "The domain of the sender of bounce messages (bouncefrom@bouncehost)." },
  { "concurrencylocal", KIND_NUMBER, "10",
    "The most local deliveries qmail-send runs at the same time; a larger\n"
    "value than the silent concurrency limit (" SPAWN_LIMIT_TEXT ") counts as that limit." },
  { "concurrencyremote", KIND_NUMBER, "20",
    "The most remote deliveries qmail-send runs at the same time; a larger\n"
    "value than the silent concurrency limit (" SPAWN_LIMIT_TEXT ") counts as that limit." },
  { "databytes", KIND_NUMBER, "0, no limit",
    "The largest message, in bytes, qmail-smtpd accepts; 0 means no limit.\n"
    "The environment variable DATABYTES takes precedence." },
  { "defaultdomain", KIND_LINE, 0,
    "qmail-inject appends this domain to a host name that has no dot:\n"
    "joe@host becomes joe@host.defaultdomain." },
  { "defaulthost", KIND_LINE, 0,
    "qmail-inject adds this host to an address that has none: joe becomes\n"
    "joe@defaulthost." },
  { "doublebouncehost", KIND_LINE, 0,
    "The domain of the recipient of double bounces\n"
    "(doublebounceto@doublebouncehost)." },
  { "doublebounceto", KIND_LINE, "postmaster",
    "The recipient of double bounces, the bounces that could not be\n"
    "delivered to the sender: they go to doublebounceto@doublebouncehost." },
  { "envnoathost", KIND_LINE, 0,
    "qmail-send appends @envnoathost to an envelope recipient without '@'." },
  { "helohost", KIND_LINE, 0,
    "The host name qmail-remote gives in its HELO or EHLO command." },
  { "idhost", KIND_LINE, 0,
    "The host name qmail-inject puts into the Message-ID fields it creates." },
  { "localiphost", KIND_LINE, 0,
    "qmail-smtpd replaces a recipient domain written as one of this host's\n"
    "IP addresses, such as [192.0.2.1], by this name." },
  { "locals", KIND_LIST, "me",
    "Domains whose recipients qmail-send delivers on this host." },
  { "morercpthosts", KIND_LIST, "none",
    "More domains for qmail-smtpd to accept, as in rcpthosts, for long\n"
    "lists: qmail-newmrh compiles this file into morercpthosts.cdb, which\n"
    "is the file qmail-smtpd reads." },
  { "morercpthosts.cdb", KIND_CDB, "morercpthosts",
    "The compiled form of morercpthosts; run qmail-newmrh after every\n"
    "change to morercpthosts." },
  { "percenthack", KIND_LIST, "none",
    "Domains for which qmail-send rewrites user%host@domain to user@host,\n"
    "again and again while a '%' is left, before it routes the address." },
  { "plusdomain", KIND_LINE, 0,
    "qmail-inject replaces a '+' at the end of a host name by this domain:\n"
    "joe@host+ becomes joe@host.plusdomain." },
  { "qmqpservers", KIND_LIST, "none",
    "The IP addresses of the QMQP servers qmail-qmqpc hands messages to,\n"
    "tried in this order." },
  { "queuelifetime", KIND_NUMBER, "604800",
    "Seconds a message may stay in the queue (604800 is one week).  A\n"
    "recipient still deferred after that time is tried once more, then\n"
    "bounced." },
  { "rcpthosts", KIND_LIST, "none",
    "Domains qmail-smtpd accepts mail for; an entry with a leading dot\n"
    "covers every subdomain, and morercpthosts adds more.  Clients with\n"
    "RELAYCLIENT set may send to any domain.  Without the file qmail-smtpd\n"
    "accepts mail for every domain: an open relay." },
  { "smtpgreeting", KIND_LINE, 0,
    "The text after \"220 \" in qmail-smtpd's greeting; its first word\n"
    "should be this host's name." },
  { "smtproutes", KIND_LIST, "none",
    "Fixed routes for qmail-remote, one \"domain:relay[:port]\" per line:\n"
    "mail for domain goes to relay instead of the domain's MX hosts.  An\n"
    "empty relay means \"look up the MX hosts\", an empty domain matches\n"
    "every domain, a leading dot every subdomain.  Without the file every\n"
    "domain is looked up in the DNS." },
  { "timeoutconnect", KIND_NUMBER, "60",
    "Seconds qmail-remote waits for a connection to an SMTP server." },
  { "timeoutremote", KIND_NUMBER, "1200",
    "Seconds qmail-remote waits for each reply from an SMTP server, and\n"
    "for each write to it." },
  { "timeoutsmtpd", KIND_NUMBER, "1200",
    "Seconds qmail-smtpd waits for each piece of input from an SMTP client." },
  { "virtualdomains", KIND_LIST, "none",
    "Virtual domains, one \"domain:prefix\" per line: qmail-send delivers\n"
    "user@domain on this host as prefix-user@domain.  \"user@domain:prefix\"\n"
    "matches one address, \".domain:prefix\" every subdomain, \":prefix\"\n"
    "every domain; an empty prefix exempts a domain.  locals takes\n"
    "precedence over this file." },
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static int read_errors;

static void
out(const char *s)
{
  if (!buffer_puts(buffer_1, s))
    die_sys(111, "unable to write the output");
}

static void
outb(const char *s, size_t len)
{
  if (!buffer_put(buffer_1, s, len))
    die_sys(111, "unable to write the output");
}

static void
out_ulong(unsigned long n)
{
  char number[FMT_ULONG];

  outb(number, fmt_ulong(number, n));
}

static void
out_about(const char *about)
{
  while (*about) {
    const char *nl = strchr(about, '\n');
    size_t len = nl ? (size_t)(nl - about) : strlen(about);

    out("  ");
    outb(about, len);
    out("\n");
    about += len + (nl ? 1 : 0);
  }
}

static void
out_error(const char *name)
{
  out(name);
  out(": error: unable to read it: ");
  out(strerror(errno));
  out("\n");
  ++read_errors;
}

/* "(default: X)", "(default: me, NAME)" or "(default: me, which is
 * missing)"; def 0 or "me" is the name in control/me.  An empty file
 * gets "(empty, default: ...)": the programs use the default then. */
static void
out_default(const char *def, const stralloc *me, int empty)
{
  out(empty ? "(empty, default: " : "(default: ");
  if (def && strcmp(def, "me")) {
    out(def);
  } else {
    out("me, ");
    if (me->len)
      outb(me->s, me->len);
    else
      out("which is missing");
  }
  out(")");
}

static void
show_me(const struct known *k)
{
  stralloc value = STRALLOC_ZERO;
  int r = control_readline(&value, "control/me");

  if (r == -1) {
    out_error(k->name);
  } else {
    out("me: ");
    if (r == 0)
      out("(missing: set it, the other defaults depend on it)");
    else if (!value.len)
      out("(empty: set it, the other defaults depend on it)");
    else
      outb(value.s, value.len);
    out("\n");
    if (r == 1 && value.len && !memchr(value.s, '.', value.len))
      out("  warning: the name has no dot.  qmail-inject completes local\n"
          "  addresses with it, they then match no entry of locals, and mail\n"
          "  for local users is queued as remote mail.  Put the fully\n"
          "  qualified name of this host here (qmail-config does).\n");
  }
  stralloc_free(&value);
}

static void
show_line(const struct known *k, const char *path, const stralloc *me)
{
  stralloc value = STRALLOC_ZERO;
  int r = control_readline(&value, path);

  if (r == -1) {
    out_error(k->name);
    stralloc_free(&value);
    return;
  }
  out(k->name);
  out(": ");
  if (r == 1 && value.len)
    outb(value.s, value.len);
  else
    out_default(k->def, me, r == 1);
  out("\n");
  stralloc_free(&value);
}

static void
show_number(const struct known *k, const char *path)
{
  stralloc line = STRALLOC_ZERO;
  int value = 0;
  int r = control_readint(&value, path);

  out(k->name);
  out(": ");
  if (r == 0) {
    out_default(k->def, 0, 0);
  } else if (r == 1) {
    if (value < 0) {
      out("-");
      out_ulong((unsigned long)-(long)value);
    } else {
      out_ulong((unsigned long)value);
    }
    if (!strcmp(k->name, "databytes") && value == 0)
      out(" (no limit)");
    if (!strncmp(k->name, "concurrency", 11) && value > CONF_SPAWN_LIMIT)
      out(" (above the limit: " SPAWN_LIMIT_TEXT " is used)");
  } else if (errno == EINVAL && control_readline(&line, path) == 1) {
    out("(not a number: \"");
    outb(line.s, line.len);
    out("\"; programs that read it refuse to start)");
  } else {
    out("error: unable to read it: ");
    out(strerror(errno));
    ++read_errors;
  }
  out("\n");
  stralloc_free(&line);
}

static void
show_list(const struct known *k, const char *path, const stralloc *me)
{
  stralloc list = STRALLOC_ZERO;
  unsigned long entries = 0;
  size_t i;
  int r = control_readlist(&list, path);

  if (r == -1) {
    out_error(k->name);
    stralloc_free(&list);
    return;
  }
  out(k->name);
  out(": ");
  if (r == 0) {
    out_default(k->def, me, 0);
    out("\n");
    stralloc_free(&list);
    return;
  }
  for (i = 0; i < list.len; i += strlen(list.s + i) + 1)
    ++entries;
  if (!entries) {
    out("(no entries)\n");
  } else {
    out_ulong(entries);
    out(entries == 1 ? " entry\n" : " entries\n");
  }
  for (i = 0; i < list.len; i += strlen(list.s + i) + 1) {
    out("    ");
    out(list.s + i);
    out("\n");
  }
  stralloc_free(&list);
}

static void
show_cdb(const struct known *k, const char *path)
{
  stralloc source = STRALLOC_ZERO;
  struct stat st, src;

  if (stat(path, &st) == -1) {
    if (errno != ENOENT) {
      out_error(k->name);
      return;
    }
    out(k->name);
    out(": (default: none)\n");
    return;
  }
  out(k->name);
  out(": ");
  out_ulong((unsigned long)st.st_size);
  out(" bytes");
  if (!stralloc_copys(&source, "control/") || !stralloc_cats(&source, k->def)
      || !stralloc_0(&source))
    die_nomem();
  if (stat(source.s, &src) == 0 && src.st_mtime > st.st_mtime) {
    out(" (older than ");
    out(k->def);
    out(": run qmail-newmrh)");
  }
  out("\n");
  stralloc_free(&source);
}

static void
show_known(const struct known *k, const stralloc *me)
{
  stralloc path = STRALLOC_ZERO;

  if (!stralloc_copys(&path, "control/") || !stralloc_cats(&path, k->name)
      || !stralloc_0(&path))
    die_nomem();
  switch (k->kind) {
  case KIND_ME: show_me(k); break;
  case KIND_LINE: show_line(k, path.s, me); break;
  case KIND_NUMBER: show_number(k, path.s); break;
  case KIND_LIST: show_list(k, path.s, me); break;
  case KIND_CDB: show_cdb(k, path.s); break;
  }
  out_about(k->about);
  out("\n");
  stralloc_free(&path);
}

static int
is_known(const char *name)
{
  size_t i;

  for (i = 0; i < COUNT(files); ++i)
    if (!strcmp(files[i].name, name))
      return 1;
  return 0;
}

static int
compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every name in control/ that is not in files[], sorted. */
static void
show_unrecognized(void)
{
  stralloc names = STRALLOC_ZERO;
  char **sorted;
  size_t count = 0, i, at;
  DIR *d = opendir("control");
  struct dirent *e;

  if (!d)
    die_sys(111, "unable to read ", instance_home(), "/control");
  for (;;) {
    errno = 0;
    e = readdir(d);
    if (!e)
      break;
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || is_known(e->d_name))
      continue;
    if (!stralloc_cats(&names, e->d_name) || !stralloc_0(&names))
      die_nomem();
    ++count;
  }
  if (errno)
    die_sys(111, "unable to read ", instance_home(), "/control");
  closedir(d);
  if (!count) {
    stralloc_free(&names);
    return;
  }
  sorted = calloc(count, sizeof *sorted);
  if (!sorted)
    die_nomem();
  for (i = 0, at = 0; i < count; ++i, at += strlen(names.s + at) + 1)
    sorted[i] = names.s + at;
  qsort(sorted, count, sizeof *sorted, compare_names);
  for (i = 0; i < count; ++i) {
    out(sorted[i]);
    out(": unrecognized\n");
  }
  out("  No program of this system reads the files above: a typing error\n"
      "  in the name, or a file of some other software.\n\n");
  free(sorted);
  stralloc_free(&names);
}

/* The three aliases every system needs: without them mail to root,
 * postmaster and MAILER-DAEMON bounces, and a bounce of a bounce to
 * postmaster is thrown away. */
static void
show_aliases(const char *home)
{
  static const char *const names[] = {
    ".qmail-root", ".qmail-postmaster", ".qmail-mailer-daemon"
  };
  stralloc path = STRALLOC_ZERO, text = STRALLOC_ZERO;
  size_t i, at;

  out("alias files in ");
  out(home);
  out("/alias:\n\n");
  for (i = 0; i < COUNT(names); ++i) {
    if (!stralloc_copys(&path, "alias/") || !stralloc_cats(&path, names[i])
        || !stralloc_0(&path))
      die_nomem();
    out(names[i]);
    if (!readfile(path.s, &text)) {
      if (errno != ENOENT) {
        out(": error: unable to read it: ");
        out(strerror(errno));
        out("\n");
        ++read_errors;
        continue;
      }
      out(": warning: missing.  Mail to ");
      out(names[i] + 7);
      out(" bounces, and mail that\n"
          "  cannot be bounced is thrown away.  Create it, for instance with\n"
          "  qmail-config, to send that mail to a user who reads it.\n");
      continue;
    }
    out(":\n");
    for (at = 0; at < text.len;) {
      char *nl = memchr(text.s + at, '\n', text.len - at);
      size_t len = nl ? (size_t)(nl - (text.s + at)) : text.len - at;

      out("    ");
      outb(text.s + at, len);
      out("\n");
      at += len + 1;
    }
  }
  stralloc_free(&path);
  stralloc_free(&text);
}

static void
show_ids(void)
{
  struct instance_ids ids;
  const char *missing;
  int i;

  if (!instance_ids(&ids, &missing)) {
    out("user ids: unknown: ");
    if (errno == ENOENT) {
      out("no user or group named ");
      out(missing);
    } else {
      out(missing);
      out(": ");
      out(strerror(errno));
    }
    out("\n");
    return;
  }
  out("user ids:");
  for (i = 0; i < USER_COUNT; ++i) {
    out(" ");
    out(instance_user_name((enum instance_user)i));
    out("=");
    out_ulong((unsigned long)ids.uid[i]);
  }
  out("\ngroup ids:");
  for (i = 0; i < GROUP_COUNT; ++i) {
    out(" ");
    out(instance_group_name((enum instance_group)i));
    out("=");
    out_ulong((unsigned long)ids.gid[i]);
  }
  out("\n");
}

static void
show_settings(const char *home)
{
  char delimiter[2] = { CONF_EXT_CHAR, 0 };
  char paternalism[FMT_ULONG];
  size_t len;

  out("qmail home directory: ");
  out(home);
  if (instance_overridden()) {
    out(" (an instance, from $QMAILHOME; compiled in: ");
    out(CONF_HOME);
    out(")");
  }
  out("\nuser-ext delimiter: ");
  out(delimiter);
  out("\npaternalism (octal): ");
  /* three digits, as the knob is written in config.mk */
  len = fmt_8long(0, CONF_PATERNALISM);
  while (len < 3) {
    out("0");
    ++len;
  }
  outb(paternalism, fmt_8long(paternalism, CONF_PATERNALISM));
  out("\nsilent concurrency limit: " SPAWN_LIMIT_TEXT);
  out("\nsubdirectory split: ");
  out_ulong(CONF_QUEUE_SPLIT);
  out("\n");
  show_ids();
}

int
main(int argc, char **argv)
{
  const char *home = instance_home();
  stralloc me = STRALLOC_ZERO;
  size_t i;

  errmsg_init("qmail-showctl");
  (void)argv;
  if (argc > 1)
    die(100, "usage: qmail-showctl");
  show_settings(home);
  if (chdir(home) == -1)
    die_sys(111, "unable to enter ", home);
  if (chdir("control") == -1 || chdir("..") == -1)
    die_sys(111, "unable to enter ", home, "/control");
  if (control_me(&me) == -1)
    me.len = 0;               /* show_me reports the error */
  out("\ncontrol files in ");
  out(home);
  out("/control:\n\n");
  for (i = 0; i < COUNT(files); ++i)
    show_known(&files[i], &me);
  show_unrecognized();
  show_aliases(home);
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write the output");
  stralloc_free(&me);
  return read_errors ? 111 : 0;
}
