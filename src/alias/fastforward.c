/* fastforward -- forward a message as a forwarding database says.
 *
 * Usage (in a .qmail file, typically ~alias/.qmail-default):
 *     | fastforward [-nNpPdD] cdb
 *
 * Runs under qmail-local as the owner of the .qmail file (the alias
 * user for /etc/aliases), with the message on fd 0 and the delivery in
 * the environment.  The recipient is $RECIPIENT (-D, the default) or
 * $DEFAULT@$HOST (-d; $EXT@$HOST when $DEFAULT is unset), lowercased.
 * It is looked up in cdb (fwdb.h) as "address", "@host" and "user@";
 * the first found is obeyed:
 *   - an address that is itself a target is expanded in turn (not the
 *     wildcards: they apply to the incoming address only), else it
 *     becomes a recipient;
 *   - a binary mailing list (/path, setmaillist, newinclude) is read
 *     and obeyed the same way;
 *   - a program is run with "sh -c" and the message on its input ('!'
 *     puts $UFLINE $RPLINE $DTLINE in front);
 *   - a target's owner ("?" record) becomes the envelope sender of
 *     everything forwarded through that target, so bounces go to the
 *     owner; a bounce itself (empty sender, or #@[]) keeps its sender
 *     so that it cannot bounce again.
 * Each recipient and list is used once per envelope sender, which also
 * ends internal loops.  The programs run first, then the message is
 * queued once per envelope sender with $DTLINE in front, so that
 * qmail-local's Delivered-To check stops a loop that goes through the
 * queue (one bounce, no mail storm).  A target that expands to nothing
 * (an alias loop) bounces.
 *
 * Options: -n print what would be done ("run", "from", "to" lines) and
 * deliver nothing; -N deliver (default); -p pass through: an address not
 * in cdb exits 0 so the next .qmail line gets the message, a forwarded
 * one exits 99 so that no further line runs; -P (default) bounce an
 * address not in cdb, exit 0 after forwarding.
 *
 * Exit codes: 0 forwarded (-P), or not found (-p); 99 forwarded (-p);
 * 100 permanent failure: not in cdb (-P), an alias loop, a program that
 * exited 100, the queue refusing the message for good; 111 temporary
 * failure: cdb or a list unreadable or corrupt, memory, the queue.
 * Messages on fd 2 are what qmail-local reports (with a #x.y.z code).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buffer.h"
#include "caseless.h"
#include "constdb.h"
#include "env.h"
#include "errmsg.h"
#include "forwardcdb.h"
#include "fwdb.h"
#include "qmailqueue.h"
#include "readfile.h"
#include "sig.h"
#include "stralloc.h"
#include "../user/usermsg.h"

#define DEPTH_MAX 100

/* Every "sender\0command" seen, in an open-addressing hash set. */
struct seen {
  stralloc pool;          /* the entries, each NUL-terminated */
  size_t *slots;          /* offset + 1 into pool; 0 empty */
  size_t nslots, used;
};

/* Recipients grouped by envelope sender. */
struct group {
  stralloc sender;
  stralloc recipients;    /* NUL-terminated addresses */
  size_t count;
};

static struct constdb db = CONSTDB_ZERO;
static const char *cdb_path;
static struct seen seen;
static struct group *groups;
static size_t ngroups;
static stralloc programs;   /* NUL-terminated commands, '|' or '!' first */
static int print_only;

static unsigned long
hash(const char *s, size_t len)
{
  unsigned long h = 5381;

  while (len--)
    h = ((h << 5) + h) ^ (unsigned char)*s++;
  return h;
}

static void
seen_grow(void)
{
  size_t n = seen.nslots ? 2 * seen.nslots : 1024;
  size_t *slots = calloc(n, sizeof *slots);
  size_t i;

  if (!slots)
    die_nomem();
  for (i = 0; i < seen.nslots; ++i) {
    size_t off = seen.slots[i], j;
    const char *s;
    size_t len;

    if (!off)
      continue;
    s = seen.pool.s + off - 1;
    len = strlen(s);
    len += 1 + strlen(s + len + 1);
    for (j = hash(s, len) & (n - 1); slots[j]; j = (j + 1) & (n - 1))
      ;
    slots[j] = off;
  }
  free(seen.slots);
  seen.slots = slots;
  seen.nslots = n;
}

