/* send_deliver.c -- delivery slots, results and message bookkeeping.
 *
 * A job is one message on one channel: its local/N/ID or remote/N/ID
 * file, read into memory, with one record per recipient ("T" to do, "D"
 * done).  Each delivery occupies a slot (at most concurrencylocal or
 * concurrencyremote at once); the slot number travels to the spawn and
 * back with the result.  A result marks its record "D" in place
 * (success, or permanent failure after the failure has been appended to
 * bounce/ID and synced) or leaves it "T" (deferral).  When every record
 * of a job has been tried the job closes: deferred records get the next
 * attempt time from the retry schedule (also stored as the file's
 * mtime); a file with no "T" left is removed, and a message with neither
 * file left is finished: its bounce is sent, info/ and mess/ go.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "netstring.h"
#include "open.h"
#include "qconf.h"
#include "queue.h"
#include "readfile.h"
#include "scan.h"
#include "send.h"

int spawn_fd[CHANNELS] = { 1, 3 };
int result_fd[CHANNELS] = { 2, 4 };
int clean_fd = 5, clean_answer_fd = 6;
int concurrency_used[CHANNELS];

struct job {
  int used;
  int channel;
  unsigned long id;
  int fd;
  stralloc records;
  size_t next;          /* first record not yet started */
  int active;           /* deliveries in flight */
  time_t birth;
  stralloc sender;
};

struct slot {
  struct job *job;      /* 0 when free */
  size_t offset;        /* of the record in job->records */
  unsigned long number; /* delivery number in the log */
};

static struct job jobs[CHANNELS][CONF_SPAWN_LIMIT];
static struct slot slots[CHANNELS][CONF_SPAWN_LIMIT];
static stralloc inbuf[CHANNELS];
static unsigned long deliveries;
static const char *channel_name[CHANNELS] = { "local", "remote" };

static void
idtext(char *out, size_t size, unsigned long id)
{
  snprintf(out, size, "%lu", id);
}

int
deliver_active(void)
{
  return concurrency_used[CHANNEL_LOCAL] + concurrency_used[CHANNEL_REMOTE];
}

int
clean_request(char kind, unsigned long id)
{
  stralloc body = STRALLOC_ZERO, frame = STRALLOC_ZERO;
  char answer;
  ssize_t r;
  int ok;

  ok = stralloc_append(&body, kind) && stralloc_append(&body, ' ')
    && stralloc_catulong(&body, id) && netstring_cat(&frame, body.s, body.len)
    && write(clean_fd, frame.s, frame.len) == (ssize_t)frame.len;
  stralloc_free(&body);
  stralloc_free(&frame);
  if (!ok)
    return 0;
  do
    r = read(clean_answer_fd, &answer, 1);
  while (r == -1 && errno == EINTR);
  return r == 1 && answer == '+';
}

static int
file_exists(const char *dir, unsigned long id)
{
  stralloc path = STRALLOC_ZERO;
  struct stat st;
  int exists = !queue_path_split(&path, dir, id) || stat(path.s, &st) == 0
    || errno != ENOENT;

  stralloc_free(&path);
  return exists;
}

static int
job_open_for(unsigned long id)
{
  int c, i;

  for (c = 0; c < CHANNELS; ++c)
    for (i = 0; i < CONF_SPAWN_LIMIT; ++i)
      if (jobs[c][i].used && jobs[c][i].id == id)
        return 1;
  return 0;
}

static unsigned long bounce_retry[64];
static int bounce_retry_len;

void
message_maybe_finish(unsigned long id)
{
  stralloc path = STRALLOC_ZERO;
  char text[24];

  /* Finished means: preprocessed (info exists, todo no longer does: a
   * todo entry means preprocessing was interrupted and will be redone)
   * and no channel file or job left.  The id is an inode number and is
   * reused once the message is gone, so a stale call must find nothing. */
  if (!file_exists("info", id) || file_exists("todo", id)
      || file_exists("local", id) || file_exists("remote", id) || job_open_for(id))
    return;
  if (!bounce_send(id)) {
    int i;

    for (i = 0; i < bounce_retry_len && bounce_retry[i] != id; ++i)
      ;
    if (i == bounce_retry_len && bounce_retry_len < 64)
      bounce_retry[bounce_retry_len++] = id;
    return;
  }
  idtext(text, sizeof text, id);
  if (queue_path_split(&path, "info", id) && unlink(path.s) == -1 && errno != ENOENT) {
    log_line("warning: unable to remove info/", text, "; will try again", (char *)0);
    stralloc_free(&path);
    return;
  }
  stralloc_free(&path);
  if (!clean_request('m', id)) {
    log_line("warning: qmail-clean could not remove message ", text,
             "; it will be removed at the next start", (char *)0);
  }
  log_line("end msg ", text, (char *)0);
}

