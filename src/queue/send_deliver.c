/* send_deliver.c -- delivery slots and their results.
 *
 * Each delivery occupies a slot (at most concurrencylocal or
 * concurrencyremote at once); the slot number travels to the spawn with
 * the request and comes back with the result.  A local slot delivers to
 * one recipient; a remote slot to up to SPAWN_RCPT_MAX recipients of one
 * message whose domains are equal ignoring case (one qmail-remote, one
 * SMTP transaction), except with VERP, where each recipient has its own
 * sender and so its own slot.  The log still has a starting line and a
 * result line per recipient, each with its own delivery number.  Work is taken first from
 * jobs already open (the other recipients of a message under way), then
 * from the schedule, oldest message first.  A result marks its record
 * done (success, or a permanent failure once it is in bounce/ID) or
 * leaves it to do (deferral); a job whose records have all been tried
 * closes (send_job.c).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "caseless.h"
#include "netstring.h"
#include "qconf.h"
#include "scan.h"
#include "send.h"
#include "spawn.h"

int spawn_fd[CHANNELS] = { 1, 3 };
int result_fd[CHANNELS] = { 2, 4 };
int concurrency_used[CHANNELS];

/* A remote delivery request with several recipients stays below this
 * (the spawn accepts SPAWN_REQUEST_MAX). */
#define BATCH_REQUEST_BYTES (SPAWN_REQUEST_MAX / 2)

struct slot {
  struct job *job;      /* 0 when free */
  size_t count;         /* recipients */
  size_t offset[SPAWN_RCPT_MAX];  /* of their records in job->records */
  unsigned long number; /* delivery number in the log of the first;
                           the others follow it */
};

static struct slot slots[CHANNELS][CONF_SPAWN_LIMIT];
static stralloc inbuf[CHANNELS];
static unsigned long deliveries;
static const char *const channel_name[CHANNELS] = { "local", "remote" };
static const char *const spawn_name[CHANNELS] = { "qmail-lspawn", "qmail-rspawn" };

int
deliver_active(void)
{
  return concurrency_used[CHANNEL_LOCAL] + concurrency_used[CHANNEL_REMOTE];
}

/* The domain of an address (after its last '@'), or 0. */
static const char *
domain_of(const char *address)
{
  const char *at = strrchr(address, '@');

  return at && at[1] ? at + 1 : 0;
}

/* Add to slot the records after the first that are still to do and go
 * to the same domain (ignoring case), while the request stays short. */
static void
batch_collect(struct job *job, struct slot *slot, size_t bytes)
{
  const char *domain = domain_of(job->records.s + slot->offset[0] + 1);
  size_t k, domain_len;

  if (!domain || verp_wanted(job->sender.s))
    return;
  domain_len = strlen(domain);
  for (k = job->next; k < job->records.len && slot->count < SPAWN_RCPT_MAX;
       k += strlen(job->records.s + k) + 1) {
    const char *recipient = job->records.s + k + 1;
    const char *d;
    size_t len = strlen(recipient);

    if (job->records.s[k] != 'T' || bytes + len + 1 > BATCH_REQUEST_BYTES)
      continue;
    d = domain_of(recipient);
    if (!d || strlen(d) != domain_len || !case_equalb(d, domain, domain_len))
      continue;
    slot->offset[slot->count++] = k;
    bytes += len + 1;
  }
}

