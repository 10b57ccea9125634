/* test_spawnresult.c -- the result netstring a spawn supervisor writes
 * for a slot of several recipients (spawn_result_encode, spawn.h): one
 * entry per recipient, "=" for a repeat, texts cut so that the whole
 * stays below PIPE_BUF. */
#define _GNU_SOURCE           /* spawn.c, included below, uses clone */
#include <limits.h>

#include "unit.h"
#include "../../src/queue/spawn.c"

static void
outcome(struct spawn_outcome *o, char status, const char *text)
{
  o->status = status;
  o->text = text;
  o->len = strlen(text);
}

static void
test_one_recipient_is_the_old_form(void)
{
  char frame[SPAWN_RESULT_MAX];
  struct spawn_outcome o;
  size_t len;

  outcome(&o, 'K', "did it");
  len = spawn_result_encode(frame, 3, &o, 1);
  CHECK_MEM(frame, len, "9:3\0Kdid it,", 12);
}

static void
test_repeats_are_written_once(void)
{
  char frame[SPAWN_RESULT_MAX];
  struct spawn_outcome o[4];
  size_t len;

  outcome(&o[0], 'K', "ok");
  outcome(&o[1], 'K', "ok");
  outcome(&o[2], 'D', "550 no");
  outcome(&o[3], 'K', "ok");
  len = spawn_result_encode(frame, 12, o, 4);
  CHECK_MEM(frame, len, "20:12\0Kok\0=\0D550 no\0Kok,", 24);
}

static void
test_many_long_texts_fit(void)
{
  char frame[SPAWN_RESULT_MAX];
  struct spawn_outcome o[SPAWN_RCPT_MAX];
  char text[SPAWN_RCPT_MAX][300];
  size_t len, i, at, body;
  unsigned long n;

  for (i = 0; i < SPAWN_RCPT_MAX; ++i) {
    memset(text[i], 'a' + (int)(i % 26), sizeof text[i] - 1);
    text[i][sizeof text[i] - 1] = 0;
    outcome(&o[i], i % 2 ? 'Z' : 'D', text[i]);
  }
  /* one short text is kept whole */
  outcome(&o[5], 'Z', "short");
  len = spawn_result_encode(frame, 99, o, SPAWN_RCPT_MAX);
  CHECK(len <= SPAWN_RESULT_MAX);
  CHECK(len < PIPE_BUF);
  at = scan_ulong(frame, &n);
  CHECK(frame[at] == ':');
  body = n;
  CHECK(at + 1 + body + 1 == len);
  CHECK(frame[len - 1] == ',');
  /* walk the entries: each a prefix of its text, in order */
  at += 1 + 3;
  for (i = 0; i < SPAWN_RCPT_MAX; ++i) {
    const char *e = frame + at;
    size_t elen = i + 1 < SPAWN_RCPT_MAX
      ? (size_t)((const char *)memchr(e, 0, len - at) - e) : len - 1 - at;

    CHECK(e[0] == o[i].status);
    CHECK(elen - 1 <= o[i].len);
    CHECK(!memcmp(e + 1, o[i].text, elen - 1));
    if (i == 5)
      CHECK(elen - 1 == 5);
    else
      CHECK(elen - 1 >= 30);
    at += elen + 1;
  }
}

static void
test_a_long_single_report_is_cut(void)
{
  static char text[6000];
  char frame[SPAWN_RESULT_MAX];
  struct spawn_outcome o;
  size_t len;

  memset(text, 'x', sizeof text - 1);
  outcome(&o, 'Z', text);
  len = spawn_result_encode(frame, 0, &o, 1);
  CHECK(len <= SPAWN_RESULT_MAX);
  CHECK(frame[len - 1] == ',');
  CHECK(!memcmp(frame, "3994:0\0Z", 8));
}

int
main(void)
{
  RUN(test_one_recipient_is_the_old_form);
  RUN(test_repeats_are_written_once);
  RUN(test_many_long_texts_fit);
  RUN(test_a_long_single_report_is_cut);
  return unit_done();
}
