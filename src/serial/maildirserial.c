/* maildirserial -- send the messages of a spool maildir through a client.
 *
 *   maildirserial [-b] [-t lifetime] dir prefix client [arg ...]
 *
 * Looks through dir/new and dir/cur for messages whose Delivered-To
 * address begins with prefix, runs client in dir with their names on
 * its fd 0 and reads its results on its fd 1 (the interface is in
 * serial.h).  A message the client accepted (K) is removed.  One it
 * refused for good (D) is, with -b, bounced to the sender of its
 * Return-Path line and removed; without -b it stays.  One it refused
 * for now (Z) stays, unless -t was given and the file is older than
 * lifetime seconds: then it counts as refused for good.  A message the
 * client gave no result for (it could not connect, the connection
 * broke) stays whatever its age.  When the client ends without a result
 * for every message but made some progress, it is run again for the
 * rest.
 *
 * Files that are not messages of the spool (no Return-Path or
 * Delivered-To line at the top, not a plain file, unreadable) are named
 * on fd 2 and left alone; nothing is sent for them and nothing removed.
 * Every result is logged on fd 2, and at the end one line sums up the
 * run: how many messages were delivered, deferred and bounced, and the
 * encryption the client reported.
 *
 * Runs as the owner of the spool (a bounce goes through qmail-queue).
 * Exit codes: 0 when the client gave a result for every message; 111
 * when it did not, or the spool could not be read (nothing is lost
 * either way); 100 for a usage error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "errmsg.h"
#include "fd.h"
#include "fmt.h"
#include "maildirserial.h"
#include "scan.h"
#include "serial.h"
#include "sig.h"
#include "wait.h"

/* the most result bytes held without a complete result */
#define RESULT_MAX (1024 * 1024)

static const char *dir;
static const char *prefix;
static int bounce_failures;
static unsigned long lifetime;     /* 0: none */

static struct spool_entry *entry;
static size_t entries, entries_alloc;

static unsigned long n_delivered, n_deferred, n_bounced, n_kept,
  n_unusable, n_other_prefix;
static stralloc tls_seen = STRALLOC_ZERO;

static void
usage(void)
{
  die(100, "usage: maildirserial [-b] [-t lifetime] dir prefix client "
      "[arg ...]");
}

/* One line on fd 2, written at once. */
static void
logline(const char *name, const char *a, const char *b, const char *c)
{
  stralloc line = STRALLOC_ZERO;

  if (stralloc_copys(&line, "maildirserial: ") && stralloc_cats(&line, dir)
      && stralloc_cats(&line, "/") && stralloc_cats(&line, name)
      && stralloc_cats(&line, ": ") && stralloc_cats(&line, a)
      && (!b || stralloc_cats(&line, b)) && (!c || stralloc_cats(&line, c))
      && stralloc_cats(&line, "\n") && stralloc_0(&line))
    errmsg_put(line.s, (char *)0);
  stralloc_free(&line);
}

int
open_spool_file(const char *name)
{
  return open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
}

/* Look at one file of the spool; add it to the list when it is a
 * message for prefix. */
static void
consider(const char *sub, const char *base)
{
  static struct serial_envelope env = SERIAL_ENVELOPE_ZERO;
  struct spool_entry *e;
  struct stat st;
  const char *rcpt;
  size_t len = strlen(sub) + 1 + strlen(base) + 1;
  char *name = malloc(len);
  int fd;

  if (!name)
    die_nomem();
  memcpy(name, sub, strlen(sub));
  name[strlen(sub)] = '/';
  memcpy(name + strlen(sub) + 1, base, strlen(base) + 1);
  fd = open_spool_file(name);
  if (fd == -1) {
    if (errno != ENOENT) {
      logline(name, "unable to open, left in the spool: ", strerror(errno),
              " (#4.3.0)");
      ++n_unusable;
    }
    free(name);
    return;
  }
  if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
    logline(name, "not a plain file, left alone", 0, 0);
    ++n_unusable;
    goto skip;
  }
  if (!serial_envelope_read(fd, &env)) {
    if (errno == EINVAL)
      logline(name, "not a spooled message, left in the spool: ", env.why,
              " (#5.6.0)");
    else
      logline(name, "unable to read, left in the spool: ", strerror(errno),
              " (#4.3.0)");
    ++n_unusable;
    goto skip;
  }
  rcpt = serial_recipient(&env, prefix);
  if (!rcpt) {
    ++n_other_prefix;
    goto skip;
  }
  if (entries == entries_alloc) {
    size_t n = entries_alloc ? 2 * entries_alloc : 64;
    struct spool_entry *more = realloc(entry, n * sizeof *entry);

    if (!more)
      die_nomem();
    entry = more;
    entries_alloc = n;
  }
  e = &entry[entries++];
  memset(e, 0, sizeof *e);
  e->name = name;
  e->mtime = st.st_mtime;
  e->body = env.body;
  if (!stralloc_copy(&e->sender, &env.sender) || !stralloc_0(&e->sender)
      || !stralloc_copys(&e->recipient, rcpt) || !stralloc_0(&e->recipient))
    die_nomem();
  close(fd);
  return;
