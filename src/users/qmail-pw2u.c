/* qmail-pw2u -- turn a passwd file into qmail-users assignments.
 *
 * Usage: qmail-pw2u [-/ohHuUC] [-cchar] < passwd > assign
 *
 * Run by the administrator; needs no privilege beyond reading the home
 * directories it checks and HOME/users/{include,exclude,mailnames,
 * subusers,append}.  Reads user:password:uid:gid:gecos:home:shell lines
 * on fd 0 and prints, on fd 1, an assign file for qmail-newu that
 * follows qmail-getpw's rules (see qmail-pw2u.8 for the rules, the
 * files and the exact output).  Nothing is printed unless the whole
 * input was good: the output is built in memory first, so a failed run
 * never leaves a plausible but cut-short assign file behind.
 *
 * Exit codes: 0 printed; 100 usage, a malformed passwd line or a bad
 * users/ file; 111 temporary trouble (reading, writing, a home
 * directory that cannot be examined, -h and a missing home, no alias
 * user, out of memory).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "control.h"
#include "errmsg.h"
#include "instance.h"
#include "qconf.h"
#include "readfile.h"
#include "recipient.h"
#include "stralloc.h"

enum home_rule { HOME_SKIP, HOME_STOP, HOME_ANY };

struct account {
  const char *user;
  const char *uid;           /* the passwd file's digits, printed as they are */
  const char *gid;
  const char *home;
  unsigned long uid_value;
};

struct list {                /* a control_readlist() result and its state */
  stralloc lines;
  int present;
};

static enum home_rule home_rule = HOME_SKIP;
static int allow_upper;
static char break_char = CONF_EXT_CHAR;   /* 0: no extensions (-C) */
static const char *dash = "-";

static struct list include_list, exclude_list, mailnames, subusers;
static stralloc out;

static void
nomem(void)
{
  die_nomem();
}

static void
usage(void)
{
  die(100, "usage: qmail-pw2u [-/ohHuUC] [-cchar]");
}

static void
bad_passwd(unsigned long line, const char *why)
{
  stralloc msg = STRALLOC_ZERO;

  if (!stralloc_copys(&msg, "input line ") || !stralloc_catulong(&msg, line)
      || !stralloc_0(&msg))
    nomem();
  die(100, msg.s, ": ", why);
}

static void
read_list(struct list *l, const char *path)
{
  int r = control_readlist(&l->lines, path);

  if (r == -1)
    die_sys(111, "unable to read ", path);
  l->present = r;
}

/* The entry of l whose text up to the first ':' (or all of it) is key. */
static const char *
list_find(const struct list *l, const char *key, int up_to_colon)
{
  size_t klen = strlen(key), pos = 0;

  while (pos < l->lines.len) {
    const char *entry = l->lines.s + pos;
    size_t len = strlen(entry);

    if (strncmp(entry, key, klen) == 0
        && (entry[klen] == 0 || (up_to_colon && entry[klen] == ':')))
      return entry;
    pos += len + 1;
  }
  return 0;
}

static void
emit(const char *s)
{
  if (!stralloc_cats(&out, s))
    nomem();
}

static void
emit_char(char c)
{
  if (!stralloc_append(&out, c))
    nomem();
}

/* One assignment: KIND NAME[break] : user : uid : gid : home : dash : ext[sep] : */
static void
emit_assignment(char kind, const char *name, size_t namelen,
                const struct account *a, const char *dash_field,
                const char *ext, char ext_tail)
{
  emit_char(kind);
  if (!stralloc_catb(&out, name, namelen))
    nomem();
  if (kind == '+' && namelen)
    emit_char(break_char);
  emit_char(':');
  emit(a->user);
  emit_char(':');
  emit(a->uid);
  emit_char(':');
  emit(a->gid);
  emit_char(':');
  emit(a->home);
  emit_char(':');
  emit(dash_field);
  emit_char(':');
  emit(ext);
  if (ext_tail)
    emit_char(ext_tail);
  emit(":\n");
}

