/* tlsclient -- connect to a TLS server, show what it presents, and
 * optionally relay standard input and output over the connection.
 *
 * Usage: tlsclient [-vsor] [-C cafile] [-n name] [-e ehlo] [-t seconds]
 *                  [-T seconds] host port
 *
 * A tool for operators and tests: connects to host (a name or an
 * address literal) on port, speaks SMTP's STARTTLS first with -s, does
 * the TLS handshake with the library's tls module (TLS 1.2 only), and
 * prints the protocol, the cipher suite, the server certificate's
 * subject, the chain length and the verification verdict.  With -r it
 * then copies standard input to the server and the server's data to
 * standard output until the server closes.  Runs as any user; needs no
 * privileges.
 *
 * Exit codes: 0 the handshake succeeded (and the relay ended normally);
 * 1 TLS failed: handshake refused, certificate not verified, no
 * STARTTLS; 100 usage (including -n with an address literal when
 * verifying); 111 temporary: the connection, DNS, a time limit or
 * reading the CA file failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buffer.h"
#include "caseless.h"
#include "errmsg.h"
#include "fmt.h"
#include "scan.h"
#include "sig.h"
#include "stralloc.h"
#include "timeoutio.h"
#include "tls.h"

#define USAGE "usage: tlsclient [-vsor] [-C cafile] [-n name] [-e ehlo]" \
  " [-t seconds] [-T seconds] host port"

static int verbose;
static struct timeout plain_limit = { 60 };
static struct tls tls;
static struct tls_anchors anchors;

/* Information goes to standard output, or to standard error when
 * standard output carries the relayed data. */
static buffer *info;

static void
die_usage(void)
{
  die(100, USAGE);
}

static unsigned int
seconds_arg(const char *s)
{
  unsigned int n;
  size_t len = scan_uint(s, &n);

  if (!len || s[len] || n == 0)
    die(100, "time limit must be a positive number of seconds: ", s);
  return n;
}

/* Connect to one address within the time limit. */
static int
connect_one(const struct addrinfo *ai, unsigned int seconds)
{
  int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
  int flags, err = 0;
  socklen_t errlen = sizeof err;

  if (fd == -1)
    return -1;
  flags = fcntl(fd, F_GETFL);
  if (flags == -1 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
    goto fail;
  if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
    struct pollfd p;
    int r;

    if (errno != EINPROGRESS)
      goto fail;
    p.fd = fd;
    p.events = POLLOUT;
    do
      r = poll(&p, 1, seconds > 2000000 ? -1 : (int)seconds * 1000);
    while (r == -1 && errno == EINTR);
    if (r == -1)
      goto fail;
    if (r == 0) {
      errno = ETIMEDOUT;
      goto fail;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1)
      goto fail;
    if (err) {
      errno = err;
      goto fail;
    }
  }
  if (fcntl(fd, F_SETFL, flags) == -1)
    goto fail;
  return fd;

fail:
  err = errno;
  close(fd);
  errno = err;
  return -1;
}

static int
connect_host(const char *host, const char *port, unsigned int seconds)
{
  struct addrinfo hints, *list, *ai;
  int r, fd = -1;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  r = getaddrinfo(host, port, &hints, &list);
  if (r != 0)
    die(111, "unable to find ", host, " port ", port, ": ", gai_strerror(r));
  for (ai = list; ai; ai = ai->ai_next) {
    fd = connect_one(ai, seconds);
    if (fd != -1)
      break;
  }
  freeaddrinfo(list);
  if (fd == -1)
    die_sys(111, "unable to connect to ", host, " port ", port);
  return fd;
}

/* SMTP before TLS: a reply is lines "NNN-text" ending with "NNN text".
 * Returns the code; the last line stays in line. */
static unsigned int
smtp_reply(buffer *in, stralloc *line, stralloc *all)
{
  all->len = 0;
  for (;;) {
    unsigned int code;
    int r;

    line->len = 0;
    r = buffer_getline(in, line, '\n');
    if (r == -1)
      die_sys(111, "unable to read the SMTP reply");
    if (r == 0)
      die(111, "the server closed the connection during the SMTP dialogue");
    if (all->len > 65536)
      die(111, "the server's SMTP reply is too long");
    if (!stralloc_cat(all, line))
      die_nomem();
    if (verbose) {
      buffer_puts(buffer_2, "< ");
      buffer_putflush(buffer_2, line->s, line->len);
    }
    if (line->len < 4 || scan_uintn(line->s, 3, &code) != 3)
      die(111, "malformed SMTP reply from the server");
    if (line->s[3] == ' ' || line->s[3] == '\r' || line->s[3] == '\n')
      return code;
    if (line->s[3] != '-')
      die(111, "malformed SMTP reply from the server");
  }
}

