/* Unit tests for localroute: qmail-send's routing of recipients
 * (envnoathost, percenthack, locals, virtualdomains in qmail's order),
 * the defaults from control/me, and a failed reread that keeps the old
 * values.  Works in a fresh temporary directory; assumes config.mk's
 * default extension character '-'. */
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "localroute.h"
#include "stralloc.h"
#include "unit.h"

static char dir[] = "/tmp/test_localroute.XXXXXX";

static void
put(const char *name, const char *text)
{
  char path[300];
  FILE *f;

  snprintf(path, sizeof path, "control/%s", name);
  f = fopen(path, "w");
  CHECK(f != 0);
  if (f) {
    fputs(text, f);
    fclose(f);
  }
}

static void
check_route(const struct localroute *lr, const char *addr, int want_local,
            const char *want)
{
  stralloc out = STRALLOC_ZERO;
  int is_local = -1;

  CHECK(localroute_route(lr, addr, strlen(addr), &out, &is_local) == 1);
  if (is_local != want_local)
    printf("# %s: is_local %d\n", addr, is_local);
  CHECK(is_local == want_local);
  CHECK(out.s && out.s[out.len] == 0);
  if (out.s)
    CHECK_STR(out.s, want);
  stralloc_free(&out);
}

static void
load(struct localroute *lr)
{
  const char *failed = "unset";

  CHECK(localroute_read(lr, "control/", "me.example", &failed) == 1);
}

static void
test_defaults(void)
{
  struct localroute lr = LOCALROUTE_ZERO;

  /* nothing but me: locals and envnoathost are me */
  load(&lr);
  check_route(&lr, "joe@me.example", 1, "joe@me.example");
  check_route(&lr, "Joe@ME.Example", 1, "Joe@me.example");
  check_route(&lr, "joe", 1, "joe@me.example");
  check_route(&lr, "joe@other.example", 0, "joe@other.example");
  localroute_free(&lr);
}

static void
test_locals_and_envnoathost(void)
{
  struct localroute lr = LOCALROUTE_ZERO;

  put("locals", "# ours\nLocal.Example\n\nother.example\n");
  put("envnoathost", "Local.Example\n");
  load(&lr);
  check_route(&lr, "a@local.example", 1, "a@local.example");
  check_route(&lr, "a@OTHER.example", 1, "a@other.example");
  check_route(&lr, "a@me.example", 0, "a@me.example");
  /* envnoathost is taken as written, then the domain is lowercased */
  check_route(&lr, "a", 1, "a@local.example");
  /* the last '@' separates the domain */
  check_route(&lr, "a@b@local.example", 1, "a@b@local.example");
  localroute_free(&lr);
  unlink("control/locals");
  unlink("control/envnoathost");
}

static void
test_percenthack(void)
{
  struct localroute lr = LOCALROUTE_ZERO;

  put("percenthack", "Relay.Example\n");
  put("locals", "local.example\n");
  load(&lr);
  check_route(&lr, "u%local.example@relay.example", 1, "u@local.example");
  check_route(&lr, "u%far.example@relay.example", 0, "u@far.example");
  /* repeatedly, the last '%' first */
  check_route(&lr, "u%LOCAL.example%relay.example@relay.example", 1,
              "u@local.example");
  /* not in percenthack: the '%' stays */
  check_route(&lr, "u%far.example@local.example", 1, "u%far.example@local.example");
  localroute_free(&lr);
  unlink("control/percenthack");
  unlink("control/locals");
}

static void
test_virtualdomains(void)
{
  struct localroute lr = LOCALROUTE_ZERO;

  put("locals", "local.example\n");
  put("virtualdomains",
      "Virt.Example:virt\n"
      "Joe@Virt.Example:joe-only\n"
      ".sub.example:subs\n"
      ".b.sub.example:bsubs\n"
      "plain.sub.example:\n"
      "local.example:never\n"
      ":catchall\n");
  load(&lr);
  check_route(&lr, "Ann@virt.example", 1, "virt-Ann@virt.example");
  /* the whole address first, keys compared without regard to case */
  check_route(&lr, "jOE@virt.example", 1, "joe-only-jOE@virt.example");
  /* the longest suffix first */
  check_route(&lr, "x@a.b.sub.example", 1, "bsubs-x@a.b.sub.example");
  check_route(&lr, "x@c.sub.example", 1, "subs-x@c.sub.example");
  /* the suffix needs its dot: sub.example itself is not covered */
  check_route(&lr, "x@sub.example", 1, "catchall-x@sub.example");
  /* an empty prefix: not virtual, so remote */
  check_route(&lr, "x@plain.sub.example", 0, "x@plain.sub.example");
  /* locals win over virtualdomains */
  check_route(&lr, "x@local.example", 1, "x@local.example");
  check_route(&lr, "x@far.example", 1, "catchall-x@far.example");
  localroute_free(&lr);
  unlink("control/virtualdomains");
  unlink("control/locals");
}

static void
test_failed_reread_keeps_values(void)
{
  struct localroute lr = LOCALROUTE_ZERO;
  const char *failed = 0;

  put("locals", "local.example\n");
  put("virtualdomains", "virt.example:virt\n");
  load(&lr);
  CHECK(mkdir("control/percenthack", 0755) == 0);
  put("locals", "changed.example\n");
  errno = 0;
  CHECK(localroute_reread(&lr, "control/", "me.example", &failed) == 0);
  CHECK(errno == EISDIR);
  CHECK(failed && !strcmp(failed, "percenthack"));
  check_route(&lr, "x@local.example", 1, "x@local.example");
  check_route(&lr, "x@changed.example", 0, "x@changed.example");
  check_route(&lr, "x@virt.example", 1, "virt-x@virt.example");
  CHECK(rmdir("control/percenthack") == 0);

  /* a good reread installs the new values and keeps envnoathost */
  put("envnoathost", "elsewhere.example\n");
  CHECK(localroute_reread(&lr, "control/", "me.example", &failed) == 1);
  check_route(&lr, "x@changed.example", 1, "x@changed.example");
  check_route(&lr, "x@local.example", 0, "x@local.example");
  check_route(&lr, "x", 0, "x@me.example");
  localroute_free(&lr);
  unlink("control/locals");
  unlink("control/virtualdomains");
  unlink("control/envnoathost");
}

static void
test_nul_ends_address(void)
{
  struct localroute lr = LOCALROUTE_ZERO;
  stralloc out = STRALLOC_ZERO;
  int is_local = -1;

  load(&lr);
  CHECK(localroute_route(&lr, "a\0@x.example", 12, &out, &is_local) == 1);
  CHECK(is_local == 1);
  CHECK_SA(out, "a@me.example");
  stralloc_free(&out);
  localroute_free(&lr);
}

int
main(void)
{
  if (!mkdtemp(dir) || chdir(dir) == -1 || mkdir("control", 0755) == -1) {
    perror("setting up the test directory");
    return 1;
  }
  RUN(test_defaults);
  RUN(test_locals_and_envnoathost);
  RUN(test_percenthack);
  RUN(test_virtualdomains);
  RUN(test_failed_reread_keeps_values);
  RUN(test_nul_ends_address);
  if (chdir("/") == 0)
    unit_rmtree(dir);
  return unit_done();
}
