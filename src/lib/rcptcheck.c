/* rcptcheck.c -- qmail-smtpd's recipient check; see rcptcheck.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "constdb.h"
#include "control.h"
#include "dotqmail.h"
#include "forwardcdb.h"
#include "instance.h"
#include "qconf.h"
#include "rcptcheck.h"
#include "recipient.h"

#define ACCEPT 1
#define REFUSE 0
#define TEMPFAIL (-1)

/* A .qmail program line that rcptcheck understands. */
struct ffline {
  int use_default;      /* -d: $DEFAULT@$HOST, not $RECIPIENT */
  int passthrough;      /* -p: a miss goes on to the next line */
  const char *cdb;      /* the table's path, cdb_len bytes */
  size_t cdb_len;
};

/* What one lookup works on. */
struct lookup {
  struct rcptcheck *rc;
  const char *local;    /* the routed local part */
  const char *domain;   /* the routed domain */
  struct recipient who;
  struct dotqmail dq;
  stralloc scratch;
};

/* Accept, or fail temporarily when errno says memory ran out. */
static int
accept_unless_nomem(void)
{
  return errno == ENOMEM ? TEMPFAIL : ACCEPT;
}

static int
refuse(stralloc *why, const char *a, const char *b, size_t blen)
{
  if (!stralloc_copys(why, a) || !stralloc_catb(why, b, blen)
      || !stralloc_0(why)) {
    errno = ENOMEM;
    return TEMPFAIL;
  }
  --why->len;
  return REFUSE;
}

int
rcptcheck_init(struct rcptcheck *rc, const char *qmail_home)
{
  stralloc me = STRALLOC_ZERO;
  const char *failed;
  int ok = 0, err;

  if (!control_init())
    return 0;
  if (control_me(&me) < 0)
    goto done;
  /* qmail-send's fallback for a missing or empty control/me */
  if (!me.len && !stralloc_copys(&me, "localhost"))
    goto done;
  if (!stralloc_0(&me))
    goto done;
  if (!localroute_read(&rc->route, "control/", me.s, &failed))
    goto done;
  ok = stralloc_copys(&rc->home, qmail_home) && stralloc_0(&rc->home);
done:
  err = errno;
  stralloc_free(&me);
  errno = err;
  return ok;
}

/* The bytes a word of a fastforward line may hold: nothing the shell
 * would treat specially. */
static int
plain_byte(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
    || (c >= '0' && c <= '9') || (c && strchr("_./,:+@-", c));
}

/* Options of one word ("-dp"); 0 for one rcptcheck does not know. */
static int
take_options(struct ffline *ff, const char *word, size_t len)
{
  size_t i;

  for (i = 1; i < len; ++i)
    switch (word[i]) {
    case 'd': ff->use_default = 1; break;
    case 'D': ff->use_default = 0; break;
    case 'p': ff->passthrough = 1; break;
    case 'P': ff->passthrough = 0; break;
    case 'N': break;
    default: return 0;
    }
  return 1;
}

/* Is cmd (a program line without its '|') "[path/]fastforward
 * [options] [--] cdb"?  1 with ff filled in, else 0. */
static int
parse_fastforward(const char *cmd, struct ffline *ff)
{
  const char *p = cmd;
  size_t nwords = 0;
  int options = 1;

  ff->use_default = 0;
  ff->passthrough = 0;
  ff->cdb = 0;
  ff->cdb_len = 0;
  for (;;) {
    const char *word;
    size_t len;

    while (*p == ' ' || *p == '\t')
      ++p;
    if (!*p)
      break;
    word = p;
    while (plain_byte(*p))
      ++p;
    if (*p && *p != ' ' && *p != '\t')
      return 0;
    len = (size_t)(p - word);
    if (nwords++ == 0) {
      const char *base = word + len;

      while (base > word && base[-1] != '/')
        --base;
      if ((size_t)(word + len - base) != 11 || memcmp(base, "fastforward", 11))
        return 0;
    } else if (options && len == 2 && !memcmp(word, "--", 2)) {
      options = 0;
    } else if (options && len > 1 && word[0] == '-') {
      if (!take_options(ff, word, len))
        return 0;
    } else {
      if (ff->cdb || (len == 1 && word[0] == '-'))
        return 0;
      options = 0;
      ff->cdb = word;
      ff->cdb_len = len;
    }
  }
  return ff->cdb != 0;
}

/* Look address (NUL-terminated) up in the table as fastforward does
 * (forwardcdb.h).  ACCEPT found or unreadable table, REFUSE missing,
 * TEMPFAIL. */
static int
fastforward_lookup(struct lookup *lk, const struct ffline *ff,
                   const char *address)
{
  struct constdb db = CONSTDB_ZERO;
  stralloc *s = &lk->scratch;
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO;
  int verdict = TEMPFAIL, r, err;

  if (ff->cdb[0] == '/')
    s->len = 0;
  else if (!stralloc_copys(s, lk->who.home.s) || !stralloc_append(s, '/'))
    goto done;
  if (!stralloc_catb(s, ff->cdb, ff->cdb_len) || !stralloc_0(s))
    goto done;
  if (!constdb_open(&db, s->s)) {
    /* fastforward defers when it cannot read its table */
    verdict = accept_unless_nomem();
    goto done;
  }
  r = forwardcdb_find(&db, address, strlen(address), &key, &data);
  if (r == -1)
    verdict = accept_unless_nomem();
  else
    verdict = r ? ACCEPT : REFUSE;
done:
  err = errno;
  constdb_close(&db);
  stralloc_free(&key);
  stralloc_free(&data);
  if (verdict == TEMPFAIL)
    err = ENOMEM;
  errno = err;
  return verdict;
}