/* 1 the first time sender and command come together, else 0. */
static int
seen_first(const char *sender, const char *command)
{
  size_t slen = strlen(sender), clen = strlen(command);
  size_t len = slen + 1 + clen, j, start;
  const char *s;

  if (2 * (seen.used + 1) > seen.nslots)
    seen_grow();
  start = seen.pool.len;
  if (!stralloc_catb(&seen.pool, sender, slen + 1)
      || !stralloc_catb(&seen.pool, command, clen + 1))
    die_nomem();
  s = seen.pool.s + start;
  for (j = hash(s, len) & (seen.nslots - 1); seen.slots[j];
       j = (j + 1) & (seen.nslots - 1)) {
    const char *t = seen.pool.s + seen.slots[j] - 1;

    if (!memcmp(t, s, len + 1)) {
      seen.pool.len = start;
      return 0;
    }
  }
  seen.slots[j] = start + 1;
  ++seen.used;
  return 1;
}

static void
add_recipient(const char *sender, const char *address)
{
  struct group *g;
  size_t i;

  for (i = 0; i < ngroups; ++i)
    if (!strcmp(groups[i].sender.s, sender))
      break;
  if (i == ngroups) {
    g = realloc(groups, (ngroups + 1) * sizeof *g);
    if (!g)
      die_nomem();
    groups = g;
    g = &groups[ngroups++];
    g->sender = (stralloc)STRALLOC_ZERO;
    g->recipients = (stralloc)STRALLOC_ZERO;
    g->count = 0;
    if (!stralloc_copys(&g->sender, sender) || !stralloc_0(&g->sender))
      die_nomem();
  }
  g = &groups[i];
  if (!stralloc_cats(&g->recipients, address) || !stralloc_0(&g->recipients))
    die_nomem();
  ++g->count;
}

/* Look key up; 1 found (data filled), 0 not. */
static int
find(const stralloc *key, stralloc *data)
{
  int r = constdb_find(&db, key->s, key->len, data);

  if (r == -1) {
    if (errno == ENOMEM)
      die_nomem();
    die_sys(111, "unable to read ", cdb_path, ". (#4.3.0)");
  }
  return r;
}

static void obey(const char *data, size_t len, const char *sender,
                 int depth);

/* Obey the target whose ":" key is key and whose commands are data;
 * its owner, if any, becomes the sender. */
static void
obey_target(stralloc *key, const stralloc *data, const char *sender,
            int depth)
{
  stralloc owner = STRALLOC_ZERO;

  key->s[0] = '?';
  if (find(key, &owner) && *sender && strcmp(sender, "#@[]")) {
    if (memchr(owner.s, 0, owner.len) || !stralloc_0(&owner))
      die(111, "owner address with a NUL byte in ", cdb_path, ". (#4.3.0)");
    sender = owner.s;
  }
  key->s[0] = ':';
  if (!fwdb_forward_valid(data->s, data->len))
    die(111, "bad database format in ", cdb_path, ". (#4.3.0)");
  obey(data->s, data->len, sender, depth);
  stralloc_free(&owner);
}

static void
obey_list(const char *path, const char *sender, int depth)
{
  stralloc list = STRALLOC_ZERO;

  if (!readfile(path, &list)) {
    if (errno == ENOMEM)
      die_nomem();
    die_sys(111, "unable to read ", path, ". (#4.3.0)");
  }
  if (!fwdb_maillist_valid(list.s, list.len))
    die(111, "bad mailing list format in ", path, ". (#4.3.0)");
  obey(list.s, list.len, sender, depth);
  stralloc_free(&list);
}