static int
start_one(struct job *job, size_t offset)
{
  int c = job->channel, s;
  stralloc body = STRALLOC_ZERO, frame = STRALLOC_ZERO, safe = STRALLOC_ZERO;
  stralloc sender = STRALLOC_ZERO;
  const char *recipient = job->records.s + offset + 1;
  struct slot *slot;
  char number[FMT_ULONG], text[FMT_ULONG];
  size_t i;
  int ok;

  for (s = 0; s < CONF_SPAWN_LIMIT && slots[c][s].job; ++s)
    ;
  if (s == CONF_SPAWN_LIMIT)
    return 0;
  slot = &slots[c][s];
  slot->count = 1;
  slot->offset[0] = offset;
  ok = verp_sender(&sender, job->sender.s, recipient)
    && stralloc_catulong(&body, (unsigned long)s) && stralloc_0(&body)
    && stralloc_catulong(&body, job->id) && stralloc_0(&body)
    && stralloc_cat(&body, &sender) && stralloc_0(&body)
    && stralloc_cats(&body, recipient);
  if (ok && c == CHANNEL_REMOTE) {
    batch_collect(job, slot, body.len);
    for (i = 1; ok && i < slot->count; ++i)
      ok = stralloc_0(&body)
        && stralloc_cats(&body, job->records.s + slot->offset[i] + 1);
  }
  ok = ok && netstring_cat(&frame, body.s, body.len)
    && write(spawn_fd[c], frame.s, frame.len) == (ssize_t)frame.len;
  stralloc_free(&body);
  stralloc_free(&frame);
  stralloc_free(&sender);
  if (!ok) {
    log_line("alert: unable to talk to ", spawn_name[c], (char *)0);
    return 0;
  }
  slot->job = job;
  slot->number = deliveries + 1;
  ++concurrency_used[c];
  for (i = 0; i < slot->count; ++i) {
    recipient = job->records.s + slot->offset[i] + 1;
    job_mark_started(job, slot->offset[i]);
    log_safe(&safe, recipient, strlen(recipient));
    log_line("starting delivery ", log_num(number, ++deliveries), ": msg ",
             log_num(text, job->id), " to ", channel_name[c], " ",
             safe.s ? safe.s : "", (char *)0);
  }
  stralloc_free(&safe);
  log_status();
  return 1;
}

void
deliver_start(time_t now)
{
  int c;

  for (c = 0; c < CHANNELS; ++c) {
    while (concurrency_used[c] < conf.concurrency[c]) {
      long offset = -1;
      struct job *job = job_with_work(c, &offset);
      unsigned long id;

      if (!job) {
        if (!sched_due(c, now, &id))
          break;
        job = job_open(c, id);
        if (!job)
          continue;
        offset = job_next_record(job);
        if (offset < 0) {
          job_close(job);
          continue;
        }
      }
      if (!start_one(job, (size_t)offset)) {
        /* put the record back for a later attempt */
        job->next = (size_t)offset;
        break;
      }
    }
  }
}

static const char too_old[] =
  "I'm not going to try again; this message has been in the queue too long.\n";

/* The result of one recipient of a slot. */
static void
recipient_result(struct job *job, size_t offset, unsigned long delivery,
                 char status, const char *report, size_t report_len,
                 int may_expire)
{
  const char *recipient = job->records.s + offset + 1;
  char number[FMT_ULONG];
  stralloc safe = STRALLOC_ZERO, text = STRALLOC_ZERO;

  log_num(number, delivery);
  if (status == 'Z' && may_expire
      && (unsigned long)(time(0) - job->birth) > conf.lifetime) {
    /* the last attempt of a message past its lifetime: give up */
    if (!stralloc_copyb(&text, report, report_len)
        || (text.len && text.s[text.len - 1] != '\n' && !stralloc_append(&text, '\n'))
        || !stralloc_cats(&text, too_old))
      text.len = 0;
    else {
      report = text.s;
      report_len = text.len;
      status = 'D';
    }
  }
  log_safe(&safe, report, report_len);
  switch (status) {
  case 'K':
    log_line("delivery ", number, ": success: ", safe.s ? safe.s : "", (char *)0);
    job_mark_done(job, offset);
    break;
  case 'D':
    log_line("delivery ", number, ": failure: ", safe.s ? safe.s : "", (char *)0);
    if (bounce_add(job->id, recipient, report, report_len))
      job_mark_done(job, offset);
    else {
      log_line("warning: unable to record the failure in bounce/; will try again", (char *)0);
      job_mark_deferred(job, offset);
    }
    break;
  default:
    log_line("delivery ", number, ": deferral: ", safe.s ? safe.s : "", (char *)0);
    job_mark_deferred(job, offset);
    break;
  }
  stralloc_free(&safe);
  stralloc_free(&text);
  --job->active;
}

