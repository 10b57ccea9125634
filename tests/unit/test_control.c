/* Unit tests for control: single-value and list files, the "me"
 * fallbacks, numbers, and missing versus empty versus unreadable files.
 * Runs in a fresh temporary directory holding control/. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "control.h"
#include "stralloc.h"
#include "unit.h"

static char topdir[] = "/tmp/test_control.XXXXXX";

static void
put_file(const char *path, const char *data, size_t len)
{
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

  CHECK(fd != -1);
  if (fd == -1)
    return;
  CHECK(write(fd, data, len) == (ssize_t)len);
  close(fd);
}

static void
put(const char *path, const char *text)
{
  put_file(path, text, strlen(text));
}

static void
test_missing_empty_unreadable(void)
{
  stralloc sa = STRALLOC_ZERO;
  int n = 17;

  CHECK(stralloc_copys(&sa, "keep"));
  CHECK(control_readline(&sa, "control/nosuch") == 0);
  CHECK_SA(sa, "keep");
  CHECK(control_readlist(&sa, "control/nosuch") == 0);
  CHECK_SA(sa, "keep");
  CHECK(control_readint(&n, "control/nosuch") == 0);
  CHECK(n == 17);

  put("control/empty", "");
  CHECK(control_readline(&sa, "control/empty") == 1);
  CHECK(sa.len == 0);
  CHECK(stralloc_copys(&sa, "keep"));
  CHECK(control_readlist(&sa, "control/empty") == 1);
  CHECK(sa.len == 0);
  errno = 0;
  CHECK(control_readint(&n, "control/empty") == -1);
  CHECK(errno == EINVAL && n == 17);

  /* a directory where the file should be is an error, not "missing" */
  CHECK(mkdir("control/adir", 0755) == 0);
  CHECK(stralloc_copys(&sa, "keep"));
  errno = 0;
  CHECK(control_readline(&sa, "control/adir") == -1);
  CHECK(errno == EISDIR);
  errno = 0;
  CHECK(control_readlist(&sa, "control/adir") == -1);
  CHECK(errno == EISDIR);
  CHECK(control_readint(&n, "control/adir") == -1);
  CHECK(control_rldef(&sa, "control/adir", 0, "default") == -1);
  CHECK_SA(sa, "keep");
  CHECK(n == 17);

  /* so is a path through a regular file */
  put("control/plain", "x\n");
  errno = 0;
  CHECK(control_readline(&sa, "control/plain/sub") == -1);
  CHECK(errno == ENOTDIR);

  /* and a FIFO must neither hang nor count as missing or empty */
  CHECK(mkfifo("control/fifo", 0644) == 0);
  errno = 0;
  CHECK(control_readline(&sa, "control/fifo") == -1);
  CHECK(errno == EINVAL);
  CHECK(control_readlist(&sa, "control/fifo") == -1);

  /* permissions only stop non-root; tests often run as root */
  if (geteuid() != 0) {
    put("control/secret", "hidden\n");
    CHECK(chmod("control/secret", 0) == 0);
    errno = 0;
    CHECK(control_readline(&sa, "control/secret") == -1);
    CHECK(errno == EACCES);
  }
  CHECK_SA(sa, "keep");
  stralloc_free(&sa);
}

static void
test_readline_first_line_stripped(void)
{
  stralloc sa = STRALLOC_ZERO;

  put("control/one", "  host.example \t\r\nsecond line\n");
  CHECK(control_readline(&sa, "control/one") == 1);
  CHECK_SA(sa, "  host.example");
  put("control/one", "no newline at end");
  CHECK(control_readline(&sa, "control/one") == 1);
  CHECK_SA(sa, "no newline at end");
  put("control/one", "# not a comment here\n");
  CHECK(control_readline(&sa, "control/one") == 1);
  CHECK_SA(sa, "# not a comment here");
  put("control/one", "\nsecond\n");
  CHECK(control_readline(&sa, "control/one") == 1);
  CHECK(sa.len == 0);
  put("control/one", " \t \r\n");
  CHECK(control_readline(&sa, "control/one") == 1);
  CHECK(sa.len == 0);
  put("control/one", "a b\tc \r");
  CHECK(control_readline(&sa, "control/one") == 1);
  CHECK_SA(sa, "a b\tc");
  stralloc_free(&sa);
}