skip:
  close(fd);
  free(name);
}

static void
scan_sub(const char *sub)
{
  DIR *d = opendir(sub);
  struct dirent *de;

  if (!d)
    die_sys(111, "unable to read ", dir, "/", sub, " (#4.3.0)");
  for (;;) {
    errno = 0;
    de = readdir(d);
    if (!de)
      break;
    if (de->d_name[0] == '.')
      continue;
    consider(sub, de->d_name);
  }
  if (errno)
    die_sys(111, "unable to read ", dir, "/", sub, " (#4.3.0)");
  closedir(d);
}

static int
by_name(const void *a, const void *b)
{
  const struct spool_entry *x = a, *y = b;

  /* new/ and cur/ names start with the delivery time: oldest first */
  return strcmp(strchr(x->name, '/'), strchr(y->name, '/'));
}

static void
scan_spool(void)
{
  struct stat st;

  if (chdir(dir) == -1)
    die_sys(111, "unable to enter the spool ", dir, " (#4.3.0)");
  if ((stat("new", &st) == -1 && errno != ENOENT)
      || (stat("cur", &st) == -1 && errno != ENOENT))
    die_sys(111, "unable to examine the spool ", dir, "; nothing sent "
            "(#4.3.0)");
  if (stat("new", &st) == -1 || !S_ISDIR(st.st_mode)
      || stat("cur", &st) == -1 || !S_ISDIR(st.st_mode))
    die(111, dir, " is not a maildir: it has no new and cur "
        "subdirectories; nothing sent (#4.3.0)");
  scan_sub("new");
  scan_sub("cur");
  if (entries)       /* an empty spool has no array at all */
    qsort(entry, entries, sizeof *entry, by_name);
}

/* The entry a result names.  Clients answer in the order they were
 * given the names, so the search starts after the last one found: a
 * spool of many thousand messages costs no quadratic time. */
static struct spool_entry *
find_entry(const char *name)
{
  static size_t next;
  size_t n;

  for (n = 0; n < entries; ++n) {
    size_t i = (next + n) % entries;

    if (!entry[i].done && !strcmp(entry[i].name, name)) {
      next = i + 1;
      return &entry[i];
    }
  }
  return 0;
}

static void
remember_tls(const char *text, size_t len)
{
  /* "... (TLS=TLSv1.2 SUITE verified)" or "... (no TLS)" at the end */
  size_t i;

  if (!len || text[len - 1] != ')')
    return;
  for (i = len; i-- > 0;)
    if (text[i] == '(') {
      if (!strncmp(text + i, "(TLS=", 5) || !strncmp(text + i, "(no TLS)", 8))
        stralloc_copyb(&tls_seen, text + i + 1, len - i - 2);
      return;
    }
}