static void
obey(const char *data, size_t len, const char *sender, int depth)
{
  stralloc key = STRALLOC_ZERO, found = STRALLOC_ZERO;
  size_t pos = 0;

  if (depth > DEPTH_MAX)
    die(111, "forwarding nested deeper than 100 levels in ", cdb_path,
        ". (#4.3.0)");
  while (pos < len) {
    const char *command = data + pos;

    pos += strlen(command) + 1;
    switch (command[0]) {
    case '|': case '!':
      if (seen_first("", command)
          && (!stralloc_cats(&programs, command) || !stralloc_0(&programs)))
        die_nomem();
      break;
    case '/': case '.':
      if (seen_first(sender, command))
        obey_list(command, sender, depth + 1);
      break;
    case '&':
      if (!command[1] || !seen_first(sender, command))
        break;                  /* an empty address forwards nowhere */
      if (!stralloc_copys(&key, ":") || !stralloc_cats(&key, command + 1))
        die_nomem();
      case_lowerb(key.s, key.len);
      if (find(&key, &found))
        obey_target(&key, &found, sender, depth + 1);
      else
        add_recipient(sender, command + 1);
      break;
    }
  }
  stralloc_free(&key);
  stralloc_free(&found);
}

/* The incoming address, lowercased, into address. */
static void
incoming(stralloc *address, int use_default)
{
  const char *s;

  if (use_default) {
    const char *host = env_get("HOST");

    s = env_get("DEFAULT");
    if (!s)
      s = env_get("EXT");
    if (!s || !host)
      die(111, "$DEFAULT (or $EXT) and $HOST are not set: run me from a "
          ".qmail file. (#4.3.5)");
    if (!stralloc_copys(address, s) || !stralloc_append(address, '@')
        || !stralloc_cats(address, host))
      die_nomem();
  } else {
    s = env_get("RECIPIENT");
    if (!s)
      die(111, "$RECIPIENT is not set: run me from a .qmail file. (#4.3.5)");
    if (!stralloc_copys(address, s))
      die_nomem();
  }
  case_lowerb(address->s, address->len);
}

/* Find the first of "address", "@host", "user@" in the table, as
 * qmail-smtpd's recipient check does (forwardcdb.h). */
static int
lookup_incoming(const stralloc *address, stralloc *key, stralloc *data)
{
  int r = forwardcdb_find(&db, address->s, address->len, key, data);

  if (r == -1) {
    if (errno == ENOMEM)
      die_nomem();
    die_sys(111, "unable to read ", cdb_path, ". (#4.3.0)");
  }
  return r;
}

static void
print_plan(void)
{
  stralloc out = STRALLOC_ZERO;
  size_t i, pos;

  for (pos = 0; pos < programs.len; pos += strlen(programs.s + pos) + 1)
    if (!stralloc_cats(&out, "run ") || !stralloc_cats(&out, programs.s + pos)
        || !stralloc_append(&out, '\n'))
      die_nomem();
  for (i = 0; i < ngroups; ++i) {
    const struct group *g = &groups[i];

    if (!stralloc_cats(&out, "from <") || !stralloc_cats(&out, g->sender.s)
        || !stralloc_cats(&out, ">\n"))
      die_nomem();
    for (pos = 0; pos < g->recipients.len;
         pos += strlen(g->recipients.s + pos) + 1)
      if (!stralloc_cats(&out, "to <")
          || !stralloc_cats(&out, g->recipients.s + pos)
          || !stralloc_cats(&out, ">\n"))
        die_nomem();
  }
  if (!buffer_writeall(buffer_unixwrite, 1, 0, out.s, out.len))
    die_sys(111, "unable to write output");
}

static void
run_programs(void)
{
  size_t pos;

  for (pos = 0; pos < programs.len; pos += strlen(programs.s + pos) + 1) {
    const char *command = programs.s + pos;
    const char *prefix[3];
    char *argv[4];
    int code;

    prefix[0] = env_get("UFLINE");
    prefix[1] = env_get("RPLINE");
    prefix[2] = env_get("DTLINE");
    argv[0] = (char *)"/bin/sh";
    argv[1] = (char *)"-c";
    argv[2] = (char *)command + 1;
    argv[3] = 0;
    usermsg_rewind();
    code = usermsg_pipe(argv, prefix, command[0] == '!' ? 3 : 0);
    if (code == 100)
      die(100, "program ", command + 1, " failed permanently. (#5.2.0)");
    if (code != 0 && code != 99)
      die(111, "program ", command + 1, " failed temporarily. (#4.2.0)");
  }
}