/* The basic address and the extension addresses of each mail name. */
static void
emit_user(const struct account *a)
{
  const char *names = list_find(&mailnames, a->user, 1);
  const char *p, *end;

  if (!names) {
    emit_assignment('=', a->user, strlen(a->user), a, "", "", 0);
    if (break_char)
      emit_assignment('+', a->user, strlen(a->user), a, dash, "", 0);
    return;
  }
  p = names + strlen(a->user) + 1;
  if (p > names + strlen(names))
    return;                  /* "user" alone: no names at all */
  while (*p) {
    end = strchr(p, ':');
    if (!end)
      end = p + strlen(p);
    if (end > p) {
      emit_assignment('=', p, (size_t)(end - p), a, "", "", 0);
      if (break_char)
        emit_assignment('+', p, (size_t)(end - p), a, dash, "", 0);
    }
    p = *end ? end + 1 : end;
  }
}

static int
has_upper(const char *s)
{
  for (; *s; ++s)
    if (*s >= 'A' && *s <= 'Z')
      return 1;
  return 0;
}

/* 1 if the account gets assignments of its own. */
static int
accepted(const struct account *a)
{
  struct stat st;

  if (a->uid_value == 0)
    return 0;
  if (!allow_upper && has_upper(a->user))
    return 0;
  if (include_list.present && !list_find(&include_list, a->user, 0))
    return 0;
  if (exclude_list.present && list_find(&exclude_list, a->user, 0))
    return 0;
  if (a->home[0] != '/') {
    warn("skipping ", a->user, ": home directory ", a->home,
         " is not an absolute path");
    return 0;
  }
  if (home_rule == HOME_ANY)
    return 1;
  if (stat(a->home, &st) == -1) {
    if (errno != ENOENT && errno != ENOTDIR)
      die_sys(111, "unable to examine ", a->home, ", home of ", a->user);
    if (home_rule == HOME_STOP)
      die(111, "home directory ", a->home, " of ", a->user, " does not exist");
    return 0;
  }
  return st.st_uid == a->uid_value;
}

/* Split one passwd line in place; 0 for a line to skip. */
static int
parse_passwd(char *line, size_t len, unsigned long lineno, struct account *a)
{
  char *field[7];
  size_t i, n = 0;

  if (len == 0)
    return 0;
  if (memchr(line, 0, len))
    bad_passwd(lineno, "the line contains a NUL byte");
  if (line[0] == '+' || line[0] == '-') {
    warn("ignoring input line with NIS syntax: ", line);
    return 0;
  }
  field[n++] = line;
  for (i = 0; i < len && n < 7; ++i)
    if (line[i] == ':') {
      line[i] = 0;
      field[n++] = line + i + 1;
    }
  if (n < 7)
    bad_passwd(lineno, "not of the form user:password:uid:gid:gecos:home:shell");
  if (!*field[0])
    bad_passwd(lineno, "the user name is empty");
  if (!recipient_scan_id(field[2], strlen(field[2]), &a->uid_value))
    bad_passwd(lineno, "the uid is not a decimal number");
  {
    unsigned long gid;

    if (!recipient_scan_id(field[3], strlen(field[3]), &gid))
      bad_passwd(lineno, "the gid is not a decimal number");
  }
  a->user = field[0];
  a->uid = field[2];
  a->gid = field[3];
  a->home = field[5];
  return 1;
}

/* subusers lines sub:user:pre: -- the account is any passwd account. */
static void
emit_subusers(const struct account *accounts, size_t count)
{
  size_t pos = 0, i;

  while (pos < subusers.lines.len) {
    char *entry = subusers.lines.s + pos;
    size_t len = strlen(entry);
    char *user, *pre, *end;
    const struct account *a = 0;

    pos += len + 1;
    user = strchr(entry, ':');
    pre = user ? strchr(user + 1, ':') : 0;
    end = pre ? strchr(pre + 1, ':') : 0;
    if (!end || end[1] || user == entry)
      die(100, "users/subusers: not of the form sub:user:pre: in \"", entry, "\"");
    *user++ = 0;
    *pre++ = 0;
    *end = 0;
    for (i = 0; i < count; ++i)
      if (strcmp(accounts[i].user, user) == 0) {
        a = &accounts[i];
        break;
      }
    if (!a) {
      warn("users/subusers: no account ", user, " for ", entry, "; skipped");
      continue;
    }
    if (a->uid_value == 0) {
      warn("users/subusers: ", user, " has uid 0; ", entry, " skipped");
      continue;
    }
    emit_assignment('=', entry, strlen(entry), a, "-", pre, 0);
    if (break_char)
      emit_assignment('+', entry, strlen(entry), a, "-", pre, '-');
  }
}

