/* Unit tests for open: flags and modes of each open_ form, EEXIST from
 * open_excl, no close-on-exec, and the fsync helpers. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "open.h"
#include "stralloc.h"
#include "unit.h"

static char dir[] = "/tmp/test_open.XXXXXX";
static stralloc paths[4];
static unsigned int next_path;

/* dir/name as a C string in sa. */
static const char *
path_in(stralloc *sa, const char *name)
{
  sa->len = 0;
  if (!stralloc_cats(sa, dir) || !stralloc_append(sa, '/') ||
      !stralloc_cats(sa, name) || !stralloc_0(sa)) {
    printf("# out of memory\n");
    exit(1);
  }
  return sa->s;
}

/* The same in scratch space that lasts for the next three calls, so
 * one call may take two; a path kept longer gets its own stralloc. */
static const char *
in_dir(const char *name)
{
  return path_in(&paths[next_path++ % 4], name);
}

/* The whole content of path into sa. */
static int
content(const char *path, stralloc *sa)
{
  char chunk[512];
  int fd = open_read(path);
  ssize_t r;

  sa->len = 0;
  if (fd == -1)
    return 0;
  while ((r = read(fd, chunk, sizeof chunk)) > 0)
    if (!stralloc_catb(sa, chunk, (size_t)r))
      break;
  close(fd);
  return r == 0;
}

