/* inject.c -- the injector qmail-inject and sendmail share; see inject.h.
 *
 * The order of work is what makes a half-queued message impossible:
 * everything that can be refused (the header, every address, the
 * envelope sender) is read and checked before the queue program is
 * started; after that only the body is copied, and if reading it fails
 * the queue program is closed without an envelope, so it queues
 * nothing.
 */
#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "control.h"
#include "date822.h"
#include "env.h"
#include "envelope.h"
#include "errmsg.h"
#include "fmt.h"
#include "inject.h"
#include "instance.h"
#include "message.h"
#include "qmailqueue.h"
#include "rewrite.h"
#include "sig.h"
#include "stralloc.h"

/* Who is sending, from the environment and the control files. */
struct identity {
  const char *user;        /* the local part of an added From: */
  const char *host;        /* its domain */
  const char *name;        /* its display name, or null */
};

/* The letters of $QMAILINJECT. */
struct inject_flags {
  int comment_from;        /* c: From: user@host (Name) */
  int ignore_return_path;  /* s: Return-Path: never sets the sender */
  int drop_from;           /* f: replace any From: by our own */
  int drop_message_id;     /* i: replace any Message-ID: by our own */
  int verp_recipient;      /* r: per-recipient VERP */
  int verp_message;        /* m: per-message VERP */
};

static void config_value(stralloc *out, const char *path);
static void flags_read(struct inject_flags *fl);
static void fields_drop(struct message_header *h, unsigned flag);
static void unique_id(stralloc *out, time_t now);
static void sender_verp(stralloc *sender, const struct inject_flags *fl,
                        const stralloc *unique);
static void config_read(struct inject_config *cfg);
static const char *env_first(const char *const *names);
static void identity_read(struct identity *id,
                          const struct inject_options *opt,
                          const struct inject_config *cfg);
static int is_atext(char c);
static void phrase_append(stralloc *out, const char *name);
static void comment_append(stralloc *out, const char *name);
static void added_fields(stralloc *out, const struct message_header *h,
                         const struct identity *id,
                         const struct inject_config *cfg,
                         const struct inject_flags *fl, time_t now,
                         const stralloc *unique);
static void die_no_recipients(enum inject_recipients mode)
  __attribute__((noreturn));
static void print_message(struct message_input *in, struct message_header *h,
                          const stralloc *added) __attribute__((noreturn));
static void queue_message(struct message_input *in, struct message_header *h,
                          const stralloc *added, const stralloc *sender,
                          const struct recipients *r)
  __attribute__((noreturn));

static void
config_value(stralloc *out, const char *path)
{
  if (control_rldef(out, path, 1, "localhost") == -1)
    die_sys(111, "unable to read ", path, ". (#4.3.0)");
}

static void
config_read(struct inject_config *cfg)
{
  const char *home = instance_home();

  if (chdir(home) == -1)
    die_sys(111, "unable to switch to ", home, ". (#4.3.0)");
  if (!control_init())
    die_sys(111, "unable to read control/me. (#4.3.0)");
  config_value(&cfg->defaulthost, "control/defaulthost");
  config_value(&cfg->defaultdomain, "control/defaultdomain");
  config_value(&cfg->plusdomain, "control/plusdomain");
  config_value(&cfg->idhost, "control/idhost");
  if (!stralloc_0(&cfg->defaulthost))
    die_nomem();
  --cfg->defaulthost.len;
}

static const char *
env_first(const char *const *names)
{
  for (; *names; ++names) {
    const char *value = env_get(*names);

    if (value && *value)
      return value;
  }
  return 0;
}

static void
identity_read(struct identity *id, const struct inject_options *opt,
              const struct inject_config *cfg)
{
  static const char *const user_vars[] =
    { "QMAILUSER", "MAILUSER", "USER", "LOGNAME", 0 };
  static const char *const host_vars[] = { "QMAILHOST", "MAILHOST", 0 };
  static const char *const name_vars[] =
    { "QMAILNAME", "MAILNAME", "NAME", 0 };

  id->user = env_first(user_vars);
  if (!id->user) {
    /* A daemon or a cleared environment: the account is the next best
     * name, before an anonymous one. */
    struct passwd *pw = getpwuid(getuid());

    id->user = pw && pw->pw_name && *pw->pw_name ? pw->pw_name : "anonymous";
  }
  id->host = env_first(host_vars);
  if (!id->host)
    id->host = cfg->defaulthost.s;
  id->name = opt->fullname ? opt->fullname : env_first(name_vars);
  if (id->name && !*id->name)
    id->name = 0;
}

