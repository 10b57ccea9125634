/* unit.h -- a minimal TAP test harness for the C unit tests.
 *
 * A test file defines cases as void functions and runs them from main:
 *
 *     static void test_copy(void) { CHECK(x == 1); CHECK_STR(s, "a"); }
 *     int main(void) { RUN(test_copy); return unit_done(); }
 *
 * Each case prints "ok N - name" or "not ok N - name" with the failed
 * checks as "#" comments before it; unit_done() prints the plan "1..N"
 * and returns non-zero when any case failed.  tests/run.sh counts the
 * lines and checks them against the plan: a test that returns (or
 * crashes) before unit_done() has no plan line and fails the run.
 */
#ifndef UNIT_H
#define UNIT_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int unit_case_failed;
static int unit_cases;
static int unit_failed_cases;

static __attribute__((unused)) void
unit_check(int ok, const char *what, const char *file, int line)
{
  if (ok)
    return;
  unit_case_failed = 1;
  printf("# %s:%d: check failed: %s\n", file, line, what);
}

static __attribute__((unused)) void
unit_check_mem(const char *got, size_t gotlen, const char *want,
               size_t wantlen, const char *what, const char *file, int line)
{
  if (gotlen == wantlen && (!gotlen || memcmp(got, want, gotlen) == 0))
    return;
  unit_case_failed = 1;
  printf("# %s:%d: %s: got \"%.*s\" (%zu bytes), want \"%.*s\" (%zu bytes)\n",
         file, line, what, (int)(gotlen > 200 ? 200 : gotlen), got ? got : "",
         gotlen, (int)(wantlen > 200 ? 200 : wantlen), want, wantlen);
}

static __attribute__((unused)) void
unit_run(const char *name, void (*fn)(void))
{
  unit_case_failed = 0;
  fn();
  ++unit_cases;
  if (unit_case_failed)
    ++unit_failed_cases;
  printf("%s %d - %s\n", unit_case_failed ? "not ok" : "ok", unit_cases, name);
  fflush(stdout);
}

static __attribute__((unused)) int
unit_done(void)
{
  printf("1..%d\n", unit_cases);
  return unit_failed_cases ? 1 : 0;
}

/* Deterministic pseudo-random numbers for hostile-input loops, so that
 * a failure reproduces on every run. */
static uint32_t unit_rand_state = 2463534242u;

static __attribute__((unused)) uint32_t
unit_rand(void)
{
  uint32_t x = unit_rand_state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return unit_rand_state = x;
}

/* Fill buf with len random bytes drawn from alphabet (or any byte). */
static __attribute__((unused)) void
unit_rand_fill(char *buf, size_t len, const char *alphabet)
{
  size_t i, n = alphabet ? strlen(alphabet) : 0;

  for (i = 0; i < len; ++i)
    buf[i] = n ? alphabet[unit_rand() % n] : (char)(unit_rand() & 0xff);
}

#define CHECK(cond) unit_check(!!(cond), #cond, __FILE__, __LINE__)
#define CHECK_MEM(got, gotlen, want, wantlen) \
  unit_check_mem((got), (gotlen), (want), (wantlen), #got, __FILE__, __LINE__)
#define CHECK_STR(got, want) \
  unit_check_mem((got), strlen(got), (want), strlen(want), #got, __FILE__, __LINE__)
#define CHECK_SA(sa, want) \
  unit_check_mem((sa).s, (sa).len, (want), strlen(want), #sa, __FILE__, __LINE__)
#define RUN(fn) unit_run(#fn, fn)

/* Remove the directory tree dir (a test's scratch space), without
 * following symbolic links; 1 on success. */
static __attribute__((unused)) int
unit_rmtree(const char *dir)
{
  struct stat st;
  struct dirent *d;
  DIR *list;
  char sub[4096];
  int ok = 1;

  if (lstat(dir, &st) == -1)
    return 0;
  if (!S_ISDIR(st.st_mode))
    return unlink(dir) == 0;
  list = opendir(dir);
  if (!list)
    return 0;
  while ((d = readdir(list))) {
    if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, ".."))
      continue;
    if (snprintf(sub, sizeof sub, "%s/%s", dir, d->d_name) >= (int)sizeof sub
        || !unit_rmtree(sub))
      ok = 0;
  }
  closedir(list);
  return rmdir(dir) == 0 && ok;
}

#endif
