/* splogger -- send the lines of standard input to syslog.
 *
 * Usage: splogger [tag [facility]]
 *
 * Each line read becomes one syslog record "TAG: SECONDS.MICROSECONDS
 * TEXT", sent to the local syslog daemon through /dev/log with the given
 * facility (a number, 2 being mail, or a name: mail, daemon, user,
 * local0 ... local7; default mail) and a severity taken from the text:
 * "alert:" at its start is LOG_ALERT, "warning:" LOG_WARNING, anything
 * else LOG_INFO.  The line is otherwise passed unchanged (a leading "-"
 * or blank included), except that control characters become '?'.  A
 * line longer than REC_MAX bytes is sent as several records.
 *
 * Nothing is lost when the daemon is missing or refuses a record: the
 * record goes to standard error instead, and /dev/log is tried again
 * for the next one.  splogger exits 0 at the end of its input, 111 when
 * the input cannot be read, 100 on a usage error.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "errmsg.h"
#include "fmt.h"
#include "scan.h"

#define LOG_PATH "/dev/log"
#define REC_MAX 900           /* text bytes per record */
#define TAG_MAX 64

static const struct { const char *name; int code; } facilities[] = {
  { "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 },
  { "auth", 4 }, { "syslog", 5 }, { "lpr", 6 }, { "news", 7 },
  { "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 }, { "ftp", 11 },
  { "local0", 16 }, { "local1", 17 }, { "local2", 18 }, { "local3", 19 },
  { "local4", 20 }, { "local5", 21 }, { "local6", 22 }, { "local7", 23 },
};

static const char *tag = "splogger";
static int facility = 2;
static int sock = -1;
static int sock_stream;       /* sock is a stream socket: records end in LF */
static int warned;

static int
parse_facility(const char *s)
{
  unsigned long n;
  size_t i, len = strlen(s);

  for (i = 0; i < sizeof facilities / sizeof facilities[0]; ++i)
    if (!strcmp(s, facilities[i].name))
      return facilities[i].code;
  if (len && scan_ulong(s, &n) == len && n <= 23)
    return (int)n;
  return -1;
}

static int
log_connect(void)
{
  struct sockaddr_un sa;
  int type;

  memset(&sa, 0, sizeof sa);
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, LOG_PATH, sizeof LOG_PATH);
  /* a datagram socket as syslogd, rsyslogd and journald offer; some
   * daemons (old sysklogd builds, syslog-ng configured so) listen on a
   * stream socket instead */
  for (type = 0; type < 2; ++type) {
    int fd = socket(AF_UNIX, (type ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC,
                    0);

    if (fd == -1)
      return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
      sock_stream = type;
      return fd;
    }
    close(fd);
    if (errno != EPROTOTYPE)
      return -1;
  }
  return -1;
}

static int
write_all(int fd, const char *s, size_t len)
{
  while (len) {
    ssize_t w = write(fd, s, len);

    if (w == -1 && errno == EINTR)
      continue;
    if (w <= 0)
      return 0;
    s += w;
    len -= (size_t)w;
  }
  return 1;
}

/* send one record; buf holds "<PRI>DATE " followed by body (from
 * body_off) and has room for one more byte */
static void
send_record(char *buf, size_t len, size_t body_off)
{
  int attempt;

  for (attempt = 0; attempt < 2; ++attempt) {
    if (sock == -1)
      sock = log_connect();
    if (sock == -1)
      break;
    if (sock_stream) {
      buf[len] = '\n';            /* records on a stream end with LF */
      if (write_all(sock, buf, len + 1))
        return;
    } else {
      ssize_t w;

      do
        w = send(sock, buf, len, MSG_NOSIGNAL);
      while (w == -1 && errno == EINTR);
      if (w == (ssize_t)len)
        return;
    }
    close(sock);                /* the daemon went away: reconnect once */
    sock = -1;
  }
  if (!warned) {
    warned = 1;
    warn_sys("unable to send to " LOG_PATH "; writing to standard error "
             "instead");
  }
  buf[len] = '\n';
  (void)write_all(2, buf + body_off, len - body_off + 1);
}

static void
emit(const char *text, size_t len)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char buf[64 + TAG_MAX + 32 + REC_MAX + 1];
  struct timespec ts;
  struct tm tm;
  size_t n = 0, body, i;
  int severity = 6;

  if (len >= 6 && !memcmp(text, "alert:", 6))
    severity = 1;
  else if (len >= 8 && !memcmp(text, "warning:", 8))
    severity = 4;
  clock_gettime(CLOCK_REALTIME, &ts);
  localtime_r(&ts.tv_sec, &tm);
  buf[n++] = '<';
  n += fmt_ulong(buf + n, (unsigned long)(facility * 8 + severity));
  buf[n++] = '>';
  memcpy(buf + n, months + 3 * tm.tm_mon, 3);
  n += 3;
  buf[n++] = ' ';
  buf[n++] = tm.tm_mday < 10 ? ' ' : (char)('0' + tm.tm_mday / 10);
  buf[n++] = (char)('0' + tm.tm_mday % 10);
  buf[n++] = ' ';
  buf[n++] = (char)('0' + tm.tm_hour / 10);
  buf[n++] = (char)('0' + tm.tm_hour % 10);
  buf[n++] = ':';
  buf[n++] = (char)('0' + tm.tm_min / 10);
  buf[n++] = (char)('0' + tm.tm_min % 10);
  buf[n++] = ':';
  buf[n++] = (char)('0' + tm.tm_sec / 10);
  buf[n++] = (char)('0' + tm.tm_sec % 10);
  buf[n++] = ' ';
  body = n;
  memcpy(buf + n, tag, strlen(tag));
  n += strlen(tag);
  buf[n++] = ':';
  buf[n++] = ' ';
  n += fmt_ulong(buf + n, (unsigned long)ts.tv_sec);
  buf[n++] = '.';
  n += fmt_ulong0(buf + n, (unsigned long)(ts.tv_nsec / 1000), 6);
  buf[n++] = ' ';
  for (i = 0; i < len; ++i) {
    unsigned char c = (unsigned char)text[i];

    buf[n++] = (c < 32 || c == 127) ? '?' : (char)c;
  }
  send_record(buf, n, body);
}

int
main(int argc, char **argv)
{
  char in[4096];
  char line[REC_MAX];
  size_t used = 0;

  errmsg_init("splogger");
  if (argc > 3)
    die(100, "usage: splogger [tag [facility]]");
  if (argc > 1) {
    tag = argv[1];
    if (!*tag || strlen(tag) > TAG_MAX || strpbrk(tag, " :\n[]"))
      die(100, "bad tag: 1 to 64 characters, none of blank, ':', '[', ']'");
  }
  if (argc > 2 && (facility = parse_facility(argv[2])) == -1)
    die(100, "bad facility ", argv[2], ": a number 0 to 23 or a name "
        "such as mail, daemon or local0");
  for (;;) {
    ssize_t r = read(0, in, sizeof in);
    ssize_t i;

    if (r == -1 && errno == EINTR)
      continue;
    if (r == -1)
      die_sys(111, "unable to read input");
    if (r == 0)
      break;
    for (i = 0; i < r; ++i) {
      if (in[i] == '\n') {
        emit(line, used);
        used = 0;
        continue;
      }
      if (used == sizeof line) {
        emit(line, used);       /* a long line goes as several records */
        used = 0;
      }
      line[used++] = in[i];
    }
  }
  if (used)
    emit(line, used);           /* an unterminated last line */
  return 0;
}