static void
forward_group(const struct group *g)
{
  struct qmailqueue qq;
  const char *dtline = env_get("DTLINE");
  char in[BUFFER_INSIZE];
  buffer message;
  ssize_t r;
  size_t pos;
  int code;

  usermsg_rewind();
  if (!qmailqueue_open(&qq))
    die_sys(111, "unable to run the queue program. (#4.3.0)");
  if (dtline)
    qmailqueue_puts(&qq, dtline);
  buffer_init(&message, buffer_unixread, 0, 0, in, sizeof in);
  while ((r = buffer_feed(&message)) > 0) {
    qmailqueue_put(&qq, buffer_peek(&message), (size_t)r);
    buffer_seek(&message, (size_t)r);
  }
  if (r < 0) {
    int err = errno;

    qmailqueue_abort(&qq);
    qmailqueue_close(&qq);
    errno = err;
    die_sys(111, "unable to read the message. (#4.3.0)");
  }
  qmailqueue_from(&qq, g->sender.s);
  for (pos = 0; pos < g->recipients.len;
       pos += strlen(g->recipients.s + pos) + 1)
    qmailqueue_to(&qq, g->recipients.s + pos);
  code = qmailqueue_close(&qq);
  if (code)
    die(qmailqueue_permanent(code) ? 100 : 111, qmailqueue_text(code));
}

int
main(int argc, char **argv)
{
  stralloc address = STRALLOC_ZERO, key = STRALLOC_ZERO;
  stralloc data = STRALLOC_ZERO, self = STRALLOC_ZERO;
  const char *sender;
  int use_default = 0, passthrough = 0, i, j;

  errmsg_init("fastforward");
  for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; ++i) {
    if (!strcmp(argv[i], "--")) {
      ++i;
      break;
    }
    for (j = 1; argv[i][j]; ++j)
      switch (argv[i][j]) {
      case 'n': print_only = 1; break;
      case 'N': print_only = 0; break;
      case 'p': passthrough = 1; break;
      case 'P': passthrough = 0; break;
      case 'd': use_default = 1; break;
      case 'D': use_default = 0; break;
      default:
        die(100, "usage: fastforward [-nNpPdD] data.cdb");
      }
  }
  if (i + 1 != argc)
    die(100, "usage: fastforward [-nNpPdD] data.cdb");
  cdb_path = argv[i];

  sender = env_get("NEWSENDER");
  if (!sender)
    sender = env_get("SENDER");
  if (!sender) {
    if (!print_only)
      die(100, "NEWSENDER is not set: run me from a .qmail file. (#5.3.5)");
    sender = "original envelope sender";
  }
  incoming(&address, use_default);
  if (!constdb_open(&db, cdb_path))
    die_sys(111, "unable to open ", cdb_path, ". (#4.3.0)");

  if (!lookup_incoming(&address, &key, &data)) {
    if (passthrough)
      return 0;
    die(100, "Sorry, no mailbox here by that name. (#5.1.1)");
  }
  /* the incoming address itself counts as seen: a target that leads
   * back to it is a loop */
  if (!stralloc_copys(&self, "&") || !stralloc_cat(&self, &address)
      || !stralloc_0(&self))
    die_nomem();
  seen_first(sender, self.s);
  obey_target(&key, &data, sender, 0);

  if (!programs.len && !ngroups)
    die(100, "This alias loops or is empty: it leads to no address "
        "outside itself. (#5.4.6)");
  if (print_only) {
    print_plan();
    return 0;
  }
  sig_ignore(SIGPIPE);
  run_programs();
  for (i = 0; (size_t)i < ngroups; ++i)
    forward_group(&groups[i]);
  return passthrough ? 99 : 0;
}
