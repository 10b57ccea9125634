/* serialqmtp -- send spooled messages to one QMTP server, over one
 * connection.
 *
 *   serialqmtp [-T seconds] prefix
 *
 * A client for maildirserial (serial.h), like serialsmtp but speaking
 * QMTP (D. J. Bernstein's Quick Mail Transfer Protocol, 1997): for each
 * file named on fd 0 it sends one package on fd 7 -- the message (the
 * file after its Return-Path and Delivered-To lines, unchanged: QMTP
 * carries LF line ends and any byte), the sender, and the one recipient
 * (Delivered-To without prefix), each as a netstring -- and reads the
 * server's response netstring on fd 6, whose first byte is K, Z or D
 * and becomes the file's result.  A file whose Delivered-To does not
 * begin with prefix is ignored.  -T is the most seconds one read or
 * write may take (default 1200).  QMTP has no TLS and no AUTH.
 *
 * Runs as the owner of the spool.  Exit codes: 0 when the session went
 * to its end; 111 when it broke off (the reason is on fd 2; files
 * without a result are untouched); 100 for a usage error.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buffer.h"
#include "errmsg.h"
#include "fmt.h"
#include "netstring.h"
#include "scan.h"
#include "serial.h"
#include "sig.h"
#include "stralloc.h"
#include "timeoutio.h"

#define SERVER_IN 6
#define SERVER_OUT 7
#define RESPONSE_MAX 1000

static struct timeout limit = { 1200 };
static char inspace[BUFFER_INSIZE];
static char outspace[BUFFER_OUTSIZE];
static buffer server_in = BUFFER_INIT(timeout_bufread, SERVER_IN, &limit,
                                      inspace, sizeof inspace);
static buffer server_out = BUFFER_INIT(timeout_bufwrite, SERVER_OUT, &limit,
                                       outspace, sizeof outspace);
static char resultspace[BUFFER_OUTSIZE];
static buffer results = BUFFER_INIT(buffer_unixwrite, 1, 0, resultspace,
                                    sizeof resultspace);
static const char *prefix;
static const char *server = "";

static void
usage(void)
{
  die(100, "usage: serialqmtp [-T seconds] prefix");
}

static void
put_result(const char *name, char status, const char *what,
           const char *detail)
{
  stralloc text = STRALLOC_ZERO;

  if (!stralloc_copys(&text, server) || !stralloc_cats(&text, " ")
      || !stralloc_cats(&text, what)
      || (detail && (!stralloc_cats(&text, ": ")
                     || !stralloc_cats(&text, detail)))
      || !stralloc_cats(&text, " (no TLS)") || !stralloc_0(&text))
    die_nomem();
  if (!serial_result(&results, name, status, text.s)
      || !buffer_flush(&results))
    die_sys(111, "unable to write results");
  stralloc_free(&text);
}

static void __attribute__((noreturn))
session_fail(const char *what, const char *detail)
{
  if (!buffer_flush(&results))
    die_sys(111, "unable to write results");
  /* no known state: a client run again on these descriptors must find
   * the connection closed, not a late response */
  shutdown(SERVER_IN, SHUT_RDWR);
  shutdown(SERVER_OUT, SHUT_RDWR);
  die(111, server, ": ", what, detail ? ": " : "", detail ? detail : "",
      " (no TLS). (#4.4.2)");
}

/* The connection failed in name's package: no result for it (a broken
 * link is no refusal; it stays in the spool whatever its age), and the
 * session ends. */
static void
lost(const char *name, const char *why)
{
  stralloc what = STRALLOC_ZERO;

  if (!stralloc_copys(&what, "the session broke off at ")
      || !stralloc_cats(&what, name)
      || !stralloc_cats(&what, ", which stays in the spool")
      || !stralloc_0(&what))
    die_nomem();
  session_fail(what.s, why);
}

/* Send the package for the open file; 1, or 0 when the connection is
 * unusable (the reason in *why). */
