/* tlsserver -- a TLS echo server, to check a certificate and key and
 * to test TLS clients.
 *
 * Usage: tlsserver [-vs1] [-t seconds] [-T seconds] -c certfile
 *                  [-k keyfile] [host port]
 *
 * Loads the PEM certificate chain (and the private key, from certfile
 * too unless -k names another file), checks that they belong together,
 * then serves TLS 1.2 with the library's tls module: without host and
 * port, one connection on descriptors 0 and 1 (tcpserver or inetd
 * style); with them, it listens there itself and forks a process per
 * connection (at most 20 at once).  With -s each connection first
 * speaks the smallest SMTP that leads to STARTTLS.  Once encrypted,
 * every line is sent back; a line QUIT ends the connection.  One log
 * line per connection on standard error: the protocol, the cipher
 * suite and the name the client asked for, or why the handshake
 * failed.  Runs as whoever starts it; run it as the daemon user (for
 * example under setuidgid qmaild) to check that the user can read the
 * key.
 *
 * Exit codes: 0 the connection ended normally (listening: never exits
 * by itself); 1 the TLS handshake failed; 100 usage, or a certificate
 * or key that cannot be used; 111 temporary: a file could not be read,
 * a time limit ran out, the network failed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

#define USAGE "usage: tlsserver [-vs1] [-t seconds] [-T seconds]" \
  " -c certfile [-k keyfile] [host port]"
#define CHILDREN_MAX 20
#define LINE_MAX_BYTES 4096

static struct tls_chain chain;
static struct tls_key key;
static struct tls tls;
static int verbose;
static int smtp;
static unsigned int io_seconds = 60;
static unsigned int handshake_seconds = 30;
static char pidtext[FMT_ULONG];

/* A log line about one connection: "tlsserver: pid N: ...". */
#define say(...) errmsg_put(errmsg_prog, ": pid ", pidtext, ": ", \
                            __VA_ARGS__, "\n", (char *)0)

static unsigned int
seconds_arg(const char *s)
{
  unsigned int n;
  size_t len = scan_uint(s, &n);

  if (!len || s[len] || n == 0)
    die(100, "time limit must be a positive number of seconds: ", s);
  return n;
}

static void
load_credentials(const char *certfile, const char *keyfile)
{
  if (!tls_chain_load(&chain, certfile)) {
    if (errno == EINVAL)
      die(100, "unusable certificate file ", certfile, ": ", chain.error);
    die_sys(111, "unable to read certificate file ", certfile);
  }
  if (!tls_key_load(&key, keyfile)) {
    if (errno == EINVAL)
      die(100, "unusable key file ", keyfile, ": ", key.error);
    die_sys(111, "unable to read key file ", keyfile);
  }
  if (!tls_key_matches(&key, &chain))
    die(100, "the private key in ", keyfile, " does not belong to the"
        " first certificate in ", certfile);
}

/* A line from a buffer, at most LINE_MAX_BYTES long: 1, or 0 at the
 * end of input; dies on errors. */
static int
get_line(buffer *in, stralloc *line, const char *what)
{
  char c;

  line->len = 0;
  for (;;) {
    ssize_t r = buffer_get(in, &c, 1);

    if (r == -1) {
      if (in->op == tls_bufread)
        die(111, "pid ", pidtext, ": ", tls_error(&tls));
      die_sys(111, "pid ", pidtext, ": unable to read ", what);
    }
    if (r == 0)
      return line->len > 0;
    if (!stralloc_append(line, c))
      die_nomem();
    if (c == '\n')
      return 1;
    if (line->len >= LINE_MAX_BYTES)
      return 1;
  }
}

/* Is the line this command (case-insensitive), alone or with an
 * argument? */
static int
is_command(const stralloc *line, const char *command)
{
  size_t n = strlen(command);

  if (line->len < n || !case_equalb(line->s, command, n))
    return 0;
  return line->len == n || line->s[n] == ' ' || line->s[n] == '\r'
         || line->s[n] == '\n';
}