static void
test_me_fallbacks(void)
{
  stralloc sa = STRALLOC_ZERO;

  unlink("control/me");
  CHECK(control_init() == 1);
  CHECK(stralloc_copys(&sa, "keep"));
  CHECK(control_me(&sa) == 0);
  CHECK_SA(sa, "keep");
  CHECK(control_rldef(&sa, "control/defaultdomain", 1, "dflt") == 0);
  CHECK_SA(sa, "dflt");

  put("control/me", "mx.example.org \n");
  CHECK(control_init() == 1);
  CHECK(control_me(&sa) == 1);
  CHECK_SA(sa, "mx.example.org");
  CHECK(control_rldef(&sa, "control/defaultdomain", 1, "dflt") == 0);
  CHECK_SA(sa, "mx.example.org");
  CHECK(control_rldef(&sa, "control/defaultdomain", 0, "dflt") == 0);
  CHECK_SA(sa, "dflt");
  put("control/defaultdomain", "example.org\n");
  CHECK(control_rldef(&sa, "control/defaultdomain", 1, "dflt") == 1);
  CHECK_SA(sa, "example.org");
  /* an empty value is no value: fall back as if missing */
  put("control/plusdomain", "");
  CHECK(control_rldef(&sa, "control/plusdomain", 1, "dflt") == 0);
  CHECK_SA(sa, "mx.example.org");
  put("control/helohost", "  \n");
  CHECK(control_rldef(&sa, "control/helohost", 1, "dflt") == 0);
  CHECK_SA(sa, "mx.example.org");
  CHECK(control_rldef(&sa, "control/helohost", 0, "") == 0);
  CHECK(sa.len == 0);

  /* an empty me counts as no me */
  put("control/me", "\n");
  CHECK(control_init() == 1);
  CHECK(control_me(&sa) == 0);
  CHECK(control_rldef(&sa, "control/plusdomain", 1, "dflt") == 0);
  CHECK_SA(sa, "dflt");

  /* an unreadable me is an error for init and for the fallbacks that
   * need it, but not for files that have their own value */
  unlink("control/me");
  CHECK(mkdir("control/me", 0755) == 0);
  errno = 0;
  CHECK(control_init() == 0);
  CHECK(errno == EISDIR);
  CHECK(stralloc_copys(&sa, "keep"));
  CHECK(control_rldef(&sa, "control/plusdomain", 1, "dflt") == -1);
  CHECK(control_me(&sa) == -1);
  CHECK_SA(sa, "keep");
  CHECK(control_rldef(&sa, "control/plusdomain", 0, "dflt") == 0);
  CHECK_SA(sa, "dflt");
  CHECK(control_rldef(&sa, "control/defaultdomain", 1, "dflt") == 1);
  CHECK_SA(sa, "example.org");
  rmdir("control/me");
  unlink("control/plusdomain");
  unlink("control/helohost");
  unlink("control/defaultdomain");
  stralloc_free(&sa);
}

struct int_case {
  const char *text;
  int result;
  int value;
};

static const struct int_case int_cases[] = {
  { "42\n", 1, 42 },
  { "0", 1, 0 },
  { "-7\n", 1, -7 },
  { "42 \t\r\n", 1, 42 },
  { "1\n2\n", 1, 1 },
  { "000123", 1, 123 },
  { "2147483647", 1, INT_MAX },
  { "-2147483648", 1, INT_MIN },
  { "2147483648", -1, 0 },
  { "-2147483649", -1, 0 },
  { "99999999999999999999999", -1, 0 },
  { "4294967338", -1, 0 },      /* 2^32 + 42: no silent wrap to 42 */
  { "  42", -1, 0 },
  { "42abc", -1, 0 },
  { "4 2", -1, 0 },
  { "+5", -1, 0 },
  { "0x10", -1, 0 },
  { "-", -1, 0 },
  { "--1", -1, 0 },
  { "\n42", -1, 0 },
  { "", -1, 0 },
};

static void
test_readint(void)
{
  size_t i;

  for (i = 0; i < sizeof int_cases / sizeof int_cases[0]; ++i) {
    const struct int_case *c = &int_cases[i];
    int value = 555, r;

    put("control/number", c->text);
    errno = 0;
    r = control_readint(&value, "control/number");
    if (r != c->result)
      printf("# \"%s\": got %d\n", c->text, r);
    CHECK(r == c->result);
    if (c->result == 1) {
      CHECK(value == c->value);
    } else {
      CHECK(errno == EINVAL);
      CHECK(value == 555);
    }
  }
}

static void
test_readlist(void)
{
  stralloc sa = STRALLOC_ZERO;

  put("control/rcpthosts",
      "# relay for these\nexample.com\n\n  \n.example.net \t\n"
      " #indented\n#\nlast");
  CHECK(control_readlist(&sa, "control/rcpthosts") == 1);
  CHECK_MEM(sa.s, sa.len, "example.com\0.example.net\0 #indented\0last\0",
            41);
  put("control/locals", "a\r\nb\r\n");
  CHECK(control_readlist(&sa, "control/locals") == 1);
  CHECK_MEM(sa.s, sa.len, "a\0b\0", 4);
  put("control/locals", "# only\n#comments\n\n");
  CHECK(stralloc_copys(&sa, "old"));
  CHECK(control_readlist(&sa, "control/locals") == 1);
  CHECK(sa.len == 0);
  stralloc_free(&sa);
}

