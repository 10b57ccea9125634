/* send.h -- the parts of qmail-send and how they share state.
 *
 * qmail-send is one process with one event loop (qmail-send.c).  The
 * pieces: send_log (log lines on fd 0 in qmail's format), send_conf
 * (control files), send_todo (preprocessing todo/ into info/, local/,
 * remote/), send_sched (when each message is next tried), send_deliver
 * (delivery slots, results, per-message bookkeeping), send_bounce
 * (QSBMF bounces).  All paths are relative to HOME/queue.
 */
#ifndef SEND_H
#define SEND_H

#include <time.h>

#include "stralloc.h"

#define CHANNEL_LOCAL 0
#define CHANNEL_REMOTE 1
#define CHANNELS 2

/* send_log.c */
void log_line(const char *s, ...) __attribute__((sentinel));
/* "text with spaces" -> "text_with_spaces", newlines -> '/'. */
void log_safe(stralloc *out, const char *s, size_t len);
void log_status(void);

/* send_conf.c */
struct send_conf {
  stralloc me;
  stralloc bouncefrom;
  stralloc bouncehost;
  stralloc doublebounceto;
  stralloc doublebouncehost;
  stralloc envnoathost;
  stralloc locals;          /* NUL-separated, lowercase */
  stralloc percenthack;     /* NUL-separated, lowercase */
  stralloc virtualdomains;  /* NUL-separated "key:prefix" */
  int concurrency[CHANNELS];
  unsigned long lifetime;
};
extern struct send_conf conf;
/* Read everything (at start, from HOME).  Returns 1, or 0 after logging
 * what is wrong. */
int conf_load(void);
/* Re-read locals, percenthack, virtualdomains (SIGHUP), from HOME. */
int conf_reload(void);
/* Rewrite a recipient for delivery: sets *channel and the address to
 * deliver to (virtual domains prefixed).  Returns 1, 0 out of memory. */
int conf_route(const char *recipient, stralloc *out, int *channel);

/* send_sched.c */
void sched_add(int channel, unsigned long id, time_t when);
/* If a message is due at now: remove it from the schedule, set *id and
 * return 1; else return 0. */
int sched_due(int channel, time_t now, unsigned long *id);
/* The earliest time anything on the channel is due; 0 if nothing is
 * scheduled. */
time_t sched_next(int channel);
void sched_all_now(void);
void sched_one_now(unsigned long id);
time_t sched_retry(time_t birth, time_t now, int channel);

/* send_todo.c */
void todo_scan(void);
int todo_pending(void);
/* Preprocess up to max messages from todo/.  Returns how many. */
int todo_process(int max);

/* send_deliver.c */
extern int spawn_fd[CHANNELS];    /* requests */
extern int result_fd[CHANNELS];   /* results */
extern int clean_fd, clean_answer_fd;
extern int concurrency_used[CHANNELS];
void deliver_init(void);
/* Start deliveries while slots are free and messages are due. */
void deliver_start(time_t now);
/* Read results from a spawn; 0 when it has gone away. */
int deliver_results(int channel);
int deliver_active(void);
/* Tell qmail-clean to remove files: 't' or 'm'.  1 done, 0 failed. */
int clean_request(char kind, unsigned long id);
/* A message's files are gone from one channel: finish it if it is done. */
void message_maybe_finish(unsigned long id);
/* A tool changed message id's files (trigger "R" line): pick up the
 * recipients it marked done in jobs already open. */
void deliver_refresh(unsigned long id);
/* Bounces that could not be queued are tried again from the main loop. */
void deliver_retry_bounces(void);

/* send_restore.c */
/* At start: schedule the messages already preprocessed, finish those
 * whose deliveries are all done, and have leftovers of interrupted
 * injections (older than 36 hours) removed. */
void restore_queue(void);

/* send_bounce.c */
/* Send the bounce collected in bounce/ID, if any.  1 sent or nothing to
 * send, 0 try again later. */
int bounce_send(unsigned long id);

#endif