/* Split the entries of a result (spawn.h) into status[], text[] and
 * len[], one per recipient of the slot.  1, or 0 when they are not all
 * there or make no sense. */
static int
result_entries(const char *p, const char *end, size_t count, char *status,
               const char **text, size_t *len)
{
  size_t i;

  for (i = 0; i < count; ++i) {
    const char *start = p, *stop = end;

    if (i + 1 < count) {
      const char *nul = memchr(p, 0, (size_t)(end - p));

      if (!nul)
        return 0;
      stop = nul;
      p = nul + 1;
    }
    if (stop - start == 1 && *start == '=' && i > 0) {
      status[i] = status[i - 1];
      text[i] = text[i - 1];
      len[i] = len[i - 1];
    } else if (stop > start && (*start == 'K' || *start == 'D' || *start == 'Z')) {
      status[i] = *start;
      text[i] = start + 1;
      len[i] = (size_t)(stop - start - 1);
    } else {
      return 0;
    }
  }
  return 1;
}

static void
result(int c, const char *body, size_t len)
{
  static const char unreadable[] = "The result of the delivery could not be "
    "read; it will be tried again. (#4.3.0)";
  unsigned long s;
  size_t n = scan_ulongn(body, len, &s), i;
  struct job *job;
  struct slot *slot;
  char status[SPAWN_RCPT_MAX];
  const char *text[SPAWN_RCPT_MAX];
  size_t text_len[SPAWN_RCPT_MAX];
  int readable;

  if (!n || n + 1 > len || body[n] || s >= CONF_SPAWN_LIMIT || !slots[c][s].job) {
    log_line("warning: malformed result from ", spawn_name[c], (char *)0);
    return;
  }
  slot = &slots[c][s];
  job = slot->job;
  readable = result_entries(body + n + 1, body + len, slot->count, status, text,
                            text_len);
  if (!readable) {
    char number[FMT_ULONG], count[FMT_ULONG];

    log_line("warning: malformed result from ", spawn_name[c], " for delivery ",
             log_num(number, slot->number), " (", log_num(count, slot->count),
             " recipients): all deferred", (char *)0);
    for (i = 0; i < slot->count; ++i) {
      status[i] = 'Z';
      text[i] = unreadable;
      text_len[i] = sizeof unreadable - 1;
    }
  }
  for (i = 0; i < slot->count; ++i)
    recipient_result(job, slot->offset[i], slot->number + i, status[i], text[i],
                     text_len[i], readable);
  slot->job = 0;
  --concurrency_used[c];
  log_status();
  if (job_finished(job))
    job_close(job);
}

int
deliver_results(int c)
{
  char buf[4096];
  ssize_t r;
  size_t used = 0;

  r = read(result_fd[c], buf, sizeof buf);
  if (r == -1)
    return errno == EINTR || errno == EAGAIN;
  if (r == 0)
    return 0;
  if (!stralloc_catb(&inbuf[c], buf, (size_t)r))
    return 1;
  for (;;) {
    const char *data;
    size_t dlen, consumed;
    int p = netstring_parse(inbuf[c].s + used, inbuf[c].len - used, 8192,
                            &data, &dlen, &consumed);

    if (p == 0)
      break;
    if (p < 0) {
      log_line("alert: garbage from ", spawn_name[c], (char *)0);
      used = inbuf[c].len;
      break;
    }
    result(c, data, dlen);
    used += consumed;
  }
  memmove(inbuf[c].s, inbuf[c].s + used, inbuf[c].len - used);
  inbuf[c].len -= used;
  return 1;
}
