/* send_job.c -- one message on one channel.
 *
 * A job holds a message's local/N/ID or remote/N/ID file, read into
 * memory, one record per recipient: "T" still to do, "D" done.  A
 * record becomes "D" in place (one byte written into the open file)
 * when its delivery succeeded or its failure is safely in bounce/ID.
 * In memory only, a record being delivered is "S" and one deferred in
 * this attempt "Z": a remote delivery takes recipients beyond the next
 * record (those at the same domain), and neither may be started again
 * before the job closes; in the file both are still "T".
 * When every record has been tried the job closes: a file with "T"
 * records left gets its next attempt from the retry schedule (stored as
 * the file's mtime too), a file with none is removed and the message is
 * finished if nothing else is left of it.
 *
 * A job that cannot be opened now (no free job, a file that cannot be
 * read, descriptors or memory short) is scheduled again after
 * JOB_RETRY_SECONDS; ALRM makes it due at once.  Only a channel file
 * that is really absent (ENOENT) means there is nothing to do.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "open.h"
#include "qconf.h"
#include "queue.h"
#include "readfile.h"
#include "send.h"

#define JOB_RETRY_SECONDS 10
#define INFO_MISSING_RETRY_SECONDS 300

static struct job jobs[CHANNELS][CONF_SPAWN_LIMIT];
static const char *const channel_dir[CHANNELS] = { "local", "remote" };

int
job_open_for(unsigned long id)
{
  int c, i;

  for (c = 0; c < CHANNELS; ++c)
    for (i = 0; i < CONF_SPAWN_LIMIT; ++i)
      if (jobs[c][i].used && jobs[c][i].id == id)
        return 1;
  return 0;
}

void
job_each(void (*fn)(unsigned long id, void *arg), void *arg)
{
  int c, i;

  for (c = 0; c < CHANNELS; ++c)
    for (i = 0; i < CONF_SPAWN_LIMIT; ++i)
      if (jobs[c][i].used)
        fn(jobs[c][i].id, arg);
}

/* Try message id on channel c again in a while; birth 0 sorts it first
 * among what is due then, which is fair: it has waited already. */
static void
try_later(int c, unsigned long id, long seconds)
{
  sched_add(c, id, time(0) + seconds, 0, 0);
}

static void
job_free(struct job *job)
{
  if (job->fd != -1)
    close(job->fd);
  stralloc_free(&job->records);
  stralloc_free(&job->sender);
  memset(job, 0, sizeof *job);
  job->fd = -1;
}

struct job *
job_open(int c, unsigned long id)
{
  stralloc path = STRALLOC_ZERO, info = STRALLOC_ZERO;
  struct job *job;
  struct stat st;
  int i, fd = -1;
  long delay = JOB_RETRY_SECONDS;
  char text[FMT_ULONG];

  log_num(text, id);
  for (i = 0; i < CONF_SPAWN_LIMIT; ++i)
    if (jobs[c][i].used && jobs[c][i].id == id)
      return 0;       /* scheduled twice: the open job does the work */
  for (i = 0; i < CONF_SPAWN_LIMIT && jobs[c][i].used; ++i)
    ;
  if (i == CONF_SPAWN_LIMIT) {
    try_later(c, id, 1);
    return 0;
  }
  job = &jobs[c][i];
  memset(job, 0, sizeof *job);
  job->fd = -1;

  if (!queue_path_split(&path, channel_dir[c], id))
    goto retry;
  job->fd = open(path.s, O_RDWR);
  if (job->fd == -1) {
    if (errno == ENOENT) {
      /* nothing (left) to do on this channel */
      stralloc_free(&path);
      job_free(job);
      message_maybe_finish(id);
      return 0;
    }
    log_line("warning: unable to open ", channel_dir[c], "/ of message ", text, ": ",
             strerror(errno), "; will try again", (char *)0);
    goto retry;
  }
  if (!readfile_fd(job->fd, &job->records)) {
    log_line("warning: unable to read ", channel_dir[c], "/ of message ", text, ": ",
             strerror(errno), "; will try again", (char *)0);
    goto retry;
  }

  path.len = 0;
  if (!queue_path_split(&path, "info", id))
    goto retry;
  fd = open_read(path.s);
  if (fd == -1 || fstat(fd, &st) == -1 || !readfile_fd(fd, &info)) {
    if (fd == -1 && errno == ENOENT)
      delay = INFO_MISSING_RETRY_SECONDS;
    log_line("warning: unable to read info/ of message ", text, ": ",
             strerror(errno), "; will try again", (char *)0);
    goto retry;
  }
  close(fd);
  fd = -1;
  if (info.len < 2 || info.s[0] != 'F') {
    log_line("warning: info/ of message ", text, " is malformed; will try again",
             (char *)0);
    delay = INFO_MISSING_RETRY_SECONDS;
    goto retry;
  }
  job->birth = st.st_mtime;
  job->birth_nsec = st.st_mtim.tv_nsec;
  if (!stralloc_copys(&job->sender, info.s + 1) || !stralloc_0(&job->sender))
    goto retry;
  /* a torn last record (never written by us) is ignored */
  while (job->records.len && job->records.s[job->records.len - 1])
    --job->records.len;
  job->used = 1;
  job->channel = c;
  job->id = id;
  stralloc_free(&path);
  stralloc_free(&info);
  return job;

retry:
  if (errno == ENOMEM)
    log_line("warning: out of memory opening message ", text, "; will try again",
             (char *)0);
  if (fd != -1)
    close(fd);
  stralloc_free(&path);
  stralloc_free(&info);
  job_free(job);
  try_later(c, id, delay);
  return 0;
}