static void
put_or_die(buffer *out, const char *s)
{
  if (!buffer_putsflush(out, s)) {
    if (out->op == tls_bufwrite)
      die(111, "pid ", pidtext, ": ", tls_error(&tls));
    die_sys(111, "pid ", pidtext, ": unable to write");
  }
}

/* Plain SMTP up to STARTTLS.  Returns when TLS is to start. */
static void
smtp_until_starttls(int fd_in, int fd_out)
{
  static struct timeout limit;
  char inspace[1024], outspace[1024];
  buffer in = BUFFER_INIT(timeout_bufread, fd_in, &limit, inspace,
                          sizeof inspace);
  buffer out = BUFFER_INIT(timeout_bufwrite, fd_out, &limit, outspace,
                           sizeof outspace);
  stralloc line = STRALLOC_ZERO;

  limit.seconds = io_seconds;
  put_or_die(&out, "220 tlsserver ESMTP\r\n");
  for (;;) {
    if (!get_line(&in, &line, "the SMTP command"))
      die(111, "pid ", pidtext, ": the client left before STARTTLS");
    if (is_command(&line, "EHLO"))
      put_or_die(&out, "250-tlsserver\r\n250-PIPELINING\r\n250 STARTTLS\r\n");
    else if (is_command(&line, "HELO"))
      put_or_die(&out, "250 tlsserver\r\n");
    else if (is_command(&line, "NOOP"))
      put_or_die(&out, "250 ok\r\n");
    else if (is_command(&line, "QUIT")) {
      put_or_die(&out, "221 tlsserver\r\n");
      _exit(0);
    } else if (is_command(&line, "STARTTLS"))
      break;
    else
      put_or_die(&out, "502 only EHLO, HELO, NOOP, STARTTLS and QUIT\r\n");
  }
  put_or_die(&out, "220 ready to start TLS\r\n");
  /* a client waits for the 220 before its ClientHello; whatever came
   * with STARTTLS was injected, and is dropped (RFC 3207 section 6) */
  if (buffer_unread(&in)) {
    char num[FMT_ULONG];

    num[fmt_ulong(num, buffer_unread(&in))] = 0;
    say("dropped ", num, " bytes sent after STARTTLS");
  }
  stralloc_free(&line);
}

/* Close the connection so that the peer sees an orderly end even when
 * it sent bytes nobody read: announce the end, then read and drop what
 * still comes for a moment (closing with unread data would send a
 * reset instead).  Nothing to do when fd_out is not a socket. */
static void
linger_close(int fd_in, int fd_out)
{
  char drop[512];
  int n = 0;

  if (shutdown(fd_out, SHUT_WR) == 0)
    while (n++ < 64 && timeout_read(fd_in, drop, sizeof drop, 1) > 0)
      ;
  close(fd_in);
  close(fd_out);
}

/* One connection, in its own process. */
static int
serve(int fd_in, int fd_out)
{
  char inspace[BUFFER_INSIZE], outspace[BUFFER_OUTSIZE];
  buffer in, out;
  stralloc line = STRALLOC_ZERO;
  const char *sni;

  pidtext[fmt_ulong(pidtext, (unsigned long)getpid())] = 0;
  if (smtp)
    smtp_until_starttls(fd_in, fd_out);
  if (!tls_server_start(&tls, fd_in, fd_out, &chain, &key,
                        handshake_seconds, io_seconds)) {
    int code = errno == ETIMEDOUT || errno == EINTR ? 111 : 1;

    say(tls_error(&tls));
    linger_close(fd_in, fd_out);
    return code;
  }
  sni = tls_server_name(&tls);
  say(tls_version_name(&tls), " ", tls_cipher_name(&tls),
      *sni ? " sni=" : "", sni);
  buffer_init(&in, tls_bufread, fd_in, &tls, inspace, sizeof inspace);
  buffer_init(&out, tls_bufwrite, fd_out, &tls, outspace, sizeof outspace);
  while (get_line(&in, &line, "data")) {
    if (verbose) {
      buffer_puts(buffer_2, "< ");
      buffer_putflush(buffer_2, line.s, line.len);
    }
    if (is_command(&line, "QUIT")) {
      put_or_die(&out, "221 bye\r\n");
      break;
    }
    if (!buffer_putflush(&out, line.s, line.len))
      die(111, "pid ", pidtext, ": ", tls_error(&tls));
  }
  tls_close(&tls);
  if (verbose)
    say("end");
  return 0;
}

