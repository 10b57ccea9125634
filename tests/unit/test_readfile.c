/* Unit tests for readfile. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"
#include "unit.h"

static char dir[] = "/tmp/readfile-test.XXXXXX";

static void
write_file(const char *name, const char *data, size_t len)
{
  int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  CHECK(fd != -1);
  CHECK(write(fd, data, len) == (ssize_t)len);
  close(fd);
}

static void
test_small_and_empty(void)
{
  stralloc sa = STRALLOC_ZERO;

  write_file("small", "a\0b\n", 4);
  CHECK(readfile("small", &sa));
  CHECK_MEM(sa.s, sa.len, "a\0b\n", 4);
  write_file("empty", "", 0);
  CHECK(readfile("empty", &sa));
  CHECK(sa.len == 0);
  stralloc_free(&sa);
}

static void
test_large_replaces(void)
{
  stralloc sa = STRALLOC_ZERO;
  char *big = malloc(100000);
  size_t i;

  for (i = 0; i < 100000; ++i)
    big[i] = (char)(i * 7);
  write_file("big", big, 100000);
  CHECK(stralloc_copys(&sa, "old contents"));
  CHECK(readfile("big", &sa));
  CHECK_MEM(sa.s, sa.len, big, 100000);
  free(big);
  stralloc_free(&sa);
}

static void
test_errors(void)
{
  stralloc sa = STRALLOC_ZERO;

  errno = 0;
  CHECK(!readfile("missing", &sa));
  CHECK(errno == ENOENT);
  mkdir("adir", 0700);
  CHECK(!readfile("adir", &sa));
  CHECK(errno == EISDIR);
  stralloc_free(&sa);
}

int
main(void)
{
  CHECK(mkdtemp(dir) != 0);
  CHECK(chdir(dir) == 0);
  RUN(test_small_and_empty);
  RUN(test_large_replaces);
  RUN(test_errors);
  unlink("small"); unlink("empty"); unlink("big"); rmdir("adir");
  chdir("/");
  rmdir(dir);
  return unit_done();
}