static void
give_up_on(struct spool_entry *e, const char *why)
{
  stralloc failure = STRALLOC_ZERO;

  if (!bounce_failures) {
    logline(e->name, "refused for good, left in the spool (no -b): ", why, 0);
    ++n_kept;
    return;
  }
  if (!e->sender.len || !strcmp(e->sender.s, "#@[]")) {
    if (unlink(e->name) == -1 && errno != ENOENT) {
      logline(e->name, "unable to remove: ", strerror(errno), 0);
      ++n_kept;
      return;
    }
    logline(e->name, "refused for good; the sender is empty, so there is "
            "no one to bounce to; removed: ", why, 0);
    ++n_bounced;
    return;
  }
  if (!serial_bounce(e, dir, why, &failure)) {
    stralloc_0(&failure);
    logline(e->name, "refused for good, but the bounce failed, so it "
            "stays in the spool: ", failure.s, " (#4.3.0)");
    stralloc_free(&failure);
    ++n_kept;
    return;
  }
  if (unlink(e->name) == -1 && errno != ENOENT)
    logline(e->name, "bounced, but unable to remove it: ", strerror(errno),
            " (it will be sent again)");
  else {
    stralloc to = STRALLOC_ZERO;

    if (stralloc_copys(&to, e->sender.s) && stralloc_cats(&to, ": ")
        && stralloc_0(&to))
      logline(e->name, "bounced to ", to.s, why);
    stralloc_free(&to);
  }
  ++n_bounced;
}

static void
apply(struct spool_entry *e, char status, const char *text)
{
  struct stat st;

  e->done = 1;
  if (status != 'K' && lstat(e->name, &st) == -1 && errno == ENOENT) {
    /* someone else (another flush, a user) removed it meanwhile */
    logline(e->name, "vanished during the run; nothing to do: ", text, 0);
    return;
  }
  if (status == 'K') {
    if (unlink(e->name) == -1 && errno != ENOENT)
      logline(e->name, "delivered, but unable to remove it (it will be sent "
              "again): ", strerror(errno), 0);
    else
      logline(e->name, "delivered: ", text, 0);
    ++n_delivered;
  } else if (status == 'D')
    give_up_on(e, text);
  else if (status == 'Z') {
    if (lifetime && time(0) - e->mtime > (time_t)lifetime) {
      logline(e->name, "deferred and older than the lifetime: ", text, 0);
      give_up_on(e, text);
    } else {
      logline(e->name, "deferred: ", text, 0);
      ++n_deferred;
    }
  } else {
    e->done = 0;
    logline(e->name, "the client gave a result that is not K, Z or D; "
            "ignored", 0, 0);
  }
}

/* Take the complete results out of got; 1 when some were. */
static size_t
results(stralloc *got)
{
  size_t pos = 0, handled = 0;

  for (;;) {
    char *nul = memchr(got->s + pos, '\0', got->len - pos);
    char *nl;
    struct spool_entry *e;

    if (!nul)
      break;
    nl = memchr(nul + 1, '\n', got->len - (size_t)(nul + 1 - got->s));
    if (!nl)
      break;
    *nl = 0;
    e = find_entry(got->s + pos);
    if (e && nl > nul + 1) {
      remember_tls(nul + 2, (size_t)(nl - nul - 2));
      apply(e, nul[1], nul + 2);
      handled += e->done;
    }
    pos = (size_t)(nl + 1 - got->s);
  }
  if (pos) {
    memmove(got->s, got->s + pos, got->len - pos);
    got->len -= pos;
  }
  return handled;
}

/* Run the client once for the messages without a result; returns how
 * many results it gave. */