static void
emit_alias(void)
{
  struct instance_ids ids;
  struct account alias;
  stralloc home = STRALLOC_ZERO, uid = STRALLOC_ZERO, gid = STRALLOC_ZERO;
  const char *missing;

  if (!instance_ids(&ids, &missing))
    die(111, "unable to find the alias user: ", missing ? missing : "?",
        " does not exist or cannot be examined");
  if (!stralloc_copys(&home, instance_home()) || !stralloc_cats(&home, "/alias")
      || !stralloc_0(&home)
      || !stralloc_catulong(&uid, (unsigned long)ids.uid[USER_ALIAS])
      || !stralloc_0(&uid)
      || !stralloc_catulong(&gid, (unsigned long)ids.gid[GROUP_NOFILES])
      || !stralloc_0(&gid))
    nomem();
  alias.uid_value = (unsigned long)ids.uid[USER_ALIAS];
  alias.user = instance_user_name(USER_ALIAS);
  alias.uid = uid.s;
  alias.gid = gid.s;
  alias.home = home.s;
  emit_assignment('+', "", 0, &alias, "-", "", 0);
}

static void
emit_append(void)
{
  stralloc extra = STRALLOC_ZERO;
  size_t pos = 0;

  if (!readfile("users/append", &extra)) {
    if (errno == ENOENT)
      return;
    die_sys(111, "unable to read users/append");
  }
  if (extra.len == 0)
    return;
  if (memchr(extra.s, 0, extra.len))
    die(100, "users/append contains a NUL byte");
  while (pos < extra.len) {
    const char *nl = memchr(extra.s + pos, '\n', extra.len - pos);
    size_t len = nl ? (size_t)(nl - extra.s) - pos : extra.len - pos;

    if (len == 1 && extra.s[pos] == '.')
      die(100, "users/append holds a '.' line; qmail-pw2u ends the list itself");
    pos += len + 1;
  }
  if (!stralloc_cat(&out, &extra))
    nomem();
  if (extra.len && extra.s[extra.len - 1] != '\n')
    emit_char('\n');
}

int
main(int argc, char **argv)
{
  stralloc passwd = STRALLOC_ZERO, accounts = STRALLOC_ZERO;
  struct account *list;
  size_t pos = 0, count, i;
  unsigned long lineno = 0;
  int opt;

  errmsg_init("qmail-pw2u");
  while ((opt = getopt(argc, argv, "/ohHuUc:C")) != -1)
    switch (opt) {
    case '/': dash = "-/"; break;
    case 'o': home_rule = HOME_SKIP; break;
    case 'h': home_rule = HOME_STOP; break;
    case 'H': home_rule = HOME_ANY; break;
    case 'u': allow_upper = 1; break;
    case 'U': allow_upper = 0; break;
    case 'c':
      if (strlen(optarg) != 1 || *optarg == ':' || *optarg == '\n')
        die(100, "-c takes one character other than ':'");
      break_char = *optarg;
      break;
    case 'C': break_char = 0; break;
    default: usage();
    }
  if (optind != argc)
    usage();

  if (!readfile_fd(0, &passwd))
    die_sys(111, "unable to read the passwd file on standard input");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter ", instance_home());
  read_list(&include_list, "users/include");
  read_list(&exclude_list, "users/exclude");
  read_list(&mailnames, "users/mailnames");
  read_list(&subusers, "users/subusers");

  if (!stralloc_0(&passwd))
    nomem();
  --passwd.len;
  while (pos < passwd.len) {
    char *line = passwd.s + pos;
    char *nl = memchr(line, '\n', passwd.len - pos);
    size_t len = nl ? (size_t)(nl - line) : passwd.len - pos;
    struct account a;

    ++lineno;
    pos += len + 1;
    line[len] = 0;
    if (len && line[len - 1] == '\r')
      line[--len] = 0;
    if (parse_passwd(line, len, lineno, &a)
        && !stralloc_catb(&accounts, (const char *)&a, sizeof a))
      nomem();
  }

  list = (struct account *)(void *)accounts.s;
  count = accounts.len / sizeof *list;
  for (i = 0; i < count; ++i)
    if (accepted(&list[i]))
      emit_user(&list[i]);
  emit_subusers(list, count);
  emit_alias();
  emit_append();
  emit(".\n");

  if (!buffer_putflush(buffer_1, out.s, out.len))
    die_sys(111, "unable to write output");
  return 0;
}