/* Unknown letters are ignored, as new ones may come. */
static void
flags_read(struct inject_flags *fl)
{
  const char *v = env_get("QMAILINJECT");

  memset(fl, 0, sizeof *fl);
  for (; v && *v; ++v)
    switch (*v) {
    case 'c': fl->comment_from = 1; break;
    case 's': fl->ignore_return_path = 1; break;
    case 'f': fl->drop_from = 1; break;
    case 'i': fl->drop_message_id = 1; break;
    case 'r': fl->verp_recipient = 1; break;
    case 'm': fl->verp_message = 1; break;
    default: break;
    }
}

/* Fields with flag are not passed on and count as missing. */
static void
fields_drop(struct message_header *h, unsigned flag)
{
  size_t i;

  for (i = 0; i < h->count; ++i)
    if (h->fields[i].flags & flag)
      h->fields[i].flags |= FIELD_DROP;
  h->seen &= ~flag;
}

/* TIME.PID: the UTC time as YYYYMMDDhhmmss and the process id, unique
 * on this host for one second and process; used for Message-ID: and
 * the per-message VERP. */
static void
unique_id(stralloc *out, time_t now)
{
  struct tm tm;
  char num[FMT_ULONG];

  if (!gmtime_r(&now, &tm))
    die_sys(111, "unable to convert the time. (#4.3.0)");
  if (!stralloc_catb(out, num, fmt_ulong0(num, (unsigned long)tm.tm_year + 1900, 4))
      || !stralloc_catb(out, num, fmt_ulong0(num, (unsigned long)tm.tm_mon + 1, 2))
      || !stralloc_catb(out, num, fmt_ulong0(num, (unsigned long)tm.tm_mday, 2))
      || !stralloc_catb(out, num, fmt_ulong0(num, (unsigned long)tm.tm_hour, 2))
      || !stralloc_catb(out, num, fmt_ulong0(num, (unsigned long)tm.tm_min, 2))
      || !stralloc_catb(out, num, fmt_ulong0(num, (unsigned long)tm.tm_sec, 2))
      || !stralloc_append(out, '.')
      || !stralloc_catulong(out, (unsigned long)getpid()))
    die_nomem();
}

/* m: local@domain becomes local-TIME.PID@domain, so a bounce names the
 * message.  r: local@domain becomes local-@domain-@[], qmail's VERP
 * form, which qmail-send turns into local-RCPTLOCAL=RCPTDOMAIN@domain
 * for each recipient.  Both together give local-TIME.PID-@domain-@[].
 * The null sender stays null. */
static void
sender_verp(stralloc *sender, const struct inject_flags *fl,
            const stralloc *unique)
{
  stralloc verp = STRALLOC_ZERO;
  size_t len = strlen(sender->s), at;

  if (!len || (!fl->verp_message && !fl->verp_recipient))
    return;
  address_split(sender->s, len, &at);
  if (!stralloc_copyb(&verp, sender->s, at))
    die_nomem();
  if (fl->verp_message
      && (!stralloc_append(&verp, '-') || !stralloc_cat(&verp, unique)))
    die_nomem();
  if (fl->verp_recipient && !stralloc_append(&verp, '-'))
    die_nomem();
  if (!stralloc_catb(&verp, sender->s + at, len - at))
    die_nomem();
  if (fl->verp_recipient && !stralloc_cats(&verp, "-@[]"))
    die_nomem();
  if (verp.len > ADDRESS_MAX)
    die(100, "the envelope sender is too long with VERP. (#5.1.7)");
  if (!stralloc_0(&verp))
    die_nomem();
  stralloc_free(sender);
  *sender = verp;
}

/* RFC 5322 atext, 8-bit bytes included (RFC 6532). */
static int
is_atext(char c)
{
  unsigned char u = (unsigned char)c;

  if (u >= 128 || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')
      || (u >= '0' && u <= '9'))
    return 1;
  return u && strchr("!#$%&'*+-/=?^_`{|}~", c) != 0;
}