static int
listen_on(const char *host, const char *port, int print_port)
{
  struct addrinfo hints, *ai;
  int fd, r, on = 1;

  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST;
  r = getaddrinfo(strcmp(host, "0") == 0 ? 0 : host, port, &hints, &ai);
  if (r != 0)
    die(100, "unable to use address ", host, " port ", port, ": ",
        gai_strerror(r));
  fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
  if (fd == -1)
    die_sys(111, "unable to create a socket");
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (bind(fd, ai->ai_addr, ai->ai_addrlen) == -1)
    die_sys(111, "unable to bind to ", host, " port ", port);
  freeaddrinfo(ai);
  if (listen(fd, 64) == -1)
    die_sys(111, "unable to listen");
  if (print_port) {
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    char num[FMT_ULONG];
    unsigned int portnum = 0;

    if (getsockname(fd, (struct sockaddr *)&sa, &len) == -1)
      die_sys(111, "unable to find the port");
    if (sa.ss_family == AF_INET)
      portnum = ntohs(((struct sockaddr_in *)&sa)->sin_port);
    else if (sa.ss_family == AF_INET6)
      portnum = ntohs(((struct sockaddr_in6 *)&sa)->sin6_port);
    num[fmt_uint(num, portnum)] = 0;
    buffer_puts(buffer_1, num);
    if (!buffer_putsflush(buffer_1, "\n"))
      die_sys(111, "unable to write the port");
  }
  return fd;
}

static void
accept_loop(int listener)
{
  unsigned int children = 0;

  for (;;) {
    int fd;
    pid_t pid;

    while (children > 0 && waitpid(-1, 0, WNOHANG) > 0)
      --children;
    if (children >= CHILDREN_MAX) {
      if (wait(0) > 0)
        --children;
      continue;
    }
    fd = accept(listener, 0, 0);
    if (fd == -1) {
      if (errno != EINTR && errno != ECONNABORTED)
        warn_sys("unable to accept");
      continue;
    }
    pid = fork();
    if (pid == -1) {
      warn_sys("unable to fork");
      close(fd);
      continue;
    }
    if (pid == 0) {
      close(listener);
      _exit(serve(fd, fd));
    }
    ++children;
    close(fd);
  }
}

int
main(int argc, char **argv)
{
  const char *certfile = 0, *keyfile = 0;
  int print_port = 0, opt;

  errmsg_init("tlsserver");
  while ((opt = getopt(argc, argv, ":vs1t:T:c:k:")) != -1) {
    switch (opt) {
    case 'v': verbose = 1; break;
    case 's': smtp = 1; break;
    case '1': print_port = 1; break;
    case 't': io_seconds = seconds_arg(optarg); break;
    case 'T': handshake_seconds = seconds_arg(optarg); break;
    case 'c': certfile = optarg; break;
    case 'k': keyfile = optarg; break;
    default: die(100, USAGE);
    }
  }
  if (!certfile || (argc - optind != 0 && argc - optind != 2))
    die(100, USAGE);
  sig_ignore(SIGPIPE);
  load_credentials(certfile, keyfile ? keyfile : certfile);
  if (argc - optind == 0)
    return serve(0, 1);
  accept_loop(listen_on(argv[optind], argv[optind + 1], print_port));
  return 111;
}
