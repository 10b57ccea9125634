/* send_sched.c -- when each queued message is tried next, and in which
 * order.
 *
 * Each channel has two binary heaps.  "waiting" holds messages whose
 * next attempt lies in the future, ordered by that time.  "ready" holds
 * messages that may be tried now, ordered by birth (the time qmail-queue
 * committed them, to the nanosecond where the file system keeps it), so
 * deliveries go out in arrival order: a new message never overtakes an
 * older one, and a deferred message whose retry falls due goes ahead of
 * all mail that arrived after it.  A message moves from waiting to ready
 * when its time comes; a new message goes straight to ready.
 *
 * The retry schedule is qmail's: after a failed attempt a message is
 * tried again at birth + (floor(sqrt(age)) + skip)^2 seconds, skip being
 * 10 for local and 20 for remote deliveries, so the gaps grow with the
 * message's age (first retries after about 100 s and 400 s).  The time
 * of the next attempt is also stored as the mtime of the message's
 * local/ or remote/ file, so a restarted qmail-send keeps the schedule.
 */
#include <stdlib.h>

#include "send.h"

struct entry {
  time_t when;          /* next attempt */
  time_t birth;         /* arrival, the order among ready messages */
  long birth_nsec;
  unsigned long id;
};

struct heap {
  struct entry *e;
  size_t len, size;
  int by_birth;         /* ready: by birth; waiting: by when */
};

static struct heap waiting[CHANNELS], ready[CHANNELS] = {
  { 0, 0, 0, 1 }, { 0, 0, 0, 1 }
};

static int
before(const struct heap *h, const struct entry *a, const struct entry *b)
{
  if (h->by_birth) {
    if (a->birth != b->birth)
      return a->birth < b->birth;
    if (a->birth_nsec != b->birth_nsec)
      return a->birth_nsec < b->birth_nsec;
    return a->id < b->id;
  }
  if (a->when != b->when)
    return a->when < b->when;
  return a->id < b->id;
}

static void
swap(struct entry *a, struct entry *b)
{
  struct entry t = *a;

  *a = *b;
  *b = t;
}

static void
sift_up(struct heap *h, size_t i)
{
  while (i > 0 && before(h, &h->e[i], &h->e[(i - 1) / 2])) {
    swap(&h->e[(i - 1) / 2], &h->e[i]);
    i = (i - 1) / 2;
  }
}

static void
sift_down(struct heap *h, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, first = i;

    if (l < h->len && before(h, &h->e[l], &h->e[first]))
      first = l;
    if (r < h->len && before(h, &h->e[r], &h->e[first]))
      first = r;
    if (first == i)
      return;
    swap(&h->e[first], &h->e[i]);
    i = first;
  }
}

static int
heap_push(struct heap *h, const struct entry *e)
{
  if (h->len == h->size) {
    size_t grown = h->size ? 2 * h->size : 64;
    struct entry *bigger = realloc(h->e, grown * sizeof *bigger);

    if (!bigger)
      return 0;
    h->e = bigger;
    h->size = grown;
  }
  h->e[h->len] = *e;
  sift_up(h, h->len++);
  return 1;
}

/* Remove entry i, keeping the heap valid. */
static struct entry
heap_remove(struct heap *h, size_t i)
{
  struct entry gone = h->e[i];

  h->e[i] = h->e[--h->len];
  if (i < h->len) {
    sift_up(h, i);
    sift_down(h, i);
  }
  return gone;
}

static void
push_or_complain(struct heap *h, const struct entry *e)
{
  if (!heap_push(h, e))
    /* the message stays on disk; ALRM or the next periodic look at the
     * queue (send_restore.c) schedules it again */
    log_line("alert: out of memory scheduling a message; it is found again "
             "by the next queue scan", (char *)0);
}

void
sched_add(int channel, unsigned long id, time_t when,
          time_t birth, long birth_nsec)
{
  struct entry e;

  e.when = when;
  e.birth = birth;
  e.birth_nsec = birth_nsec;
  e.id = id;
  push_or_complain(when <= time(0) ? &ready[channel] : &waiting[channel], &e);
}

/* Move everything whose time has come from waiting to ready. */
static void
promote(int channel, time_t now)
{
  struct heap *w = &waiting[channel];

  while (w->len && w->e[0].when <= now) {
    struct entry e = heap_remove(w, 0);

    push_or_complain(&ready[channel], &e);
  }
}

int
sched_due(int channel, time_t now, unsigned long *id)
{
  promote(channel, now);
  if (!ready[channel].len)
    return 0;
  *id = heap_remove(&ready[channel], 0).id;
  return 1;
}

int
sched_wait(int channel, time_t now, long *seconds)
{
  promote(channel, now);
  if (ready[channel].len) {
    *seconds = 0;
    return 1;
  }
  if (!waiting[channel].len)
    return 0;
  *seconds = (long)(waiting[channel].e[0].when - now);
  return 1;
}

void
sched_all_now(void)
{
  int c;

  for (c = 0; c < CHANNELS; ++c)
    while (waiting[c].len) {
      struct entry e = heap_remove(&waiting[c], waiting[c].len - 1);

      push_or_complain(&ready[c], &e);
    }
}

void
sched_one_now(unsigned long id)
{
  int c;
  size_t i;

  for (c = 0; c < CHANNELS; ++c) {
    struct entry e;
    int found = 0;

    for (i = 0; i < waiting[c].len && !found; ++i)
      if (waiting[c].e[i].id == id) {
        e = heap_remove(&waiting[c], i);
        found = 1;
      }
    for (i = 0; i < ready[c].len && !found; ++i)
      if (ready[c].e[i].id == id) {
        e = heap_remove(&ready[c], i);
        found = 1;
      }
    if (!found)
      continue;
    /* asked for by hand: ahead of everything else */
    e.birth = 0;
    e.birth_nsec = 0;
    push_or_complain(&ready[c], &e);
  }
}

void
sched_each(void (*fn)(unsigned long id, void *arg), void *arg)
{
  int c;
  size_t i;

  for (c = 0; c < CHANNELS; ++c) {
    for (i = 0; i < waiting[c].len; ++i)
      fn(waiting[c].e[i].id, arg);
    for (i = 0; i < ready[c].len; ++i)
      fn(ready[c].e[i].id, arg);
  }
}

static unsigned long
isqrt(unsigned long n)
{
  unsigned long r = 0, bit = 1UL << (sizeof n * 8 - 2);

  while (bit > n)
    bit >>= 2;
  while (bit) {
    if (n >= r + bit) {
      n -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

time_t
sched_retry(time_t birth, time_t now, int channel)
{
  unsigned long n = now > birth ? isqrt((unsigned long)(now - birth)) : 0;

  n += channel == CHANNEL_LOCAL ? 10 : 20;
  return birth + (time_t)(n * n);
}
