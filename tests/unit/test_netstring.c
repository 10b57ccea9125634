/* Unit tests for netstring: encoding, the in-memory parser and the
 * buffer reader, on valid, partial, malformed and random input. */
#include <errno.h>
#include <stdint.h>

#include "buffer.h"
#include "fmt.h"
#include "netstring.h"
#include "stralloc.h"
#include "unit.h"

/* A read operation over a string in memory, handing out at most chunk
 * bytes per call, failing with EIO once fail_at bytes are out (if set). */
struct source {
  const char *s;
  size_t len;
  size_t pos;
  size_t chunk;
  size_t fail_at;             /* 0: never */
};

static ssize_t
source_read(int fd, char *buf, size_t len, void *ctx)
{
  struct source *src = ctx;
  size_t n = src->len - src->pos;

  (void)fd;
  if (src->fail_at && src->pos >= src->fail_at) {
    errno = EIO;
    return -1;
  }
  if (n > len)
    n = len;
  if (src->chunk && n > src->chunk)
    n = src->chunk;
  memcpy(buf, src->s + src->pos, n);
  src->pos += n;
  return (ssize_t)n;
}

/* A write operation appending to a stralloc. */
static ssize_t
sink_write(int fd, char *buf, size_t len, void *ctx)
{
  (void)fd;
  if (!stralloc_catb(ctx, buf, len))
    return -1;
  return (ssize_t)len;
}

/* Run netstring_get once over in[0..len) fed chunk bytes at a time. */
static int
get_once(const char *in, size_t len, size_t chunk, size_t max,
         stralloc *out)
{
  struct source src = { in, len, 0, chunk, 0 };
  char space[64];
  buffer b;

  buffer_init(&b, source_read, 0, &src, space, sizeof space);
  return netstring_get(&b, out, max);
}

static void
test_cat_encodes(void)
{
  stralloc sa = STRALLOC_ZERO;

  CHECK(netstring_cat(&sa, "hello", 5));
  CHECK_SA(sa, "5:hello,");
  CHECK(netstring_cat(&sa, "", 0));
  CHECK_SA(sa, "5:hello,0:,");
  sa.len = 0;
  CHECK(netstring_cat(&sa, "a\0b", 3));
  CHECK_MEM(sa.s, sa.len, "3:a\0b,", 6);
  sa.len = 0;
  {
    char big[1234];

    memset(big, 'x', sizeof big);
    CHECK(netstring_cat(&sa, big, sizeof big));
    CHECK(sa.len == 4 + 1 + 1234 + 1);
    CHECK_MEM(sa.s, 5, "1234:", 5);
    CHECK(sa.s[sa.len - 1] == ',');
  }
  stralloc_free(&sa);
}

static void
test_put_matches_cat(void)
{
  stralloc want = STRALLOC_ZERO, got = STRALLOC_ZERO;
  char space[16];
  buffer b;

  buffer_init(&b, sink_write, 1, &got, space, sizeof space);
  CHECK(netstring_put(&b, "hello", 5));
  CHECK(netstring_put(&b, "", 0));
  CHECK(netstring_put(&b, "a longer string than the buffer", 31));
  CHECK(buffer_flush(&b));
  CHECK(netstring_cat(&want, "hello", 5));
  CHECK(netstring_cat(&want, "", 0));
  CHECK(netstring_cat(&want, "a longer string than the buffer", 31));
  CHECK_MEM(got.s, got.len, want.s, want.len);
  stralloc_free(&want);
  stralloc_free(&got);
}

static void
test_parse_valid_and_partial(void)
{
  const char *data = 0;
  size_t dlen = 99, used = 99, i;
  const char *in = "5:hello,3:abc,";

  CHECK(netstring_parse(in, 14, 100, &data, &dlen, &used) == 1);
  CHECK(data == in + 2 && dlen == 5 && used == 8);
  CHECK(netstring_parse(in + 8, 6, 100, &data, &dlen, &used) == 1);
  CHECK_MEM(data, dlen, "abc", 3);
  CHECK(used == 6);
  CHECK(netstring_parse("0:,", 3, 0, &data, &dlen, &used) == 1);
  CHECK(dlen == 0 && used == 3);
  /* every proper prefix of a valid netstring asks for more */
  for (i = 0; i < 8; ++i) {
    dlen = 77;
    CHECK(netstring_parse(in, i, 100, &data, &dlen, &used) == 0);
    CHECK(dlen == 77);
  }
  /* the data may contain ':' and ',' */
  CHECK(netstring_parse("3:,:,,", 6, 100, &data, &dlen, &used) == 1);
  CHECK_MEM(data, dlen, ",:,", 3);
}

struct bad_case {
  const char *in;
  size_t max;
  int parse;                  /* what netstring_parse returns */
  int parse_errno;
  int get;                    /* what netstring_get returns at EOF */
  int get_errno;
};