static void
test_nul_bytes_refused(void)
{
  stralloc sa = STRALLOC_ZERO;
  int n = 9;

  CHECK(stralloc_copys(&sa, "keep"));
  put_file("control/nul", "abc\0def\n", 8);
  errno = 0;
  CHECK(control_readline(&sa, "control/nul") == -1);
  CHECK(errno == EINVAL);
  errno = 0;
  CHECK(control_readlist(&sa, "control/nul") == -1);
  CHECK(errno == EINVAL);
  put_file("control/nul", "first\nsec\0ond\n", 14);
  CHECK(control_readline(&sa, "control/nul") == -1);
  CHECK(control_readlist(&sa, "control/nul") == -1);
  put_file("control/nul", "1\0", 2);
  errno = 0;
  CHECK(control_readint(&n, "control/nul") == -1);
  CHECK(errno == EINVAL && n == 9);
  put_file("control/nul", "\0", 1);
  CHECK(control_rldef(&sa, "control/nul", 0, "dflt") == -1);
  CHECK_SA(sa, "keep");
  stralloc_free(&sa);
}

static void
test_huge_files(void)
{
  stralloc text = STRALLOC_ZERO, sa = STRALLOC_ZERO;
  unsigned int i, entries = 0;
  size_t pos;
  int ok = 1;

  /* about 1.2 MB: 70000 lines, every tenth a comment */
  for (i = 0; i < 70000 && ok; ++i) {
    ok = stralloc_cats(&text, i % 10 == 3 ? "#host" : "host") &&
         stralloc_catulong(&text, i) && stralloc_cats(&text, ".example \n");
  }
  CHECK(ok && text.len > 1000000);
  put_file("control/big", text.s, text.len);
  CHECK(control_readlist(&sa, "control/big") == 1);
  for (pos = 0, i = 0; pos < sa.len; ++i) {
    char want[40];
    size_t len = strlen(sa.s + pos);

    if (i % 10 == 3)
      ++i;
    snprintf(want, sizeof want, "host%u.example", i);
    if (strcmp(sa.s + pos, want) != 0) {
      CHECK_STR(sa.s + pos, want);
      break;
    }
    ++entries;
    pos += len + 1;
  }
  CHECK(entries == 63000);
  CHECK(sa.len && sa.s[sa.len - 1] == 0);

  /* one line of 1 MB without a newline */
  text.len = 0;
  for (i = 0; i < 1 << 20; ++i)
    if (!stralloc_append(&text, (char)('a' + i % 26)))
      break;
  put_file("control/bigline", text.s, text.len);
  CHECK(control_readline(&sa, "control/bigline") == 1);
  CHECK(sa.len == 1 << 20);
  CHECK_MEM(sa.s, sa.len, text.s, text.len);
  stralloc_free(&text);
  stralloc_free(&sa);
}

/* The reference: what a list or single-line read of text must give. */
static void
expected_list(stralloc *out, const char *text, size_t len)
{
  size_t start = 0, i;

  out->len = 0;
  for (i = 0; i <= len; ++i) {
    size_t end;

    if (i < len && text[i] != '\n')
      continue;
    end = i;
    while (end > start && strchr(" \t\r", text[end - 1]))
      --end;
    if (end > start && text[start] != '#') {
      stralloc_catb(out, text + start, end - start);
      stralloc_0(out);
    }
    start = i + 1;
  }
}

static void
test_random_files(void)
{
  stralloc got = STRALLOC_ZERO, want = STRALLOC_ZERO;
  char text[200];
  int i;

  for (i = 0; i < 400; ++i) {
    size_t len = unit_rand() % sizeof text, first;
    int has_nul, r;

    unit_rand_fill(text, len, i % 8 ? "ab# \t\r\n" : "a#\n\r ");
    if (i % 5 == 0 && len)
      text[unit_rand() % len] = 0;
    has_nul = len && memchr(text, 0, len) != 0;
    put_file("control/random", text, len);

    r = control_readlist(&got, "control/random");
    CHECK(r == (has_nul ? -1 : 1));
    if (r == 1) {
      expected_list(&want, text, len);
      CHECK_MEM(got.s, got.len, want.s, want.len);
    }
    r = control_readline(&got, "control/random");
    CHECK(r == (has_nul ? -1 : 1));
    if (r == 1) {
      for (first = 0; first < len && text[first] != '\n'; ++first)
        ;
      while (first && strchr(" \t\r", text[first - 1]))
        --first;
      CHECK_MEM(got.s, got.len, text, first);
    }
  }
  stralloc_free(&got);
  stralloc_free(&want);
}

int
main(void)
{
  int status;

  if (!mkdtemp(topdir) || chdir(topdir) == -1 ||
      mkdir("control", 0755) == -1) {
    perror("test_control: cannot set up a temporary directory");
    return 1;
  }
  RUN(test_missing_empty_unreadable);
  RUN(test_readline_first_line_stripped);
  RUN(test_me_fallbacks);
  RUN(test_readint);
  RUN(test_readlist);
  RUN(test_nul_bytes_refused);
  RUN(test_huge_files);
  RUN(test_random_files);
  status = unit_done();
  if (chdir("/") == 0)
    unit_rmtree(topdir);
  return status;
}
