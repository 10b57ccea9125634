/* Unit tests for env: env_get, and the builder's vector after copies,
 * puts, sets and unsets, against a model over random operations. */
#include <errno.h>
#include <stdlib.h>

#include "env.h"
#include "unit.h"

/* Check that the built vector is exactly want (null-terminated). */
static void
check_vector(envbuild *eb, const char *const *want)
{
  char **vec = env_build(eb);
  size_t i;

  CHECK(vec != 0);
  if (!vec)
    return;
  for (i = 0; want[i]; ++i) {
    CHECK(vec[i] != 0);
    if (!vec[i])
      return;
    CHECK_STR(vec[i], want[i]);
  }
  CHECK(vec[i] == 0);
  CHECK(env_count(eb) == i);
}

static void
test_get(void)
{
  const char *v;

  CHECK(setenv("QTEST_AB", "long", 1) == 0);
  CHECK(setenv("QTEST_A", "one=two", 1) == 0);
  v = env_get("QTEST_A");
  CHECK(v != 0);
  if (v)
    CHECK_STR(v, "one=two");
  v = env_get("QTEST_AB");
  CHECK(v != 0);
  if (v)
    CHECK_STR(v, "long");
  CHECK(env_get("QTEST_") == 0);
  CHECK(env_get("QTEST_A=") == 0);
  CHECK(env_get("QTEST_A=one") == 0);
  CHECK(env_get("") == 0);
  CHECK(unsetenv("QTEST_A") == 0);
  CHECK(env_get("QTEST_A") == 0);
  CHECK(env_get("QTEST_AB") != 0);
  CHECK(setenv("QTEST_EMPTY", "", 1) == 0);
  v = env_get("QTEST_EMPTY");
  CHECK(v != 0 && *v == 0);
}

static void
test_copy_cleans_input(void)
{
  char *input[] = { "A=1", "B=2", "junk", "=x", "A=3", "C=", "B=4", 0 };
  const char *want[] = { "A=1", "B=2", "C=", 0 };
  const char *none[] = { 0 };
  envbuild eb = ENVBUILD_ZERO;

  check_vector(&eb, none);
  CHECK(env_copy(&eb, input));
  check_vector(&eb, want);
  /* copying onto a filled builder replaces, and its own vector works */
  CHECK(env_copy(&eb, env_build(&eb)));
  check_vector(&eb, want);
  CHECK(env_copy(&eb, 0));
  check_vector(&eb, none);
  env_free(&eb);
  CHECK(eb.vec == 0 && eb.entries.s == 0 && eb.count == 0);
}

static void
test_put_set_unset(void)
{
  char *input[] = { "PATH=/bin", "HOME=/root", "USER=root", 0 };
  const char *after_edit[] = { "PATH=/bin", "HOME=/home/joe", "USER=root",
                               "SENDER=a@b=c", "EXT=", 0 };
  const char *after_unset[] = { "HOME=/home/joe", "SENDER=a@b=c", "EXT=",
                                0 };
  const char *after_clear[] = { "NEW=1", 0 };
  envbuild eb = ENVBUILD_ZERO;
  const char *v;

  CHECK(env_copy(&eb, input));
  CHECK(env_put(&eb, "HOME=/home/joe"));
  CHECK(env_put(&eb, "SENDER=a@b=c"));
  CHECK(env_set(&eb, "EXT", ""));
  check_vector(&eb, after_edit);
  v = env_find(&eb, "SENDER");
  CHECK(v != 0);
  if (v)
    CHECK_STR(v, "a@b=c");
  CHECK(env_find(&eb, "SEND") == 0);
  CHECK(env_find(&eb, "NOPE") == 0);

  CHECK(env_unset(&eb, "PATH"));
  CHECK(env_unset(&eb, "USER"));
  CHECK(env_unset(&eb, "NOT_THERE"));
  check_vector(&eb, after_unset);

  errno = 0;
  CHECK(!env_put(&eb, "NOEQUALS") && errno == EINVAL);
  errno = 0;
  CHECK(!env_put(&eb, "=value") && errno == EINVAL);
  errno = 0;
  CHECK(!env_set(&eb, "A=B", "c") && errno == EINVAL);
  errno = 0;
  CHECK(!env_set(&eb, "", "c") && errno == EINVAL);
  errno = 0;
  CHECK(!env_unset(&eb, "") && errno == EINVAL);
  check_vector(&eb, after_unset);

  env_clear(&eb);
  CHECK(env_count(&eb) == 0);
  CHECK(env_find(&eb, "HOME") == 0);
  CHECK(env_put(&eb, "NEW=1"));
  check_vector(&eb, after_clear);
  env_free(&eb);
}