static const struct bad_case bad_cases[] = {
  { "", 100, 0, 0, 0, 0 },
  { ":", 100, -1, EPROTO, -1, EPROTO },
  { ":,", 100, -1, EPROTO, -1, EPROTO },
  { "3:ab,", 100, 0, 0, -1, EPROTO },
  { "3:abc;", 100, -1, EPROTO, -1, EPROTO },
  { "3:abc", 100, 0, 0, -1, EPROTO },
  { "3", 100, 0, 0, -1, EPROTO },
  { "-1:", 100, -1, EPROTO, -1, EPROTO },
  { "+1:a,", 100, -1, EPROTO, -1, EPROTO },
  { " 1:a,", 100, -1, EPROTO, -1, EPROTO },
  { "1 :a,", 100, -1, EPROTO, -1, EPROTO },
  { "1:a ,", 100, -1, EPROTO, -1, EPROTO },
  { "a", 100, -1, EPROTO, -1, EPROTO },
  { "01:a,", 100, -1, EPROTO, -1, EPROTO },
  { "00:,", 100, -1, EPROTO, -1, EPROTO },
  { "0:x", 100, -1, EPROTO, -1, EPROTO },
  { "99999999999999999999999:", SIZE_MAX, -1, EPROTO, -1, EPROTO },
  /* overflow is seen before the ':' arrives */
  { "99999999999999999999999", SIZE_MAX, -1, EPROTO, -1, EPROTO },
  { "5:hello,", 4, -1, EMSGSIZE, -1, EMSGSIZE },
  { "5:", 4, -1, EMSGSIZE, -1, EMSGSIZE },
  { "5:hello,", 5, 1, 0, 1, 0 },
  { "10", 4, 0, 0, -1, EPROTO },
};

static void
test_malformed_forms(void)
{
  stralloc out = STRALLOC_ZERO;
  size_t i, chunk;

  for (i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; ++i) {
    const struct bad_case *c = &bad_cases[i];
    size_t len = strlen(c->in), dlen = 0, used = 0;
    const char *data = 0;
    int r;

    errno = 0;
    r = netstring_parse(c->in, len, c->max, &data, &dlen, &used);
    if (r != c->parse || (r == -1 && errno != c->parse_errno))
      printf("# parse \"%s\": got %d errno %d\n", c->in, r, errno);
    CHECK(r == c->parse);
    if (r == -1)
      CHECK(errno == c->parse_errno);
    for (chunk = 1; chunk <= 64; chunk *= 4) {
      errno = 0;
      r = get_once(c->in, len, chunk, c->max, &out);
      if (r != c->get || (r == -1 && errno != c->get_errno))
        printf("# get \"%s\" by %zu: got %d errno %d\n", c->in, chunk, r,
               errno);
      CHECK(r == c->get);
      if (r == -1)
        CHECK(errno == c->get_errno);
    }
  }
  stralloc_free(&out);
}

static void
test_length_limits(void)
{
  char num[FMT_ULONG + 2];
  size_t n = fmt_ulong(num, (unsigned long)SIZE_MAX);
  const char *data;
  size_t dlen, used;

  /* SIZE_MAX itself fits in size_t but no netstring that long fits in
   * memory: too long, not malformed */
  num[n] = ':';
  errno = 0;
  CHECK(netstring_parse(num, n + 1, SIZE_MAX, &data, &dlen, &used) == -1);
  CHECK(errno == EMSGSIZE);
  /* one more digit overflows: malformed */
  num[n] = '0';
  num[n + 1] = ':';
  errno = 0;
  CHECK(netstring_parse(num, n + 2, SIZE_MAX, &data, &dlen, &used) == -1);
  CHECK(errno == EPROTO);
}

static void
test_get_stream_bytewise(void)
{
  const char *in = "5:hello,0:,3:a\0b,11:hello world,";
  size_t len = 8 + 3 + 6 + 15;
  struct source src = { in, len, 0, 1, 0 };
  stralloc out = STRALLOC_ZERO;
  char space[8];
  buffer b;

  buffer_init(&b, source_read, 0, &src, space, sizeof space);
  CHECK(netstring_get(&b, &out, 100) == 1);
  CHECK_SA(out, "hello");
  CHECK(netstring_get(&b, &out, 100) == 1);
  CHECK(out.len == 0);
  CHECK(netstring_get(&b, &out, 100) == 1);
  CHECK_MEM(out.s, out.len, "a\0b", 3);
  CHECK(netstring_get(&b, &out, 100) == 1);
  CHECK_SA(out, "hello world");
  CHECK(netstring_get(&b, &out, 100) == 0);
  CHECK(netstring_get(&b, &out, 100) == 0);
  stralloc_free(&out);
}

static void
test_get_leaves_rest_in_buffer(void)
{
  const char *in = "3:abc,trailing";
  struct source src = { in, 14, 0, 0, 0 };
  stralloc out = STRALLOC_ZERO;
  char space[64];
  buffer b;

  buffer_init(&b, source_read, 0, &src, space, sizeof space);
  CHECK(netstring_get(&b, &out, 100) == 1);
  CHECK_SA(out, "abc");
  CHECK(buffer_unread(&b) == 8);
  CHECK_MEM(buffer_peek(&b), 8, "trailing", 8);
  stralloc_free(&out);
}

