/* send.h -- the parts of qmail-send and how they share state.
 *
 * qmail-send is one process with one event loop (qmail-send.c).  The
 * pieces: send_log (log lines on fd 0 in qmail's format), send_conf
 * (control files), send_todo (preprocessing todo/ into info/, local/,
 * remote/), send_sched (when each message is next tried and in which
 * order), send_job (a message's recipients on one channel), send_deliver
 * (delivery slots and results), send_verp (VERP senders), send_clean
 * (the qmail-clean protocol), send_finish (removing finished messages),
 * send_restore (finding the queue again), send_bounce (QSBMF bounces).
 * All paths are relative to HOME/queue.
 */
#ifndef SEND_H
#define SEND_H

#include <time.h>

#include "fmt.h"
#include "localroute.h"
#include "stralloc.h"

#define CHANNEL_LOCAL 0
#define CHANNEL_REMOTE 1
#define CHANNELS 2

/* send_log.c */
void log_line(const char *s, ...) __attribute__((sentinel));
/* "text with spaces" -> "text_with_spaces", newlines -> '/'. */
void log_safe(stralloc *out, const char *s, size_t len);
void log_status(void);
/* n in decimal in buf (FMT_ULONG bytes), NUL-terminated; returns buf. */
char *log_num(char *buf, unsigned long n);

/* send_conf.c */
struct send_conf {
  stralloc me;
  stralloc bouncefrom;
  stralloc bouncehost;
  stralloc doublebounceto;
  stralloc doublebouncehost;
  struct localroute route;  /* locals, percenthack, virtualdomains,
                               envnoathost */
  int concurrency[CHANNELS];
  unsigned long lifetime;
};
extern struct send_conf conf;
/* Read everything (at start, from HOME).  Returns 1, or 0 after logging
 * what is wrong. */
int conf_load(void);
/* Re-read locals, percenthack, virtualdomains (SIGHUP), from
 * HOME/queue; on failure the old values stay (after a log line). */
int conf_reload(void);
/* Rewrite a recipient for delivery (localroute_route): sets *channel
 * and the address to deliver to (virtual domains prefixed).  Returns 1,
 * 0 out of memory. */
int conf_route(const char *recipient, stralloc *out, int *channel);

/* send_sched.c */
/* Schedule a message on a channel: tried at when (at once when that is
 * not in the future), in order of birth among the messages due. */
void sched_add(int channel, unsigned long id, time_t when,
               time_t birth, long birth_nsec);
/* If a message on the channel is due at now: take the oldest out of the
 * schedule, set *id and return 1; else return 0. */
int sched_due(int channel, time_t now, unsigned long *id);
/* 0 if nothing is scheduled on the channel; else 1 with *seconds until
 * the next message is due (0: one is due now). */
int sched_wait(int channel, time_t now, long *seconds);
/* ALRM: everything scheduled is due now (still oldest first). */
void sched_all_now(void);
/* A tool asked for message id: due now, ahead of the rest. */
void sched_one_now(unsigned long id);
/* Call fn(id, arg) for every scheduled message. */
void sched_each(void (*fn)(unsigned long id, void *arg), void *arg);
/* The next attempt after a failure now, for a message born at birth. */
time_t sched_retry(time_t birth, time_t now, int channel);

/* send_todo.c */
void todo_scan(void);
int todo_pending(void);
/* Preprocess up to max messages from todo/.  Returns how many. */
/* at most this many messages share one barrier (send_todo.c) */
#define TODO_BATCH_MAX 64
int todo_process(int max);

/* send_job.c: a job is one message on one channel, its local/N/ID or
 * remote/N/ID records in memory ("T" to do, "D" done; in memory also
 * "S" under way and "Z" deferred in this attempt). */
struct job {
  int used;
  int channel;
  unsigned long id;
  int fd;               /* the channel file, open read-write */
  stralloc records;
  size_t next;          /* first record not yet started */
  int active;           /* recipients in flight */
  time_t birth;
  long birth_nsec;
  stralloc sender;
};
/* Open message id's job on channel c.  Returns the job, or 0 when there
 * is nothing to do now; a message that could not be opened is
 * scheduled again (after a short delay), never forgotten. */
struct job *job_open(int c, unsigned long id);
/* The next record to start (an offset into records), or -1. */
long job_next_record(struct job *job);
/* Some open job with a record still to start, or 0; *offset set. */
struct job *job_with_work(int c, long *offset);
/* Record offset is under way ("S"; counted in job->active). */
void job_mark_started(struct job *job, size_t offset);
/* Record offset was deferred: not tried again before the job closes. */
void job_mark_deferred(struct job *job, size_t offset);
/* 1 when nothing is left to start and nothing is in flight: time for
 * job_close. */
int job_finished(struct job *job);
/* Record offset is finished (delivered, or its failure is in bounce/). */
void job_mark_done(struct job *job, size_t offset);
/* Every record has been tried: schedule the deferred ones, or remove
 * the channel file and finish the message. */
void job_close(struct job *job);
/* 1 if message id has an open job on any channel. */
int job_open_for(unsigned long id);
/* Call fn(id, arg) for every open job. */
void job_each(void (*fn)(unsigned long id, void *arg), void *arg);
/* A tool changed message id's files (trigger "R" line): pick up the
 * recipients it marked done in jobs already open. */
void job_refresh(unsigned long id);

/* send_deliver.c: delivery slots and results. */
extern int spawn_fd[CHANNELS];    /* requests */
extern int result_fd[CHANNELS];   /* results */
extern int concurrency_used[CHANNELS];
/* Start deliveries while slots are free and messages are due. */
void deliver_start(time_t now);
/* Read results from a spawn; 0 when it has gone away. */
int deliver_results(int channel);
int deliver_active(void);

/* send_verp.c */
/* The envelope sender of one delivery: sender itself, or for a VERP
 * sender ("list-@example.org-@[]") the one naming the recipient. */
int verp_sender(stralloc *out, const char *sender, const char *recipient);
/* 1 if sender asks for VERP: each recipient needs its own delivery. */
int verp_wanted(const char *sender);

/* send_clean.c: the qmail-clean protocol. */
extern int clean_fd, clean_answer_fd;
/* Ask qmail-clean to remove files: 't' (intd and todo after
 * preprocessing) or 'm' (the message).  1 done, 0 failed. */
int clean_request(char kind, unsigned long id);

/* send_finish.c: the end of a message's life. */
/* A message's files are gone from one channel: finish it if it is done
 * (bounce sent, info/ and mess/ removed).  What cannot be done now is
 * tried again a little later. */
void message_maybe_finish(unsigned long id);
/* Try again what message_maybe_finish could not do; the seconds until
 * the next such try are set in *seconds (1 returned) if any is left. */
int finish_retry(time_t now, long *seconds);

/* send_restore.c */
/* At start: schedule the messages already preprocessed, finish those
 * whose deliveries are all done, and have leftovers of interrupted
 * injections (older than 36 hours) removed. */
void restore_queue(void);
/* ALRM and the periodic look: schedule every preprocessed message that
 * is neither scheduled nor being delivered (one a transient error or a
 * shortage of memory dropped). */
void restore_rescan(void);

/* send_bounce.c */
/* Append the failure of recipient to bounce/ID as one QSBMF paragraph,
 * durably.  1 done, 0 not (nothing of it left behind). */
int bounce_add(unsigned long id, const char *recipient, const char *report, size_t len);
/* Send the bounce collected in bounce/ID, if any.  1 sent or nothing to
 * send, 0 try again later. */
int bounce_send(unsigned long id);

#endif