static void
smtp_send(buffer *out, const char *command, const char *arg)
{
  if (verbose) {
    buffer_puts(buffer_2, "> ");
    buffer_puts(buffer_2, command);
    buffer_puts(buffer_2, arg);
    buffer_putsflush(buffer_2, "\n");
  }
  if (!buffer_puts(out, command) || !buffer_puts(out, arg)
      || !buffer_putsflush(out, "\r\n"))
    die_sys(111, "unable to send ", command);
}

/* Does a line of the EHLO reply ("250-STARTTLS\r\n") name the keyword? */
static int
offers(const stralloc *reply, const char *keyword)
{
  size_t n = strlen(keyword), start = 0;

  while (start < reply->len) {
    const char *line = reply->s + start;
    const char *end = memchr(line, '\n', reply->len - start);
    size_t len = end ? (size_t)(end - line) : reply->len - start;

    start += len + 1;
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' '))
      --len;
    if (len == 4 + n && case_equalb(line + 4, keyword, n))
      return 1;
  }
  return 0;
}

/* The reply line as a C string without its line end, for messages. */
static const char *
line_text(stralloc *line)
{
  while (line->len && (line->s[line->len - 1] == '\n'
                       || line->s[line->len - 1] == '\r'))
    --line->len;
  if (!stralloc_0(line))
    die_nomem();
  return line->s;
}

/* The STARTTLS dance of RFC 3207 over the plain connection. */
static void
smtp_starttls(int fd, const char *ehlo)
{
  char inspace[1024], outspace[1024];
  buffer in = BUFFER_INIT(timeout_bufread, fd, &plain_limit, inspace,
                          sizeof inspace);
  buffer out = BUFFER_INIT(timeout_bufwrite, fd, &plain_limit, outspace,
                           sizeof outspace);
  stralloc line = STRALLOC_ZERO, all = STRALLOC_ZERO;
  unsigned int code;

  code = smtp_reply(&in, &line, &all);
  if (code < 200 || code > 299)
    die(111, "the server refused the session: ", line_text(&line));
  smtp_send(&out, "EHLO ", ehlo);
  code = smtp_reply(&in, &line, &all);
  if (code != 250)
    die(111, "the server refused EHLO: ", line_text(&line));
  if (!offers(&all, "STARTTLS"))
    die(1, "the server does not offer STARTTLS");
  smtp_send(&out, "STARTTLS", "");
  code = smtp_reply(&in, &line, &all);
  if (code != 220)
    die(1, "the server refused STARTTLS: ", line_text(&line));
  /* the server must say nothing more before the handshake; bytes here
   * were put in by someone else (RFC 3207 section 6) */
  if (buffer_unread(&in))
    die(1, "the server sent data after its reply to STARTTLS;"
        " not starting TLS");
  stralloc_free(&line);
  stralloc_free(&all);
}

static void
put_info(const char *label, const char *value)
{
  buffer_puts(info, label);
  buffer_puts(info, ": ");
  buffer_puts(info, value);
  buffer_puts(info, "\n");
}

static void
show_connection(int mode)
{
  char num[FMT_ULONG], why[TLS_ERROR_FMT];
  unsigned int certs = tls_peer_chain_length(&tls);

  put_info("protocol", tls_version_name(&tls));
  put_info("cipher", tls_cipher_name(&tls));
  put_info("subject", tls_peer_subject(&tls));
  num[fmt_uint(num, certs)] = 0;
  buffer_puts(info, "chain: ");
  buffer_puts(info, num);
  buffer_puts(info, certs == 1 ? " certificate\n" : " certificates\n");
  if (tls_verified(&tls)) {
    buffer_puts(info, "verified: yes (");
    buffer_puts(info, tls_server_name(&tls));
    buffer_puts(info, ")\n");
  } else {
    why[tls_error_fmt(why, tls_verify_error(&tls))] = 0;
    buffer_puts(info, "verified: no: ");
    buffer_puts(info, why);
    buffer_puts(info, mode == TLS_OPPORTUNISTIC ? " (opportunistic)\n"
                : "\n");
  }
  if (!buffer_flush(info))
    die_sys(111, "unable to write");
}

