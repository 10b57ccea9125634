/* send_sched.c -- when each queued message is tried next.
 *
 * One binary heap per channel of (time, id).  The retry schedule is
 * qmail's: after a failed attempt a message is tried again at
 * birth + (floor(sqrt(age)) + skip)^2 seconds, skip being 10 for local
 * and 20 for remote deliveries, so the gaps grow with the message's age
 * (first retries after about 100 s and 400 s).  The time of the next
 * attempt is also stored as the mtime of the message's local/ or remote/
 * file, so a restarted qmail-send keeps the schedule.
 */
#include <stdlib.h>

#include "send.h"

struct due {
  time_t when;
  unsigned long id;
};

static struct due *heap[CHANNELS];
static size_t heap_len[CHANNELS], heap_size[CHANNELS];

static void
swap(struct due *a, struct due *b)
{
  struct due t = *a;

  *a = *b;
  *b = t;
}

static void
sift_up(struct due *h, size_t i)
{
  while (i > 0 && h[(i - 1) / 2].when > h[i].when) {
    swap(&h[(i - 1) / 2], &h[i]);
    i = (i - 1) / 2;
  }
}

static void
sift_down(struct due *h, size_t len, size_t i)
{
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, least = i;

    if (l < len && h[l].when < h[least].when)
      least = l;
    if (r < len && h[r].when < h[least].when)
      least = r;
    if (least == i)
      return;
    swap(&h[least], &h[i]);
    i = least;
  }
}

void
sched_add(int channel, unsigned long id, time_t when)
{
  if (heap_len[channel] == heap_size[channel]) {
    size_t grown = heap_size[channel] ? 2 * heap_size[channel] : 64;
    struct due *h = realloc(heap[channel], grown * sizeof *h);

    if (!h) {
      /* the message stays on disk; a restart or ALRM finds it again */
      log_line("alert: out of memory scheduling a message; restart qmail-send", (char *)0);
      return;
    }
    heap[channel] = h;
    heap_size[channel] = grown;
  }
  heap[channel][heap_len[channel]].when = when;
  heap[channel][heap_len[channel]].id = id;
  sift_up(heap[channel], heap_len[channel]++);
}

int
sched_due(int channel, time_t now, unsigned long *id)
{
  struct due *h = heap[channel];

  if (!heap_len[channel] || h[0].when > now)
    return 0;
  *id = h[0].id;
  h[0] = h[--heap_len[channel]];
  sift_down(h, heap_len[channel], 0);
  return 1;
}

time_t
sched_next(int channel)
{
  return heap_len[channel] ? heap[channel][0].when : 0;
}

void
sched_all_now(void)
{
  int c;
  size_t i;

  /* equal keys everywhere keep the heap valid */
  for (c = 0; c < CHANNELS; ++c)
    for (i = 0; i < heap_len[c]; ++i)
      heap[c][i].when = 0;
}

void
sched_one_now(unsigned long id)
{
  int c;
  size_t i;

  for (c = 0; c < CHANNELS; ++c)
    for (i = 0; i < heap_len[c]; ++i)
      if (heap[c][i].id == id) {
        heap[c][i].when = 0;
        sift_up(heap[c], i);
        break;
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