void
deliver_retry_bounces(void)
{
  int i, n = bounce_retry_len;
  unsigned long ids[64];

  memcpy(ids, bounce_retry, sizeof ids);
  bounce_retry_len = 0;
  for (i = 0; i < n; ++i)
    message_maybe_finish(ids[i]);
}

static void
job_close(struct job *job)
{
  stralloc path = STRALLOC_ZERO;
  size_t i;
  int remaining = 0;
  unsigned long id = job->id;
  int c = job->channel;

  for (i = 0; i < job->records.len; i += strlen(job->records.s + i) + 1)
    if (job->records.s[i] == 'T')
      remaining = 1;
  if (remaining) {
    time_t next = sched_retry(job->birth, time(0), c);
    struct timeval tv[2];

    tv[0].tv_sec = tv[1].tv_sec = next;
    tv[0].tv_usec = tv[1].tv_usec = 0;
    futimes(job->fd, tv);
    sched_add(c, id, next);
  } else if (queue_path_split(&path, channel_name[c], id)) {
    unlink(path.s);
  }
  close(job->fd);
  job->used = 0;
  stralloc_free(&job->records);
  stralloc_free(&job->sender);
  stralloc_free(&path);
  if (!remaining)
    message_maybe_finish(id);
  else if (!bounce_send(id)) {
    /* a later round or the finish sends it */
  }
}

static struct job *
job_open(int c, unsigned long id)
{
  stralloc path = STRALLOC_ZERO, info = STRALLOC_ZERO;
  struct job *job = 0;
  struct stat st;
  int i, fd = -1;
  char text[24];

  idtext(text, sizeof text, id);
  for (i = 0; i < CONF_SPAWN_LIMIT && jobs[c][i].used; ++i)
    ;
  if (i == CONF_SPAWN_LIMIT) {
    sched_add(c, id, time(0) + 1);
    return 0;
  }
  job = &jobs[c][i];
  if (!queue_path_split(&path, "info", id))
    goto fail;
  fd = open_read(path.s);
  if (fd == -1 || fstat(fd, &st) == -1 || !readfile_fd(fd, &info) || info.len < 2
      || info.s[0] != 'F') {
    log_line("warning: unable to read info/", text, "; skipping the message", (char *)0);
    goto fail;
  }
  close(fd);
  fd = -1;
  memset(job, 0, sizeof *job);
  job->birth = st.st_mtime;
  if (!stralloc_copys(&job->sender, info.s + 1) || !stralloc_0(&job->sender))
    goto fail;
  path.len = 0;
  if (!queue_path_split(&path, channel_name[c], id))
    goto fail;
  job->fd = open(path.s, O_RDWR);
  if (job->fd == -1) {
    if (errno != ENOENT)
      log_line("warning: unable to open ", path.s, (char *)0);
    stralloc_free(&job->sender);
    goto fail;
  }
  if (!readfile_fd(job->fd, &job->records)) {
    close(job->fd);
    stralloc_free(&job->sender);
    goto fail;
  }
  /* a torn last record (never written by us) is ignored */
  while (job->records.len && job->records.s[job->records.len - 1])
    --job->records.len;
  job->used = 1;
  job->channel = c;
  job->id = id;
  stralloc_free(&path);
  stralloc_free(&info);
  return job;
fail:
  if (fd != -1)
    close(fd);
  stralloc_free(&path);
  stralloc_free(&info);
  return 0;
}

/* The next record still to be started, or -1. */
static long
job_next_record(struct job *job)
{
  while (job->next < job->records.len) {
    size_t at = job->next;

    job->next += strlen(job->records.s + at) + 1;
    if (job->records.s[at] == 'T')
      return (long)at;
  }
  return -1;
}

/* The envelope sender of one delivery.  A sender ending in "-@[]" asks
 * for VERP (qmail-inject's QMAILINJECT=r): "list-@example.org-@[]"
 * becomes "list-joe=example.net@example.org" for joe@example.net, so
 * a bounce names the recipient it came from. */
static int
delivery_sender(stralloc *out, const char *sender, const char *recipient)
{
  size_t len = strlen(sender);
  const char *at, *rat;

  if (len < 5 || strcmp(sender + len - 4, "-@[]") != 0)
    return stralloc_copys(out, sender);
  len -= 4;
  for (at = 0, rat = sender; rat < sender + len; ++rat)
    if (*rat == '@')
      at = rat;
  if (!at)
    return stralloc_copys(out, sender);
  rat = strrchr(recipient, '@');
  if (!stralloc_copyb(out, sender, (size_t)(at - sender)))
    return 0;
  if (rat) {
    if (!stralloc_catb(out, recipient, (size_t)(rat - recipient))
        || !stralloc_append(out, '=') || !stralloc_cats(out, rat + 1))
      return 0;
  } else if (!stralloc_cats(out, recipient)) {
    return 0;
  }
  return stralloc_catb(out, at, (size_t)(sender + len - at));
}