/* Copy standard input to the server and the server to standard output
 * until the server closes; after the end of standard input, keep
 * reading what the server still sends. */
static void
relay(int fd)
{
  char space[BUFFER_OUTSIZE], data[8192];
  buffer out = BUFFER_INIT(tls_bufwrite, fd, &tls, space, sizeof space);
  int input_open = 1;

  for (;;) {
    ssize_t n;

    if (!tls_pending(&tls)) {
      struct pollfd p[2];
      int r;

      p[0].fd = fd;
      p[0].events = POLLIN;
      p[1].fd = input_open ? 0 : -1;
      p[1].events = POLLIN;
      p[0].revents = p[1].revents = 0;
      r = poll(p, 2, tls.io_seconds > 2000000 ? -1
               : (int)tls.io_seconds * 1000);
      if (r == -1) {
        if (errno == EINTR)
          continue;
        die_sys(111, "unable to poll");
      }
      if (r == 0)
        die(111, "timed out waiting for data");
      if (p[1].revents) {
        n = read(0, data, sizeof data);
        if (n == -1 && errno != EINTR)
          die_sys(111, "unable to read standard input");
        if (n == 0)
          input_open = 0;
        if (n > 0 && !buffer_putflush(&out, data, (size_t)n))
          die(111, tls_error(&tls));
      }
      if (!p[0].revents)
        continue;
    }
    n = tls_bufread(fd, data, sizeof data, &tls);
    if (n == -1)
      die(111, tls_error(&tls));
    if (n == 0)
      break;
    if (!buffer_putflush(buffer_1, data, (size_t)n))
      die_sys(111, "unable to write standard output");
  }
}

int
main(int argc, char **argv)
{
  const char *cafile = TLS_CAFILE, *name = 0, *ehlo = "localhost";
  const char *host, *port;
  unsigned int io_seconds = 60, handshake_seconds = 30;
  int mode = TLS_VERIFY, smtp = 0, relaying = 0, opt, fd;

  errmsg_init("tlsclient");
  while ((opt = getopt(argc, argv, ":vsorC:n:e:t:T:")) != -1) {
    switch (opt) {
    case 'v': verbose = 1; break;
    case 's': smtp = 1; break;
    case 'o': mode = TLS_OPPORTUNISTIC; break;
    case 'r': relaying = 1; break;
    case 'C': cafile = optarg; break;
    case 'n': name = optarg; break;
    case 'e': ehlo = optarg; break;
    case 't': io_seconds = seconds_arg(optarg); break;
    case 'T': handshake_seconds = seconds_arg(optarg); break;
    default: die_usage();
    }
  }
  if (argc - optind != 2)
    die_usage();
  host = argv[optind];
  port = argv[optind + 1];
  if (!name)
    name = host;
  info = relaying ? buffer_2 : buffer_1;
  plain_limit.seconds = io_seconds;
  sig_ignore(SIGPIPE);

  if (!tls_anchors_load(&anchors, cafile)) {
    if (mode == TLS_VERIFY) {
      if (errno == EINVAL)
        die(111, "unusable CA file ", cafile, ": ", anchors.error);
      die_sys(111, "unable to read CA file ", cafile);
    }
    if (verbose)
      warn("no trust anchors from ", cafile, "; continuing unverified");
  }

  fd = connect_host(host, port, io_seconds);
  if (verbose)
    warn("connected to ", host, " port ", port);
  if (smtp)
    smtp_starttls(fd, ehlo);
  if (!tls_client_start(&tls, fd, fd, name, &anchors, mode,
                        handshake_seconds, io_seconds))
    die(errno == EINVAL ? 100 : errno == EPROTO || errno == ECONNRESET ? 1
        : 111, tls_error(&tls));
  show_connection(mode);
  if (relaying)
    relay(fd);
  tls_close(&tls);
  close(fd);
  return 0;
}
