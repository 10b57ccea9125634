/* send_deliver.c -- delivery slots and their results.
 *
 * Each delivery occupies a slot (at most concurrencylocal or
 * concurrencyremote at once); the slot number travels to the spawn with
 * the request and comes back with the result.  Work is taken first from
 * jobs already open (the other recipients of a message under way), then
 * from the schedule, oldest message first.  A result marks its record
 * done (success, or a permanent failure once it is in bounce/ID) or
 * leaves it to do (deferral); a job whose records have all been tried
 * closes (send_job.c).
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "netstring.h"
#include "qconf.h"
#include "scan.h"
#include "send.h"

int spawn_fd[CHANNELS] = { 1, 3 };
int result_fd[CHANNELS] = { 2, 4 };
int concurrency_used[CHANNELS];

struct slot {
  struct job *job;      /* 0 when free */
  size_t offset;        /* of the record in job->records */
  unsigned long number; /* delivery number in the log */
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

static int
start_one(struct job *job, size_t offset)
{
  int c = job->channel, s;
  stralloc body = STRALLOC_ZERO, frame = STRALLOC_ZERO, safe = STRALLOC_ZERO;
  stralloc sender = STRALLOC_ZERO;
  const char *recipient = job->records.s + offset + 1;
  char number[FMT_ULONG], text[FMT_ULONG];
  int ok;

  for (s = 0; s < CONF_SPAWN_LIMIT && slots[c][s].job; ++s)
    ;
  if (s == CONF_SPAWN_LIMIT)
    return 0;
  ok = verp_sender(&sender, job->sender.s, recipient)
    && stralloc_catulong(&body, (unsigned long)s) && stralloc_0(&body)
    && stralloc_catulong(&body, job->id) && stralloc_0(&body)
    && stralloc_cat(&body, &sender) && stralloc_0(&body)
    && stralloc_cats(&body, recipient)
    && netstring_cat(&frame, body.s, body.len)
    && write(spawn_fd[c], frame.s, frame.len) == (ssize_t)frame.len;
  stralloc_free(&body);
  stralloc_free(&frame);
  stralloc_free(&sender);
  if (!ok) {
    log_line("alert: unable to talk to ", spawn_name[c], (char *)0);
    return 0;
  }
  slots[c][s].job = job;
  slots[c][s].offset = offset;
  slots[c][s].number = ++deliveries;
  ++job->active;
  ++concurrency_used[c];
  log_safe(&safe, recipient, strlen(recipient));
  log_line("starting delivery ", log_num(number, deliveries), ": msg ",
           log_num(text, job->id), " to ", channel_name[c], " ",
           safe.s ? safe.s : "", (char *)0);
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

static void
result(int c, const char *body, size_t len)
{
  unsigned long s;
  size_t n = scan_ulongn(body, len, &s);
  struct job *job;
  struct slot *slot;
  const char *report;
  size_t report_len;
  char status, number[FMT_ULONG];
  stralloc safe = STRALLOC_ZERO, text = STRALLOC_ZERO;
  const char *recipient;

  if (!n || n + 2 > len || body[n] || s >= CONF_SPAWN_LIMIT || !slots[c][s].job) {
    log_line("warning: malformed result from ", spawn_name[c], (char *)0);
    return;
  }
  slot = &slots[c][s];
  job = slot->job;
  status = body[n + 1];
  report = body + n + 2;
  report_len = len - n - 2;
  recipient = job->records.s + slot->offset + 1;
  log_num(number, slot->number);

  if (status == 'Z' && (unsigned long)(time(0) - job->birth) > conf.lifetime) {
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
    job_mark_done(job, slot->offset);
    break;
  case 'D':
    log_line("delivery ", number, ": failure: ", safe.s ? safe.s : "", (char *)0);
    if (bounce_add(job->id, recipient, report, report_len))
      job_mark_done(job, slot->offset);
    else
      log_line("warning: unable to record the failure in bounce/; will try again", (char *)0);
    break;
  default:
    log_line("delivery ", number, ": deferral: ", safe.s ? safe.s : "", (char *)0);
    break;
  }
  stralloc_free(&safe);
  stralloc_free(&text);
  slot->job = 0;
  --concurrency_used[c];
  --job->active;
  log_status();
  if (!job->active && job->next >= job->records.len)
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