static size_t
run_client(char **argv)
{
  stralloc names = STRALLOC_ZERO, got = STRALLOC_ZERO;
  int to_client[2], from_client[2], fds[3], status;
  size_t i, written = 0, handled = 0;
  pid_t pid;
  int reading = 1;

  for (i = 0; i < entries; ++i)
    if (!entry[i].done && !stralloc_catb(&names, entry[i].name,
                                         strlen(entry[i].name) + 1))
      die_nomem();
  if (pipe(to_client) == -1 || pipe(from_client) == -1)
    die_sys(111, "unable to make pipes for the client");
  fd_coe(to_client[1]);
  fd_coe(from_client[0]);
  fds[0] = to_client[0];
  fds[1] = from_client[1];
  fds[2] = CHILD_KEEP;
  pid = child_spawn(argv, 0, fds);
  if (pid == -1)
    die_sys(111, "unable to run ", argv[0]);
  close(to_client[0]);
  close(from_client[1]);
  fd_ndelay_on(to_client[1]);
  if (!names.len) {
    close(to_client[1]);
    to_client[1] = -1;
  }
  while (reading) {
    struct pollfd p[2];
    int n = 0;

    p[n].fd = from_client[0];
    p[n++].events = POLLIN;
    if (to_client[1] != -1) {
      p[n].fd = to_client[1];
      p[n++].events = POLLOUT;
    }
    if (poll(p, (nfds_t)n, -1) == -1) {
      if (errno == EINTR)
        continue;
      die_sys(111, "unable to wait for the client");
    }
    if (n == 2 && p[1].revents) {
      ssize_t w = write(to_client[1], names.s + written, names.len - written);

      if (w > 0)
        written += (size_t)w;
      if ((w == -1 && errno != EAGAIN && errno != EINTR)
          || written == names.len) {
        close(to_client[1]);
        to_client[1] = -1;
      }
    }
    if (p[0].revents) {
      ssize_t r;

      if (!stralloc_readyplus(&got, 4096))
        die_nomem();
      r = read(from_client[0], got.s + got.len, 4096);
      if (r == -1 && errno != EINTR && errno != EAGAIN)
        die_sys(111, "unable to read the client's results");
      if (r == 0)
        reading = 0;
      if (r > 0) {
        got.len += (size_t)r;
        handled += results(&got);
        if (got.len > RESULT_MAX)
          die(111, argv[0], " wrote a result longer than ",
              "a megabyte: not a client for maildirserial (#4.3.0)");
      }
    }
  }
  if (to_client[1] != -1)
    close(to_client[1]);
  close(from_client[0]);
  if (wait_pid(pid, &status) == -1)
    die_sys(111, "unable to wait for the client");
  if (wait_crashed(status)) {
    char sig[FMT_ULONG];

    sig[fmt_uint(sig, (unsigned int)wait_termsig(status))] = 0;
    errmsg_put("maildirserial: ", dir, ": the client ", argv[0],
               " was killed by signal ", sig, "\n", (char *)0);
  }
  stralloc_free(&names);
  stralloc_free(&got);
  return handled;
}

static void
summary(unsigned long untried)
{
  stralloc line = STRALLOC_ZERO;

  if (!stralloc_copys(&line, "maildirserial: ")
      || !stralloc_cats(&line, dir) || !stralloc_cats(&line, ": flush: ")
      || !stralloc_catulong(&line, n_delivered)
      || !stralloc_cats(&line, " delivered, ")
      || !stralloc_catulong(&line, n_deferred)
      || !stralloc_cats(&line, " deferred, ")
      || !stralloc_catulong(&line, n_bounced)
      || !stralloc_cats(&line, " bounced, ")
      || !stralloc_catulong(&line, n_kept + untried)
      || !stralloc_cats(&line, " left unsent, ")
      || !stralloc_catulong(&line, n_unusable)
      || !stralloc_cats(&line, " unusable")
      /* a flush that sends nothing because of a mistyped prefix should
       * say so */
      || (n_other_prefix && (!stralloc_cats(&line, " (")
                             || !stralloc_catulong(&line, n_other_prefix)
                             || !stralloc_cats(&line, " not for ")
                             || !stralloc_cats(&line, prefix)
                             || !stralloc_cats(&line, ")")))
      || !stralloc_cats(&line, "; ")
      || !(tls_seen.len ? stralloc_cat(&line, &tls_seen)
           : stralloc_cats(&line, "no result from the client"))
      || !stralloc_cats(&line, "\n") || !stralloc_0(&line))
    die_nomem();
  errmsg_put(line.s, (char *)0);
  stralloc_free(&line);
}

int
main(int argc, char **argv)
{
  unsigned long untried = 0;
  size_t i;
  int opt;

  errmsg_init("maildirserial");
  sig_ignore(SIGPIPE);
  while ((opt = getopt(argc, argv, "+bt:")) != -1)
    switch (opt) {
    case 'b':
      bounce_failures = 1;
      break;
    case 't': {
      size_t n = scan_ulong(optarg, &lifetime);

      if (!n || optarg[n])
        usage();
      break;
    }
    default:
      usage();
    }
  argc -= optind;
  argv += optind;
  if (argc < 3)
    usage();
  dir = argv[0];
  prefix = argv[1];

  scan_spool();
  if (entries) {
    for (;;) {
      size_t left = 0;

      if (!run_client(argv + 2))
        break;
      for (i = 0; i < entries; ++i)
        left += !entry[i].done;
      if (!left)
        break;
    }
  }
  for (i = 0; i < entries; ++i)
    untried += !entry[i].done;
  summary(untried);
  return untried ? 111 : 0;
}