static void
test_get_read_errors(void)
{
  const char *in = "10:0123456789,";
  stralloc out = STRALLOC_ZERO;
  size_t at;

  for (at = 1; at < 14; ++at) {
    struct source src = { in, 14, 0, 1, at };
    char space[4];
    buffer b;

    buffer_init(&b, source_read, 0, &src, space, sizeof space);
    errno = 0;
    CHECK(netstring_get(&b, &out, 100) == -1);
    CHECK(errno == EIO);
  }
  {
    struct source src = { in, 14, 0, 1, 0 };
    char space[4];
    buffer b;

    src.fail_at = 14;
    buffer_init(&b, source_read, 0, &src, space, sizeof space);
    CHECK(netstring_get(&b, &out, 100) == 1);
    CHECK_SA(out, "0123456789");
    CHECK(netstring_get(&b, &out, 100) == -1);
    CHECK(errno == EIO);
  }
  stralloc_free(&out);
}

static void
test_get_no_allocation_ahead(void)
{
  /* a peer announcing a large netstring and sending little must not
   * make us allocate what it announced */
  const char *in = "1000000:tiny";
  stralloc out = STRALLOC_ZERO;

  errno = 0;
  CHECK(get_once(in, strlen(in), 1, 2000000, &out) == -1);
  CHECK(errno == EPROTO);
  CHECK(out.a < 1000);
  stralloc_free(&out);
}

static void
test_round_trips(void)
{
  stralloc enc = STRALLOC_ZERO, out = STRALLOC_ZERO;
  char data[600];
  int i;

  for (i = 0; i < 300; ++i) {
    size_t len = unit_rand() % sizeof data, dlen, used;
    const char *got;

    unit_rand_fill(data, len, 0);
    enc.len = 0;
    CHECK(netstring_cat(&enc, data, len));
    CHECK(stralloc_cats(&enc, "9:"));       /* the start of another */
    CHECK(netstring_parse(enc.s, enc.len, len, &got, &dlen, &used) == 1);
    CHECK_MEM(got, dlen, data, len);
    CHECK(used == enc.len - 2);
    if (len) {
      errno = 0;
      CHECK(netstring_parse(enc.s, enc.len, len - 1, &got, &dlen, &used)
            == -1);
      CHECK(errno == EMSGSIZE);
    }
    CHECK(get_once(enc.s, enc.len, 1 + unit_rand() % 7, len, &out) == 1);
    CHECK_MEM(out.s, out.len, data, len);
  }
  stralloc_free(&enc);
  stralloc_free(&out);
}

/* Random short strings over the netstring alphabet: the parser and the
 * reader must agree, and whatever is accepted must be canonical. */
static void
test_random_garbage(void)
{
  stralloc out = STRALLOC_ZERO, canon = STRALLOC_ZERO;
  char in[24];
  int i, accepted = 0, rejected = 0, partial = 0;

  for (i = 0; i < 30000; ++i) {
    size_t len = unit_rand() % sizeof in, dlen = 0, used = 0;
    size_t max = unit_rand() % 12;
    const char *data = 0;
    int p, g, perr;

    unit_rand_fill(in, len, (i & 1) ? "0123456789:,ab" : "0123:,");
    errno = 0;
    p = netstring_parse(in, len, max, &data, &dlen, &used);
    perr = errno;
    CHECK(p == 1 || p == 0 || p == -1);
    if (p == -1)
      CHECK(perr == EPROTO || perr == EMSGSIZE);
    errno = 0;
    g = get_once(in, len, 1 + unit_rand() % 5, max, &out);
    if (p == 1) {
      ++accepted;
      CHECK(g == 1);
      CHECK(dlen <= max);
      CHECK_MEM(out.s, out.len, data, dlen);
      canon.len = 0;
      CHECK(netstring_cat(&canon, data, dlen));
      CHECK_MEM(in, used, canon.s, canon.len);
    } else if (p == -1) {
      ++rejected;
      CHECK(g == -1 && errno == perr);
    } else {
      ++partial;
      CHECK(g == (len ? -1 : 0));
      if (len)
        CHECK(errno == EPROTO);
    }
  }
  /* the loop must really have exercised all three outcomes */
  CHECK(accepted > 100 && rejected > 100 && partial > 100);
  stralloc_free(&out);
  stralloc_free(&canon);
}

int
main(void)
{
  RUN(test_cat_encodes);
  RUN(test_put_matches_cat);
  RUN(test_parse_valid_and_partial);
  RUN(test_malformed_forms);
  RUN(test_length_limits);
  RUN(test_get_stream_bytewise);
  RUN(test_get_leaves_rest_in_buffer);
  RUN(test_get_read_errors);
  RUN(test_get_no_allocation_ahead);
  RUN(test_round_trips);
  RUN(test_random_garbage);
  return unit_done();
}