/* A display name: as it is when it is words of atext, else a quoted
 * string.  Control bytes become spaces, so no value from the
 * environment can end the field and start another. */
static void
phrase_append(stralloc *out, const char *name)
{
  int plain = 1;
  size_t i, len = strlen(name);

  for (i = 0; i < len; ++i)
    if (!is_atext(name[i]) && name[i] != ' ')
      plain = 0;
  if (name[0] == ' ' || name[len - 1] == ' ')
    plain = 0;
  if (!plain && !stralloc_append(out, '"'))
    die_nomem();
  for (i = 0; i < len; ++i) {
    char c = name[i];

    if ((unsigned char)c < 32 || c == 127)
      c = ' ';
    if ((c == '"' || c == '\\') && !stralloc_append(out, '\\'))
      die_nomem();
    if (!stralloc_append(out, c))
      die_nomem();
  }
  if (!plain && !stralloc_append(out, '"'))
    die_nomem();
}

/* " (name)": a comment, with the characters that would end or nest it
 * escaped and control bytes made spaces. */
static void
comment_append(stralloc *out, const char *name)
{
  if (!stralloc_cats(out, " ("))
    die_nomem();
  for (; *name; ++name) {
    char c = *name;

    if ((unsigned char)c < 32 || c == 127)
      c = ' ';
    if ((c == '(' || c == ')' || c == '\\') && !stralloc_append(out, '\\'))
      die_nomem();
    if (!stralloc_append(out, c))
      die_nomem();
  }
  if (!stralloc_append(out, ')'))
    die_nomem();
}

/* The fields qmail-inject adds when the message lacks them, in the
 * order they go on top of the header.  A message being resent (it has
 * a Resent- field) gets the Resent- variants: its own Date:, Message-ID:
 * and From: belong to the original. */
static void
added_fields(stralloc *out, const struct message_header *h,
             const struct identity *id, const struct inject_config *cfg,
             const struct inject_flags *fl, time_t now,
             const stralloc *unique)
{
  int resent = (h->seen & FIELD_RESENT) != 0;
  const char *prefix = resent ? "Resent-" : "";

  if (!(h->seen & (resent ? FIELD_RESENT_DATE : FIELD_DATE))) {
    if (!stralloc_cats(out, prefix) || !stralloc_cats(out, "Date: "))
      die_nomem();
    if (!date822_fmt(out, now))
      die_sys(111, "unable to format the date. (#4.3.0)");
    if (!stralloc_append(out, '\n'))
      die_nomem();
  }
  if (!(h->seen & (resent ? FIELD_RESENT_MESSAGE_ID : FIELD_MESSAGE_ID))) {
    if (!stralloc_cats(out, prefix) || !stralloc_cats(out, "Message-ID: <")
        || !stralloc_cat(out, unique)
        || !stralloc_cats(out, ".qmail@") || !stralloc_cat(out, &cfg->idhost)
        || !stralloc_cats(out, ">\n"))
      die_nomem();
  }
  if (!(h->seen & (resent ? FIELD_RESENT_FROM : FIELD_FROM))) {
    stralloc addr = STRALLOC_ZERO;
    int angle = id->name && !fl->comment_from;

    if (!stralloc_cats(out, prefix) || !stralloc_cats(out, "From: "))
      die_nomem();
    if (angle) {
      phrase_append(out, id->name);
      if (!stralloc_cats(out, " <"))
        die_nomem();
    }
    if (!stralloc_copys(&addr, id->user) || !stralloc_append(&addr, '@')
        || !stralloc_cats(&addr, id->host))
      die_nomem();
    if (!address_quote(out, addr.s, addr.len)) {
      if (errno == EINVAL)
        die(100, "the From: address made from the user and host names "
            "contains a control character. (#5.1.7)");
      die_nomem();
    }
    if (angle && !stralloc_append(out, '>'))
      die_nomem();
    if (id->name && fl->comment_from)
      comment_append(out, id->name);
    if (!stralloc_append(out, '\n'))
      die_nomem();
    stralloc_free(&addr);
  }
}