static int
send_package(int fd, const struct serial_envelope *env, const char *rcpt,
             const char **why)
{
  char space[BUFFER_INSIZE];
  char len[FMT_ULONG];
  stralloc tail = STRALLOC_ZERO, inner = STRALLOC_ZERO;
  struct stat st;
  unsigned long size, sent = 0;
  int ok = 0;

  *why = 0;
  if (fstat(fd, &st) == -1 || st.st_size < env->body) {
    *why = "unable to examine the spool file";
    return -1;
  }
  size = (unsigned long)(st.st_size - env->body);
  len[fmt_ulong(len, size)] = 0;
  if (!buffer_puts(&server_out, len) || !buffer_put(&server_out, ":", 1))
    goto write_failed;
  while (sent < size) {
    size_t want = size - sent < sizeof space ? size - sent : sizeof space;
    ssize_t r = read(fd, space, want);

    if (r == -1 && errno == EINTR)
      continue;
    if (r <= 0) {
      /* the package cannot be finished: the server must see the
       * connection end inside it and throw it away */
      *why = r == 0 ? "the spool file became shorter while it was sent"
        : "reading the spool file failed";
      return 0;
    }
    if (!buffer_put(&server_out, space, (size_t)r))
      goto write_failed;
    sent += (unsigned long)r;
  }
  if (!netstring_cat(&inner, rcpt, strlen(rcpt))
      || !stralloc_copys(&tail, ",")
      || !netstring_cat(&tail, env->sender.s, env->sender.len)
      || !netstring_cat(&tail, inner.s, inner.len))
    die_nomem();
  if (!buffer_put(&server_out, tail.s, tail.len) || !buffer_flush(&server_out))
    goto write_failed;
  ok = 1;
  goto done;
write_failed:
  *why = errno == ETIMEDOUT ? "timed out sending the message"
    : "the connection failed while the message was sent";
done:
  stralloc_free(&tail);
  stralloc_free(&inner);
  return ok;
}

/* Send one file, or leave it alone when it is not for prefix. */
static void
send_file(const char *name)
{
  static struct serial_envelope env = SERIAL_ENVELOPE_ZERO;
  static stralloc response = STRALLOC_ZERO;
  const char *rcpt, *why;
  int fd, rc;

  rcpt = serial_open(name, &env, prefix, &fd);
  if (!rcpt) {
    if (env.why)
      put_result(name, 'Z', "not tried", env.why);
    return;
  }
  rc = send_package(fd, &env, rcpt, &why);
  close(fd);
  if (rc == -1) {
    put_result(name, 'Z', "not tried", why);
    return;
  }
  if (!rc)
    lost(name, why);
  rc = netstring_get(&server_in, &response, RESPONSE_MAX);
  if (rc != 1 || !response.len
      || (response.s[0] != 'K' && response.s[0] != 'Z'
          && response.s[0] != 'D'))
    lost(name, rc == 0 ? "no response after the message was sent (it may "
         "have been delivered, and then arrives twice): connection closed"
         : rc == 1 ? "a malformed response after the message was sent"
         : errno == ETIMEDOUT ? "no response after the message was sent "
         "(it may have been delivered, and then arrives twice): timed out"
         : "no response after the message was sent (it may have been "
         "delivered, and then arrives twice)");
  {
    char status = response.s[0];
    size_t i;

    for (i = 1; i < response.len; ++i)
      if ((unsigned char)response.s[i] < 32 || response.s[i] == 127)
        response.s[i] = '?';
    if (!stralloc_0(&response))
      die_nomem();
    put_result(name, status, status == 'K' ? "accepted the message"
               : "refused the message", response.s + 1);
  }
}

int
main(int argc, char **argv)
{
  int opt;

  errmsg_init("serialqmtp");
  sig_ignore(SIGPIPE);
  while ((opt = getopt(argc, argv, "+T:")) != -1) {
    unsigned int t;
    size_t n;

    if (opt != 'T')
      usage();
    n = scan_uint(optarg, &t);
    if (!n || optarg[n] || !t)
      usage();
    limit.seconds = t;
  }
  argc -= optind;
  argv += optind;
  if (argc != 1)
    usage();
  prefix = argv[0];
  server = serial_server(0);
  serial_each_file(send_file);
  return 0;
}