/* A value taken from the builder itself may be stored back into it. */
static void
test_value_from_itself(void)
{
  const char *want[] = { "A=abcdefghijklmnopqrstuvwxyz", "B=xyz",
                         "C=abcdefghijklmnopqrstuvwxyz", 0 };
  envbuild eb = ENVBUILD_ZERO;

  CHECK(env_set(&eb, "A", "abcdefghijklmnopqrstuvwxyz"));
  CHECK(env_set(&eb, "B", "xyz"));
  CHECK(env_set(&eb, "C", env_find(&eb, "A")));
  check_vector(&eb, want);
  CHECK(env_set(&eb, "A", env_find(&eb, "A")));
  check_vector(&eb, want);
  env_free(&eb);
}

static void
test_init_copies_environ(void)
{
  envbuild eb = ENVBUILD_ZERO;
  const char *v;

  CHECK(setenv("QTEST_INIT", "present", 1) == 0);
  CHECK(setenv("QTEST_KEEP", "kept", 1) == 0);
  CHECK(env_init(&eb));
  CHECK(env_find(&eb, "QTEST_KEEP") != 0);
  v = env_find(&eb, "QTEST_INIT");
  CHECK(v != 0);
  if (v)
    CHECK_STR(v, "present");
  /* editing the copy leaves the process environment alone */
  CHECK(env_set(&eb, "QTEST_INIT", "changed"));
  CHECK(env_unset(&eb, "QTEST_KEEP"));
  CHECK(env_find(&eb, "QTEST_KEEP") == 0);
  v = env_get("QTEST_INIT");
  CHECK(v != 0);
  if (v)
    CHECK_STR(v, "present");
  CHECK(env_get("QTEST_KEEP") != 0);
  env_free(&eb);
}

/* Any number of puts to the same names keeps the memory bounded. */
static void
test_repeated_puts_do_not_grow(void)
{
  envbuild eb = ENVBUILD_ZERO;
  char assignment[128];
  size_t biggest = 0;
  int i, failed = 0;

  for (i = 0; i < 20000; ++i) {
    size_t len = 2 + unit_rand() % 100;
    char **vec;

    assignment[0] = (char)('A' + i % 3);
    assignment[1] = '=';
    unit_rand_fill(assignment + 2, len - 2, "abcdefghij=/ ");
    assignment[len] = 0;
    if (!env_put(&eb, assignment))
      ++failed;
    vec = env_build(&eb);
    if (!vec || (i >= 2 && (env_count(&eb) != 3 || !vec[2] || vec[3])))
      ++failed;
    if (i == 100)
      biggest = eb.entries.a;
  }
  CHECK(failed == 0);
  CHECK(env_count(&eb) == 3);
  /* three entries of at most 102 bytes each fit in what 100 rounds of
   * the same puts needed */
  CHECK(eb.entries.len <= 3 * 102);
  CHECK(eb.entries.a <= biggest + 3 * 102);
  CHECK(eb.veca == 4);
  env_free(&eb);
}

/* Random operations on a handful of names that prefix each other,
 * checked against a plain array model. */
#define MODEL_NAMES 6
static const char *const model_names[MODEL_NAMES] = {
  "A", "AB", "ABC", "B", "PATH", "A_B"
};

static void
test_random_against_model(void)
{
  envbuild eb = ENVBUILD_ZERO;
  char values[MODEL_NAMES][24];
  int present[MODEL_NAMES] = { 0 };
  int i, k, mismatches = 0;

  for (i = 0; i < 20000; ++i) {
    unsigned int op = unit_rand() % 10;
    unsigned int which = unit_rand() % MODEL_NAMES;
    size_t vlen = unit_rand() % sizeof values[0];
    char value[sizeof values[0]];
    char assignment[64];
    size_t count = 0;
    char **vec;

    unit_rand_fill(value, vlen, "xyz=AB_ \t");
    value[vlen < sizeof value ? vlen : sizeof value - 1] = 0;
    if (op < 4) {
      if (!env_set(&eb, model_names[which], value))
        ++mismatches;
      strcpy(values[which], value);
      present[which] = 1;
    } else if (op < 7) {
      strcpy(assignment, model_names[which]);
      strcat(assignment, "=");
      strcat(assignment, value);
      if (!env_put(&eb, assignment))
        ++mismatches;
      strcpy(values[which], value);
      present[which] = 1;
    } else if (op < 9) {
      if (!env_unset(&eb, model_names[which]))
        ++mismatches;
      present[which] = 0;
    } else if (unit_rand() % 20 == 0) {
      env_clear(&eb);
      memset(present, 0, sizeof present);
    }

    for (k = 0; k < MODEL_NAMES; ++k) {
      const char *got = env_find(&eb, model_names[k]);

      if (present[k] != (got != 0) || (got && strcmp(got, values[k])))
        ++mismatches;
      count += (size_t)present[k];
    }
    vec = env_build(&eb);
    if (!vec || env_count(&eb) != count || vec[count])
      ++mismatches;
  }
  CHECK(mismatches == 0);
  env_free(&eb);
}

int
main(void)
{
  RUN(test_get);
  RUN(test_copy_cleans_input);
  RUN(test_put_set_unset);
  RUN(test_value_from_itself);
  RUN(test_init_copies_environ);
  RUN(test_repeated_puts_do_not_grow);
  RUN(test_random_against_model);
  return unit_done();
}