static int
start_one(struct job *job, size_t offset)
{
  int c = job->channel, s;
  stralloc body = STRALLOC_ZERO, frame = STRALLOC_ZERO, safe = STRALLOC_ZERO;
  stralloc sender = STRALLOC_ZERO;
  const char *recipient = job->records.s + offset + 1;
  char number[24], text[24];
  int ok;

  for (s = 0; s < CONF_SPAWN_LIMIT && slots[c][s].job; ++s)
    ;
  if (s == CONF_SPAWN_LIMIT)
    return 0;
  ok = delivery_sender(&sender, job->sender.s, recipient)
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
    log_line("alert: unable to talk to qmail-", c ? "rspawn" : "lspawn", (char *)0);
    return 0;
  }
  slots[c][s].job = job;
  slots[c][s].offset = offset;
  slots[c][s].number = ++deliveries;
  ++job->active;
  ++concurrency_used[c];
  idtext(number, sizeof number, deliveries);
  idtext(text, sizeof text, job->id);
  log_safe(&safe, recipient, strlen(recipient));
  log_line("starting delivery ", number, ": msg ", text, " to ", channel_name[c],
           " ", safe.s ? safe.s : "", (char *)0);
  stralloc_free(&safe);
  log_status();
  return 1;
}

void
deliver_start(time_t now)
{
  int c, i;

  for (c = 0; c < CHANNELS; ++c) {
    while (concurrency_used[c] < conf.concurrency[c]) {
      struct job *job = 0;
      long offset = -1;
      unsigned long id;

      for (i = 0; i < CONF_SPAWN_LIMIT && offset < 0; ++i)
        if (jobs[c][i].used) {
          offset = job_next_record(&jobs[c][i]);
          if (offset >= 0)
            job = &jobs[c][i];
        }
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

static int
bounce_add(unsigned long id, const char *recipient, const char *report, size_t len)
{
  stralloc path = STRALLOC_ZERO, text = STRALLOC_ZERO;
  int fd, ok = 0;

  if (!queue_path_flat(&path, "bounce", id))
    return 0;
  if (!stralloc_copys(&text, "<") || !stralloc_cats(&text, recipient)
      || !stralloc_cats(&text, ">:\n") || !stralloc_catb(&text, report, len))
    goto done;
  if (text.s[text.len - 1] != '\n' && !stralloc_append(&text, '\n'))
    goto done;
  if (!stralloc_append(&text, '\n'))
    goto done;
  fd = open(path.s, O_WRONLY | O_APPEND | O_CREAT, 0600);
  if (fd == -1)
    goto done;
  ok = write(fd, text.s, text.len) == (ssize_t)text.len;
  ok = file_fsync_close(fd) && ok;
done:
  stralloc_free(&path);
  stralloc_free(&text);
  return ok;
}

static void
mark_done(struct job *job, size_t offset)
{
  if (pwrite(job->fd, "D", 1, (off_t)offset) != 1) {
    char text[24];

    idtext(text, sizeof text, job->id);
    log_line("warning: unable to mark a recipient of message ", text,
             " as done; it may be delivered twice", (char *)0);
  }
  job->records.s[offset] = 'D';
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
  char status, number[24];
  stralloc safe = STRALLOC_ZERO, text = STRALLOC_ZERO;
  const char *recipient;

  if (!n || n + 2 > len || body[n] || s >= CONF_SPAWN_LIMIT || !slots[c][s].job) {
    log_line("warning: malformed result from qmail-", c ? "rspawn" : "lspawn", (char *)0);
    return;
  }
  slot = &slots[c][s];
  job = slot->job;
  status = body[n + 1];
  report = body + n + 2;
  report_len = len - n - 2;
  recipient = job->records.s + slot->offset + 1;
  idtext(number, sizeof number, slot->number);

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
    mark_done(job, slot->offset);
    break;
  case 'D':
    log_line("delivery ", number, ": failure: ", safe.s ? safe.s : "", (char *)0);
    if (bounce_add(job->id, recipient, report, report_len))
      mark_done(job, slot->offset);
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
      log_line("alert: garbage from qmail-", c ? "rspawn" : "lspawn", (char *)0);
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

void
deliver_refresh(unsigned long id)
{
  int c, i;

  for (c = 0; c < CHANNELS; ++c)
    for (i = 0; i < CONF_SPAWN_LIMIT; ++i) {
      struct job *job = &jobs[c][i];
      stralloc now = STRALLOC_ZERO;
      size_t k;

      if (!job->used || job->id != id)
        continue;
      /* a tool marked recipients done in place: take over its D flags
       * (the layout of the file never changes, only the flag bytes) */
      if (lseek(job->fd, 0, SEEK_SET) == 0 && readfile_fd(job->fd, &now))
        for (k = 0; k < job->records.len && k < now.len; k += strlen(job->records.s + k) + 1)
          if (now.s[k] == 'D')
            job->records.s[k] = 'D';
      stralloc_free(&now);
    }
}

void
deliver_init(void)
{
  memset(jobs, 0, sizeof jobs);
  memset(slots, 0, sizeof slots);
}
