/* Unit tests for buffer: reading and writing through plain fds and
 * through a custom operation, the way TLS will sit underneath. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "buffer.h"
#include "stralloc.h"
#include "unit.h"

/* A memory-backed operation that moves at most `chunk` bytes per call
 * and can be told to fail, standing in for a TLS engine. */
struct memio {
  stralloc data;
  size_t pos;
  size_t chunk;
  int fail_after;   /* calls before failing with EIO; -1 never */
  int calls;
};

static ssize_t
mem_read(int fd, char *buf, size_t len, void *ctx)
{
  struct memio *m = ctx;
  size_t n;

  (void)fd;
  if (m->fail_after >= 0 && m->calls++ >= m->fail_after) {
    errno = EIO;
    return -1;
  }
  n = m->data.len - m->pos;
  if (n > len) n = len;
  if (n > m->chunk) n = m->chunk;
  memcpy(buf, m->data.s + m->pos, n);
  m->pos += n;
  return (ssize_t)n;
}

static ssize_t
mem_write(int fd, char *buf, size_t len, void *ctx)
{
  struct memio *m = ctx;
  size_t n = len < m->chunk ? len : m->chunk;

  (void)fd;
  if (m->fail_after >= 0 && m->calls++ >= m->fail_after) {
    errno = EIO;
    return -1;
  }
  if (!stralloc_catb(&m->data, buf, n))
    return -1;
  return (ssize_t)n;
}

static void
test_getline_byte_at_a_time(void)
{
  struct memio m = { STRALLOC_ZERO, 0, 1, -1, 0 };
  char space[4];
  buffer b;
  stralloc line = STRALLOC_ZERO;

  stralloc_copys(&m.data, "HELO there\r\nMAIL FROM:<a@b>\r\nlast");
  buffer_init(&b, mem_read, -1, &m, space, sizeof space);
  CHECK(buffer_getline(&b, &line, '\n') == 1);
  CHECK_SA(line, "HELO there\r\n");
  line.len = 0;
  CHECK(buffer_getline(&b, &line, '\n') == 1);
  CHECK_SA(line, "MAIL FROM:<a@b>\r\n");
  line.len = 0;
  CHECK(buffer_getline(&b, &line, '\n') == 0);
  CHECK_SA(line, "last");
  line.len = 0;
  CHECK(buffer_getline(&b, &line, '\n') == 0);
  CHECK(line.len == 0);
  stralloc_free(&line);
  stralloc_free(&m.data);
}

static void
test_get_and_peek(void)
{
  struct memio m = { STRALLOC_ZERO, 0, 3, -1, 0 };
  char space[16], out[64];
  buffer b;
  ssize_t r;

  stralloc_copys(&m.data, "abcdefghij");
  buffer_init(&b, mem_read, -1, &m, space, sizeof space);
  CHECK(buffer_feed(&b) == 3);
  CHECK_MEM(buffer_peek(&b), 3, "abc", 3);
  buffer_seek(&b, 2);
  CHECK(buffer_unread(&b) == 1);
  r = buffer_get(&b, out, sizeof out);
  CHECK(r == 1 && out[0] == 'c');
  /* a large read on an empty buffer goes straight to the operation */
  r = buffer_get(&b, out, sizeof out);
  CHECK(r == 3);
  CHECK_MEM(out, (size_t)r, "def", 3);
  CHECK(buffer_get(&b, out, 0) == 0);
  stralloc_free(&m.data);
}

static void
test_read_error_reported(void)
{
  struct memio m = { STRALLOC_ZERO, 0, 100, 1, 0 };
  char space[8];
  buffer b;
  stralloc line = STRALLOC_ZERO;

  stralloc_copys(&m.data, "partial line without end");
  buffer_init(&b, mem_read, -1, &m, space, sizeof space);
  errno = 0;
  CHECK(buffer_getline(&b, &line, '\n') == -1);
  CHECK(errno == EIO);
  CHECK_SA(line, "partial ");
  stralloc_free(&line);
  stralloc_free(&m.data);
}

static void
test_put_short_writes(void)
{
  struct memio m = { STRALLOC_ZERO, 0, 2, -1, 0 };
  char space[5];
  buffer b;

  buffer_init(&b, mem_write, -1, &m, space, sizeof space);
  CHECK(buffer_puts(&b, "250 "));
  CHECK(m.data.len == 0);               /* still buffered */
  CHECK(buffer_puts(&b, "ok"));         /* overflows: flush first */
  CHECK(buffer_puts(&b, " a long tail that exceeds the space"));
  CHECK(buffer_putsflush(&b, "\r\n"));
  CHECK_SA(m.data, "250 ok a long tail that exceeds the space\r\n");
  stralloc_free(&m.data);
}

static void
test_write_error_reported(void)
{
  struct memio m = { STRALLOC_ZERO, 0, 100, 0, 0 };
  char space[8];
  buffer b;

  buffer_init(&b, mem_write, -1, &m, space, sizeof space);
  CHECK(buffer_puts(&b, "abc"));
  errno = 0;
  CHECK(!buffer_flush(&b));
  CHECK(errno == EIO);
  stralloc_free(&m.data);
}

static void
test_fd_round_trip(void)
{
  int fds[2];
  char inspace[7], outspace[5];
  buffer in, out;
  stralloc all = STRALLOC_ZERO, line = STRALLOC_ZERO;
  int i, r;

  CHECK(pipe(fds) == 0);
  buffer_init(&out, buffer_unixwrite, fds[1], 0, outspace, sizeof outspace);
  for (i = 0; i < 100; ++i) {
    CHECK(buffer_puts(&out, "line "));
    CHECK(buffer_put(&out, "0123456789" + i % 10, 1));
    CHECK(buffer_puts(&out, "\n"));
  }
  CHECK(buffer_flush(&out));
  close(fds[1]);
  buffer_init(&in, buffer_unixread, fds[0], 0, inspace, sizeof inspace);
  i = 0;
  while ((r = buffer_getline(&in, &line, '\n')) == 1) {
    stralloc_cat(&all, &line);
    line.len = 0;
    ++i;
  }
  CHECK(r == 0);
  CHECK(i == 100);
  CHECK(all.len == 700);
  CHECK_MEM(all.s + 693, 7, "line 9\n", 7);
  close(fds[0]);
  stralloc_free(&all);
  stralloc_free(&line);
}

static void
test_random_chunking(void)
{
  /* whatever the operation's chunk size and the buffer size, the bytes
   * that come out are the bytes that went in */
  int round;

  for (round = 0; round < 300; ++round) {
    struct memio m = { STRALLOC_ZERO, 0, 1 + unit_rand() % 17, -1, 0 };
    char space[32], data[500];
    size_t len = unit_rand() % sizeof data, size = 1 + unit_rand() % sizeof space;
    buffer b;
    stralloc got = STRALLOC_ZERO;
    int r;

    unit_rand_fill(data, len, 0);
    stralloc_copyb(&m.data, data, len);
    buffer_init(&b, mem_read, -1, &m, space, size);
    while ((r = buffer_getline(&b, &got, (char)(unit_rand() & 0xff))) == 1)
      ;
    CHECK(r == 0);
    CHECK_MEM(got.s, got.len, data, len);
    stralloc_free(&got);
    stralloc_free(&m.data);
  }
}

int
main(void)
{
  RUN(test_getline_byte_at_a_time);
  RUN(test_get_and_peek);
  RUN(test_read_error_reported);
  RUN(test_put_short_writes);
  RUN(test_write_error_reported);
  RUN(test_fd_round_trip);
  RUN(test_random_chunking);
  return unit_done();
}
