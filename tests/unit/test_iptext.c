/* Unit tests for iptext: the text form of IPv4 and IPv6 addresses that
 * tcpserver puts into TCPREMOTEIP and tcprules matches against (RFC
 * 5952 for IPv6), and the strict parsers behind both.  The C library's
 * inet_pton is the referee for every address formatted here. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "iptext.h"
#include "unit.h"

static void
check_fmt6(const char *in, const char *want)
{
  unsigned char ip[16], back[16];
  char text[IPTEXT_FMT];
  size_t n;

  CHECK(inet_pton(AF_INET6, in, ip) == 1);
  n = iptext_fmt6(text, ip);
  text[n] = 0;
  CHECK_STR(text, want);
  CHECK(iptext_fmt6(0, ip) == n);
  CHECK(n < IPTEXT_FMT);
  CHECK(inet_pton(AF_INET6, text, back) == 1 && memcmp(ip, back, 16) == 0);
}

static void
test_fmt4(void)
{
  static const unsigned char a[4] = { 0, 0, 0, 0 };
  static const unsigned char b[4] = { 255, 255, 255, 255 };
  static const unsigned char c[4] = { 192, 0, 2, 10 };
  char text[IPTEXT_FMT];

  text[iptext_fmt4(text, a)] = 0;
  CHECK_STR(text, "0.0.0.0");
  text[iptext_fmt4(text, b)] = 0;
  CHECK_STR(text, "255.255.255.255");
  CHECK(iptext_fmt4(0, b) == 15);
  text[iptext_fmt4(text, c)] = 0;
  CHECK_STR(text, "192.0.2.10");
}

static void
test_fmt6_rfc5952(void)
{
  check_fmt6("::", "::");
  check_fmt6("::1", "::1");
  check_fmt6("1::", "1::");
  check_fmt6("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1");
  /* a single zero group is not shortened (RFC 5952 4.2.2) */
  check_fmt6("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
  /* the longest run wins, the first one on a tie (4.2.3) */
  check_fmt6("1:0:0:1:0:0:0:1", "1:0:0:1::1");
  check_fmt6("1:0:0:1:0:0:1:1", "1::1:0:0:1:1");
  check_fmt6("fe80:0:0:0:1:0:0:1", "fe80::1:0:0:1");
  check_fmt6("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8");
  check_fmt6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
             "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  /* IPv4-mapped in the mixed form; IPv4-compatible is plain hex */
  check_fmt6("::ffff:192.0.2.1", "::ffff:192.0.2.1");
  check_fmt6("::1.2.3.4", "::102:304");
}

static void
test_scan4(void)
{
  static const char *const bad[] = {
    "", "1", "1.2.3", "1.2.3.4.", ".1.2.3", "1..2.3", "256.1.1.1",
    "1.2.3.256", "01.2.3.4", "1.2.3.00", "1234.1.1.1", "1.2.3.4 ",
    " 1.2.3.4", "1.2.3.x", "1.2.3.-4", "1.2.3.4/24", 0
  };
  unsigned char ip[4] = { 9, 9, 9, 9 };
  int i;

  CHECK(iptext_scan4("192.0.2.1", 9, ip));
  CHECK(ip[0] == 192 && ip[1] == 0 && ip[2] == 2 && ip[3] == 1);
  CHECK(iptext_scan4("0.0.0.0", 7, ip) && ip[0] == 0 && ip[3] == 0);
  CHECK(iptext_scan4("255.255.255.255", 15, ip) && ip[0] == 255);
  /* the length counts, not a NUL */
  CHECK(iptext_scan4("1.2.3.4xyz", 7, ip) && ip[3] == 4);
  for (i = 0; bad[i]; ++i) {
    memset(ip, 7, 4);
    errno = 0;
    if (iptext_scan4(bad[i], strlen(bad[i]), ip))
      printf("# accepted: \"%s\"\n", bad[i]);
    CHECK(errno == EINVAL);
    CHECK(ip[0] == 7 && ip[3] == 7);
  }
}

static void
test_scan6(void)
{
  static const char *const good[] = {
    "::", "::1", "1::", "2001:DB8::1", "0:0:0:0:0:0:0:1", "::ffff:1.2.3.4",
    "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:8", "1::8", "0001::", "::2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7::", "fe80::1:0:0:1", "::1.2.3.4", 0
  };
  static const char *const bad[] = {
    "", ":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:", ":1",
    "1:2:3:4:5:6:7", "::1.2.3", "g::", "1:2:3:4:5:6:7:1.2.3.4", "::1%eth0",
    "[::1]", "1::2:3:4:5:6:7:8", "1.2.3.4", "::1.2.3.4:5", "1:::2",
    "::ffff:1.2.3.04", "2001:db8::/32", " ::1", "::1 ", 0
  };
  unsigned char ip[16], ref[16];
  int i;

  for (i = 0; good[i]; ++i) {
    memset(ip, 0x55, 16);
    if (!iptext_scan6(good[i], strlen(good[i]), ip))
      printf("# refused: \"%s\"\n", good[i]);
    CHECK(inet_pton(AF_INET6, good[i], ref) == 1);
    CHECK(memcmp(ip, ref, 16) == 0);
  }
  for (i = 0; bad[i]; ++i) {
    memset(ip, 0x55, 16);
    errno = 0;
    if (iptext_scan6(bad[i], strlen(bad[i]), ip))
      printf("# accepted: \"%s\"\n", bad[i]);
    CHECK(errno == EINVAL);
    CHECK(ip[0] == 0x55 && ip[15] == 0x55);
  }
}

static void
test_mapped(void)
{
  unsigned char ip[16];

  CHECK(iptext_scan6("::ffff:10.0.0.1", 15, ip) && iptext_ismapped(ip));
  CHECK(ip[12] == 10 && ip[15] == 1);
  CHECK(iptext_scan6("::1", 3, ip) && !iptext_ismapped(ip));
  CHECK(iptext_scan6("::fffe:10.0.0.1", 15, ip) && !iptext_ismapped(ip));
}

/* Random addresses, many with runs of zeros: format, parse back, and
 * let inet_pton read the text too. */
static void
test_round_trip(void)
{
  int i, j, bad = 0;

  for (i = 0; i < 20000; ++i) {
    unsigned char ip[16], back[16], ref[16];
    char text[IPTEXT_FMT];
    size_t n;

    for (j = 0; j < 8; ++j) {
      uint32_t r = unit_rand();
      unsigned int group = r % 3 ? 0 : (r >> 8) & 0xffff;

      if (r % 7 == 0)
        group = (r >> 4) & 0xf;
      ip[2 * j] = (unsigned char)(group >> 8);
      ip[2 * j + 1] = (unsigned char)group;
    }
    if (i % 50 == 0)
      memcpy(ip, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12);
    n = iptext_fmt6(text, ip);
    text[n] = 0;
    if (!iptext_scan6(text, n, back) || memcmp(ip, back, 16) != 0
        || inet_pton(AF_INET6, text, ref) != 1 || memcmp(ip, ref, 16) != 0
        || strstr(text, ":::")
        || (strstr(text, "::") && strstr(strstr(text, "::") + 2, "::"))) {
      if (bad++ < 5)
        printf("# round trip failed: %s\n", text);
    }
  }
  CHECK(bad == 0);
}

int
main(void)
{
  RUN(test_fmt4);
  RUN(test_fmt6_rfc5952);
  RUN(test_scan4);
  RUN(test_scan6);
  RUN(test_mapped);
  RUN(test_round_trip);
  return unit_done();
}