/* The address fastforward would look up for the line. */
static int
fastforward_address(struct lookup *lk, const struct ffline *ff,
                    stralloc *address)
{
  const char *name = lk->local;

  if (ff->use_default) {
    name = lk->who.ext.s;
    if (lk->dq.default_at != DOTQMAIL_NO_DEFAULT)
      name += lk->dq.default_at;
  }
  return stralloc_copys(address, name) && stralloc_append(address, '@')
    && stralloc_cats(address, lk->domain) && stralloc_0(address);
}

/* A .qmail file was found: does it bounce the address for certain?
 * Only when fastforward lines come first and miss. */
static int
judge_file(struct lookup *lk, stralloc *why)
{
  struct dotqmail_line line;
  struct ffline ff;
  stralloc address = STRALLOC_ZERO;
  int r, verdict = ACCEPT;

  dotqmail_rewind(&lk->dq);
  while ((r = dotqmail_next(&lk->dq, &line)) == 1) {
    if (line.kind == DOTQMAIL_COMMENT)
      continue;
    if (line.kind == DOTQMAIL_BLANK) {
      if (line.number == 1)
        break;                  /* qmail-local defers such a file */
      continue;
    }
    if (line.kind != DOTQMAIL_PROGRAM || !parse_fastforward(line.arg, &ff))
      break;
    if (!fastforward_address(lk, &ff, &address)) {
      verdict = TEMPFAIL;
      break;
    }
    verdict = fastforward_lookup(lk, &ff, address.s);
    if (verdict != REFUSE)
      break;
    if (!ff.passthrough) {
      verdict = refuse(why, "not in the fastforward table ", ff.cdb,
                       ff.cdb_len);
      break;
    }
    verdict = ACCEPT;           /* passed on to the next line */
  }
  if (r == -1)
    verdict = TEMPFAIL;
  stralloc_free(&address);
  if (verdict == TEMPFAIL)
    errno = ENOMEM;
  return verdict;
}

/* After routing: who gets it, and which .qmail file says what. */
static int
judge_local(struct lookup *lk, stralloc *why)
{
  struct instance_ids ids;
  struct stat st;
  int found;

  /* the uids do not matter here; given, the alias user needs no
   * look-up that could fail */
  memset(&ids, 0, sizeof ids);
  if (!recipient_find(&lk->who, lk->rc->home.s, &ids, lk->local))
    return accept_unless_nomem();
  /* qmail-local refuses a relative home as a usage error: a broken
   * users/cdb, not a missing mailbox */
  if (lk->who.home.s[0] != '/')
    return ACCEPT;
  if (stat(lk->who.home.s, &st) == -1 || !S_ISDIR(st.st_mode)
      || (st.st_mode & S_ISVTX))
    return ACCEPT;

  found = dotqmail_search_in(&lk->dq, lk->who.home.s, lk->who.dash.s,
                             lk->who.ext.s);
  if (found == -1)
    return accept_unless_nomem();
  if (!found) {
    if (!*lk->who.dash.s)
      return ACCEPT;            /* the default delivery */
    if (lk->who.source == RECIPIENT_ALIAS)
      return refuse(why, "no such user or alias", "", 0);
    return refuse(why, "no mailbox here by that name", "", 0);
  }
  if ((lk->dq.mode & (S_ISVTX | S_IXUSR | CONF_PATERNALISM))
      || !lk->dq.text.len)
    return ACCEPT;
  return judge_file(lk, why);
}

int
rcptcheck_address(struct rcptcheck *rc, const char *addr, size_t len,
                  stralloc *why)
{
  struct lookup lk;
  stralloc routed = STRALLOC_ZERO;
  char *at;
  int is_local, verdict, err;

  if (memchr(addr, 0, len))
    return ACCEPT;
  if (!localroute_route(&rc->route, addr, len, &routed, &is_local))
    return TEMPFAIL;
  if (!is_local) {
    stralloc_free(&routed);
    return ACCEPT;
  }

  /* routing always leaves an '@'; split there */
  at = strrchr(routed.s, '@');
  *at = 0;
  lk.rc = rc;
  lk.local = routed.s;
  lk.domain = at + 1;
  lk.who = (struct recipient)RECIPIENT_ZERO;
  lk.dq = (struct dotqmail)DOTQMAIL_ZERO;
  lk.scratch = (stralloc)STRALLOC_ZERO;
  verdict = judge_local(&lk, why);

  err = errno;
  recipient_free(&lk.who);
  dotqmail_free(&lk.dq);
  stralloc_free(&lk.scratch);
  stralloc_free(&routed);
  errno = err;
  return verdict;
}

void
rcptcheck_free(struct rcptcheck *rc)
{
  localroute_free(&rc->route);
  stralloc_free(&rc->home);
}