long
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

struct job *
job_with_work(int c, long *offset)
{
  int i;

  for (i = 0; i < CONF_SPAWN_LIMIT; ++i)
    if (jobs[c][i].used) {
      *offset = job_next_record(&jobs[c][i]);
      if (*offset >= 0)
        return &jobs[c][i];
    }
  return 0;
}

void
job_mark_started(struct job *job, size_t offset)
{
  job->records.s[offset] = 'S';
  ++job->active;
}

void
job_mark_deferred(struct job *job, size_t offset)
{
  if (job->records.s[offset] == 'S')
    job->records.s[offset] = 'Z';
}

int
job_finished(struct job *job)
{
  while (job->next < job->records.len && job->records.s[job->next] != 'T')
    job->next += strlen(job->records.s + job->next) + 1;
  return !job->active && job->next >= job->records.len;
}

void
job_mark_done(struct job *job, size_t offset)
{
  if (pwrite(job->fd, "D", 1, (off_t)offset) != 1) {
    char text[FMT_ULONG];

    log_line("warning: unable to mark a recipient of message ", log_num(text, job->id),
             " as done; it may be delivered twice", (char *)0);
  }
  job->records.s[offset] = 'D';
}

void
job_close(struct job *job)
{
  stralloc path = STRALLOC_ZERO;
  size_t i;
  int remaining = 0;
  unsigned long id = job->id;
  int c = job->channel;
  char text[FMT_ULONG];

  for (i = 0; i < job->records.len; i += strlen(job->records.s + i) + 1)
    if (job->records.s[i] != 'D')
      remaining = 1;
  if (remaining) {
    time_t next = sched_retry(job->birth, time(0), c);
    struct timespec ts[2];

    ts[0].tv_sec = ts[1].tv_sec = next;
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    /* without the mtime a restart retries at once: harmless */
    futimens(job->fd, ts);
    sched_add(c, id, next, job->birth, job->birth_nsec);
  } else if (!queue_path_split(&path, channel_dir[c], id)
             || (unlink(path.s) == -1 && errno != ENOENT)) {
    log_line("warning: unable to remove ", channel_dir[c], "/ of message ",
             log_num(text, id), ": ", strerror(errno), "; will try again", (char *)0);
    /* reopened later, it has no "T" left and closes again */
    try_later(c, id, JOB_RETRY_SECONDS);
    remaining = 1;
  }
  stralloc_free(&path);
  job_free(job);
  if (!remaining)
    message_maybe_finish(id);
  else
    /* failures so far are reported now, not when the last retry ends */
    bounce_send(id);
}

void
job_refresh(unsigned long id)
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