static mode_t
mode_of(const char *path)
{
  struct stat st;

  return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static int
access_mode(int fd)
{
  return fcntl(fd, F_GETFL) & O_ACCMODE;
}

static int
no_cloexec(int fd)
{
  int flags = fcntl(fd, F_GETFD);

  return flags != -1 && !(flags & FD_CLOEXEC);
}

static void
test_excl(void)
{
  stralloc keep = STRALLOC_ZERO;
  const char *p = path_in(&keep, "excl");
  int fd;

  fd = open_excl(p, 0640);
  CHECK(fd != -1);
  CHECK(access_mode(fd) == O_WRONLY);
  CHECK(no_cloexec(fd));
  CHECK(write(fd, "one", 3) == 3);
  close(fd);
  CHECK(mode_of(p) == 0640);
  errno = 0;
  CHECK(open_excl(p, 0600) == -1 && errno == EEXIST);
  /* a dangling symlink counts as existing: nothing is created */
  CHECK(symlink(in_dir("nowhere"), in_dir("dangling")) == 0);
  errno = 0;
  CHECK(open_excl(in_dir("dangling"), 0600) == -1 && errno == EEXIST);
  CHECK(access(in_dir("nowhere"), F_OK) == -1);
  errno = 0;
  CHECK(open_excl(in_dir("no/such/dir"), 0600) == -1 && errno == ENOENT);
  stralloc_free(&keep);
}

static void
test_trunc_append_write_read(void)
{
  stralloc sa = STRALLOC_ZERO, keep = STRALLOC_ZERO;
  const char *p = path_in(&keep, "file");
  int fd;

  fd = open_trunc(p);
  CHECK(fd != -1 && access_mode(fd) == O_WRONLY && no_cloexec(fd));
  CHECK(write(fd, "hello world", 11) == 11);
  close(fd);
  CHECK(mode_of(p) == 0644);
  CHECK(content(p, &sa));
  CHECK_SA(sa, "hello world");

  /* open_write neither creates nor truncates */
  fd = open_write(p);
  CHECK(fd != -1 && access_mode(fd) == O_WRONLY && no_cloexec(fd));
  CHECK(write(fd, "J", 1) == 1);
  close(fd);
  CHECK(content(p, &sa));
  CHECK_SA(sa, "Jello world");
  errno = 0;
  CHECK(open_write(in_dir("absent")) == -1 && errno == ENOENT);
  CHECK(access(in_dir("absent"), F_OK) == -1);

  /* open_append writes at the end even after a seek */
  fd = open_append(p);
  CHECK(fd != -1 && access_mode(fd) == O_WRONLY && no_cloexec(fd));
  CHECK(lseek(fd, 0, SEEK_SET) == 0);
  CHECK(write(fd, "!", 1) == 1);
  close(fd);
  CHECK(content(p, &sa));
  CHECK_SA(sa, "Jello world!");
  fd = open_append(in_dir("mbox"));
  CHECK(fd != -1);
  close(fd);
  CHECK(mode_of(in_dir("mbox")) == 0600);

  /* open_trunc empties an existing file */
  fd = open_trunc(p);
  CHECK(fd != -1);
  close(fd);
  CHECK(content(p, &sa));
  CHECK(sa.len == 0);

  fd = open_read(p);
  CHECK(fd != -1 && access_mode(fd) == O_RDONLY && no_cloexec(fd));
  close(fd);
  errno = 0;
  CHECK(open_read(in_dir("absent")) == -1 && errno == ENOENT);
  stralloc_free(&sa);
  stralloc_free(&keep);
}

/* Random contents written and read back through the open_ forms. */
static void
test_random_contents(void)
{
  stralloc sa = STRALLOC_ZERO;
  char data[4096];
  int i, mismatches = 0;

  for (i = 0; i < 50; ++i) {
    size_t len = unit_rand() % sizeof data, half = len / 2;
    int fd = open_trunc(in_dir("random"));

    unit_rand_fill(data, len, 0);
    if (fd == -1 || write(fd, data, half) != (ssize_t)half)
      ++mismatches;
    if (fd != -1 && !file_fsync_close(fd))
      ++mismatches;
    fd = open_append(in_dir("random"));
    if (fd == -1 || write(fd, data + half, len - half) != (ssize_t)(len - half))
      ++mismatches;
    if (fd != -1)
      close(fd);
    if (!content(in_dir("random"), &sa) || sa.len != len ||
        memcmp(sa.s, data, len))
      ++mismatches;
  }
  CHECK(mismatches == 0);
  stralloc_free(&sa);
}

static void
test_fsync(void)
{
  int fd;

  CHECK(fsync_dir(dir));
  CHECK(fsync_dir("/tmp"));
  errno = 0;
  CHECK(!fsync_dir(in_dir("absent")) && errno == ENOENT);
  errno = 0;
  CHECK(!fsync_dir(in_dir("file")) && errno == ENOTDIR);

  fd = open_trunc(in_dir("synced"));
  CHECK(fd != -1);
  CHECK(write(fd, "data", 4) == 4);
  CHECK(file_fsync_close(fd));
  /* the descriptor is gone */
  errno = 0;
  CHECK(fcntl(fd, F_GETFD) == -1 && errno == EBADF);
  errno = 0;
  CHECK(!file_fsync_close(fd) && errno == EBADF);
  /* a pipe cannot be synced: the failure is reported, the fd closed */
  {
    int p[2];

    CHECK(pipe(p) == 0);
    errno = 0;
    CHECK(!file_fsync_close(p[1]) && errno == EINVAL);
    CHECK(fcntl(p[1], F_GETFD) == -1);
    close(p[0]);
  }
}

/* Remove everything the cases created, then the directory. */
static void
cleanup(void)
{
  static const char *const names[] = {
    "excl", "dangling", "nowhere", "file", "mbox", "random", "synced", 0
  };
  size_t i;

  for (i = 0; names[i]; ++i)
    unlink(in_dir(names[i]));
  rmdir(dir);
  for (i = 0; i < 4; ++i)
    stralloc_free(&paths[i]);
}

int
main(void)
{
  int ok;

  umask(022);
  if (!mkdtemp(dir)) {
    printf("not ok 1 - mkdtemp %s\n", dir);
    return 1;
  }
  RUN(test_excl);
  RUN(test_trunc_append_write_read);
  RUN(test_random_contents);
  RUN(test_fsync);
  ok = unit_done();
  cleanup();
  return ok;
}