static void
die_no_recipients(enum inject_recipients mode)
{
  switch (mode) {
  case INJECT_ARGS:
    die(100, "no recipients: none was given as an argument. (#5.5.1)");
  case INJECT_HEADER:
    die(100, "no recipients: the header has no To:, Cc: or Bcc: "
        "addresses. (#5.5.1)");
  default:
    die(100, "no recipients: none was given as an argument or in To:, "
        "Cc: or Bcc: fields. (#5.5.1)");
  }
}

static void
print_message(struct message_input *in, struct message_header *h,
              const stralloc *added)
{
  struct message_sink out = { 0, buffer_1, 0 };

  message_put(&out, added->s, added->len);
  message_put_fields(&out, h);
  message_put(&out, "\n", 1);
  if (!message_copy_body(in, h, &out)) {
    if (errno == ENOMEM)
      die_nomem();
    die_sys(111, "unable to read the message. (#4.3.0)");
  }
  if (out.failed || !buffer_flush(buffer_1))
    die_sys(111, "unable to write the message to standard output. (#4.3.0)");
  _exit(0);
}

static void
queue_message(struct message_input *in, struct message_header *h,
              const stralloc *added, const stralloc *sender,
              const struct recipients *r)
{
  struct qmailqueue qq;
  struct message_sink out = { &qq, 0, 0 };
  size_t pos;
  int code;

  if (!qmailqueue_open(&qq))
    die_sys(111, "unable to start the queue program. (#4.3.0)");
  message_put(&out, added->s, added->len);
  message_put_fields(&out, h);
  message_put(&out, "\n", 1);
  if (!message_copy_body(in, h, &out)) {
    int saved = errno;

    /* the queue program gets no envelope, so it exits non-zero and
     * removes what it has written */
    qmailqueue_abort(&qq);
    qmailqueue_close(&qq);
    errno = saved;
    if (errno == ENOMEM)
      die_nomem();
    die_sys(111, "unable to read the message; nothing was queued. (#4.3.0)");
  }
  qmailqueue_from(&qq, sender->s);
  for (pos = 0; pos < r->list.len; pos += strlen(r->list.s + pos) + 1)
    qmailqueue_to(&qq, r->list.s + pos);
  code = qmailqueue_close(&qq);
  if (code)
    die(qmailqueue_permanent(code) ? 100 : 111, qmailqueue_text(code));
  _exit(0);
}

void
inject_run(const struct inject_options *opt)
{
  struct inject_config cfg = { STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO,
                        STRALLOC_ZERO };
  struct identity id;
  struct inject_flags fl;
  struct message_input in;
  struct message_header h = MESSAGE_HEADER_ZERO;
  struct recipients r = { STRALLOC_ZERO, 0 };
  stralloc sender = STRALLOC_ZERO;
  stralloc added = STRALLOC_ZERO;
  stralloc unique = STRALLOC_ZERO;
  const char *mftfile = env_get("QMAILMFTFILE");
  time_t now = time(0);

  if (!sig_ignore(SIGPIPE))
    die_sys(111, "unable to ignore SIGPIPE. (#4.3.0)");
  config_read(&cfg);
  identity_read(&id, opt, &cfg);
  flags_read(&fl);
  unique_id(&unique, now);

  message_input_init(&in, 0, opt->dot_ends_input);
  if (!message_read_header(&in, &h)) {
    if (errno == ENOMEM)
      die_nomem();
    die_sys(111, "unable to read the message. (#4.3.0)");
  }
  if (fl.ignore_return_path)
    h.seen &= ~FIELD_RETURN_PATH;
  if (fl.drop_from)
    fields_drop(&h, FIELD_FROM);
  if (fl.drop_message_id)
    fields_drop(&h, FIELD_MESSAGE_ID);
  envelope_recipients(&r, opt, &h, &cfg);
  envelope_sender(&sender, opt, &h, id.user, id.host, &cfg);
  sender_verp(&sender, &fl, &unique);
  rewrite_addresses(&h, &cfg);
  added_fields(&added, &h, &id, &cfg, &fl, now, &unique);
  if (mftfile && *mftfile)
    rewrite_followup(&added, &h, &cfg, mftfile);

  if (opt->print_only)
    print_message(&in, &h, &added);
  if (!r.count)
    die_no_recipients(opt->recipients);
  queue_message(&in, &h, &added, &sender, &r);
}

