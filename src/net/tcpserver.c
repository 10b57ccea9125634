/* tcpserver -- accept TCP connections and run a program for each one.
 *
 * Usage: tcpserver [-1UXpPhHrRoOdDqQv] [-c limit] [-x rules.cdb]
 *          [-B banner] [-g gid] [-u uid] [-b backlog] [-l localname]
 *          [-t timeout] host port program [arg ...]
 *
 * The listener of ucspi-tcp, with its command line, environment
 * (netenv.h), rules databases (rulescdb.h, made by tcprules) and log
 * lines; see tcpserver.1 for what is different (no DNS or ident lookups
 * unless asked for, "::" listens on IPv4 and IPv6).
 *
 * Run by start scripts (rc.d, init.d, supervise run files), usually as
 * root so that it can bind a port below 1024.  It binds, then drops to
 * the -g/-u (or -U) group and user before it accepts a single
 * connection, so the listener, the rules lookups and the programs all
 * run unprivileged when those options are given.  It never reads a
 * byte from a connection.  The parent accepts, starts and reaps;
 * everything that may be slow (the banner, a host name lookup) happens
 * in a forked child, which then execs the program with the connection
 * on descriptors 0 and 1.  When nothing slow is asked for (no -h, no
 * -B), the parent sets up the environment itself, looks up the rules
 * (a cdb lookup: microseconds) and starts the program with
 * posix_spawn, which spares the copy of this process's memory that a
 * fork makes and an exec tears down again, the larger part of the cost
 * of a connection; a connection the rules deny, or any trouble, takes
 * the forked path, which logs it exactly as before.  With -c connections running, the
 * parent stops accepting: new clients wait in the kernel's backlog and
 * are never refused or reset.
 *
 * Exit codes: 0 after SIGTERM (running programs go on); 100 for a usage
 * error; 111 when it cannot listen (unknown host or port name, address
 * in use, the privilege drop fails).  A child that does not reach the
 * program ends with 100 when a rule denies the connection and 111 when
 * the rules cannot be read or the program cannot be run; its end line
 * shows that status.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "constdb.h"
#include "env.h"
#include "errmsg.h"
#include "fd.h"
#include "fmt.h"
#include "iptext.h"
#include "netenv.h"
#include "prot.h"
#include "rulescdb.h"
#include "scan.h"
#include "sig.h"
#include "stralloc.h"
#include "wait.h"

#define USAGE "usage: tcpserver [-1UXpPhHrRoOdDqQv] [-c limit] " \
  "[-x rules.cdb] [-B banner] [-g gid] [-u uid] [-b backlog] " \
  "[-l localname] [-t timeout] host port program [arg ...]"

extern char **environ;

static struct {
  unsigned long limit;
  unsigned long backlog;
  const char *rules;
  int rules_optional;
  const char *banner;
  long uid, gid;              /* -1: keep */
  int print_port;
  int lookup_host;
  int paranoid;
  int nodelay;
  int keep_ipoptions;
  int verbosity;              /* 0 -q, 1 -Q, 2 -v */
  const char *localname;
} opt = { 40, 20, 0, 0, 0, -1, -1, 0, 0, 0, 0, 0, 1, 0 };

static int listenfd = -1;
static int selfpipe[2] = { -1, -1 };
static volatile sig_atomic_t terminating;
static unsigned long active;

static void usage(void) __attribute__((noreturn));
static void serve(int fd, const struct sockaddr *remote,
                  char **argv) __attribute__((noreturn));

static void
usage(void)
{
  die(100, USAGE);
}

/* One log line "tcpserver: ..." in one write, so the lines of the
 * parent and its children never interleave. */
static void
logline(const char *s, ...)
{
  char line[1024];
  size_t len = 0;
  const char *part;
  va_list ap;

#define ADD(str) do { \
    size_t n_ = strlen(str); \
    if (n_ > sizeof line - 1 - len) n_ = sizeof line - 1 - len; \
    memcpy(line + len, (str), n_); len += n_; \
  } while (0)
  ADD(errmsg_prog);
  ADD(": ");
  va_start(ap, s);
  for (part = s; part; part = va_arg(ap, const char *))
    ADD(part);
  va_end(ap);
#undef ADD
  line[len++] = '\n';
  while (write(2, line, len) == -1 && errno == EINTR)
    ;
}

#define say(...) do { if (opt.verbosity >= 2) logline(__VA_ARGS__, (char *)0); } while (0)
#define complain(...) do { if (opt.verbosity >= 1) warn(__VA_ARGS__); } while (0)
#define complain_sys(...) do { if (opt.verbosity >= 1) warn_sys(__VA_ARGS__); } while (0)

static void
say_status(void)
{
  char n[FMT_ULONG], limit[FMT_ULONG];

  n[fmt_ulong(n, active)] = 0;
  limit[fmt_ulong(limit, opt.limit)] = 0;
  say("status: ", n, "/", limit);
}

static void
wake(int sig)
{
  int saved = errno;

  if (sig == SIGTERM)
    terminating = 1;
  if (write(selfpipe[1], "", 1) == -1) {
    /* the pipe is full: the main loop is awake already */
  }
  errno = saved;
}

/* A number that must be all digits; 0 when it is not one. */
static int
number(const char *s, unsigned long *out)
{
  size_t n = scan_ulong(s, out);

  return n > 0 && s[n] == 0;
}

static long
user_id(const char *s)
{
  unsigned long n;
  struct passwd *pw;

  if (number(s, &n))
    return (long)n;
  pw = getpwnam(s);
  if (!pw)
    die(111, "unknown user ", s);
  return (long)pw->pw_uid;
}

static long
group_id(const char *s)
{
  unsigned long n;
  struct group *gr;

  if (number(s, &n))
    return (long)n;
  gr = getgrnam(s);
  if (!gr)
    die(111, "unknown group ", s);
  return (long)gr->gr_gid;
}

/* Become the -g group (and only it) and the -u user; an id not given
 * stays as it is, but a root listener drops its supplementary groups
 * either way. */
static void
drop_privileges(void)
{
  uid_t uid = opt.uid != -1 ? (uid_t)opt.uid : getuid();
  gid_t gid = opt.gid != -1 ? (gid_t)opt.gid : getgid();

  char u[FMT_ULONG], g[FMT_ULONG];

  if (opt.uid == -1 && opt.gid == -1)
    return;
  if (!prot_become(uid, gid)) {
    u[fmt_ulong(u, (unsigned long)uid)] = 0;
    g[fmt_ulong(g, (unsigned long)gid)] = 0;
    die_sys(111, "unable to switch to user ", u, " and group ", g);
  }
}

static unsigned int
port_number(const char *port)
{
  unsigned long n;
  struct servent *se;

  if (number(port, &n)) {
    if (n > 65535)
      die(111, "port ", port, " is over 65535");
    return (unsigned int)n;
  }
  se = getservbyname(port, "tcp");
  if (!se)
    die(111, "unable to figure out port number for ", port);
  return ntohs((unsigned short)se->s_port);
}

/* Fill ss for host ("0" for every IPv4 address, "::" for every IPv6
 * and IPv4 address, a literal, or a name's first address). */
static socklen_t
listen_address(const char *host, unsigned int port,
               struct sockaddr_storage *ss, int *any6)
{
  struct sockaddr_in *sin = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
  unsigned char ip[16];
  size_t len = strlen(host);

  memset(ss, 0, sizeof *ss);
  *any6 = 0;
  if (strcmp(host, "0") == 0 || iptext_scan4(host, len, ip)) {
    sin->sin_family = AF_INET;
    sin->sin_port = htons((unsigned short)port);
    if (strcmp(host, "0") != 0)
      memcpy(&sin->sin_addr, ip, 4);
    return sizeof *sin;
  }
  if (iptext_scan6(host, len, ip)) {
    static const unsigned char zero[16];

    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons((unsigned short)port);
    memcpy(&sin6->sin6_addr, ip, 16);
    *any6 = memcmp(ip, zero, 16) == 0;
    return sizeof *sin6;
  }
  {
    struct addrinfo hints, *list = 0;
    socklen_t salen;
    int r;

    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    r = getaddrinfo(host, 0, &hints, &list);
    if (r != 0 || !list)
      die(111, "unable to figure out IP address for ", host, ": ",
          r ? gai_strerror(r) : "no address");
    salen = list->ai_addrlen;
    if (salen > sizeof *ss)
      die(111, "unable to figure out IP address for ", host);
    memcpy(ss, list->ai_addr, salen);
    freeaddrinfo(list);
    if (ss->ss_family == AF_INET)
      sin->sin_port = htons((unsigned short)port);
    else if (ss->ss_family == AF_INET6)
      sin6->sin6_port = htons((unsigned short)port);
    else
      die(111, "unable to figure out IP address for ", host);
    return salen;
  }
}

static void
start_listening(const char *host, const char *port)
{
  struct sockaddr_storage ss;
  socklen_t len;
  int one = 1, any6;

  len = listen_address(host, port_number(port), &ss, &any6);
  listenfd = socket(ss.ss_family, SOCK_STREAM, 0);
  if (listenfd == -1)
    die_sys(111, "unable to create socket");
  if (!fd_coe(listenfd) || !fd_ndelay_on(listenfd))
    die_sys(111, "unable to set up socket");
  if (setsockopt(listenfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == -1)
    die_sys(111, "unable to set SO_REUSEADDR");
  if (ss.ss_family == AF_INET6) {
    /* "::" takes IPv4 clients too, as IPv4-mapped addresses; systems
     * that have no such thing (OpenBSD) refuse and stay IPv6-only */
    int only = !any6;

    if (setsockopt(listenfd, IPPROTO_IPV6, IPV6_V6ONLY, &only, sizeof only)
        == -1 && !only)
      complain_sys("IPv4 clients cannot connect to ::");
  }
  if (bind(listenfd, (struct sockaddr *)&ss, len) == -1)
    die_sys(111, "unable to bind");
  if (listen(listenfd, opt.backlog > 65535 ? 65535 : (int)opt.backlog) == -1)
    die_sys(111, "unable to listen");
}

static void
print_port(void)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  unsigned int port;
  char s[FMT_ULONG + 1];
  size_t n;

  if (getsockname(listenfd, (struct sockaddr *)&ss, &len) == -1)
    die_sys(111, "unable to get local address");
  port = ss.ss_family == AF_INET6
    ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
  n = fmt_uint(s, port);
  s[n++] = '\n';
  if (write(1, s, n) != (ssize_t)n)
    die_sys(111, "unable to print the port number");
}

static void
reap(void)
{
  int status;
  pid_t pid;

  while ((pid = wait_nohang(&status)) > 0) {
    char p[FMT_ULONG], st[FMT_ULONG];

    if (active)
      --active;
    p[fmt_ulong(p, (unsigned long)pid)] = 0;
    st[fmt_uint(st, (unsigned int)status)] = 0;
    say("end ", p, " status ", st);
    say_status();
  }
}

/* The parent's way to start the program for fd (see the top): 1 when
 * it runs, 0 when the connection must take the forked path. */
static int
spawn_direct(int fd, const struct sockaddr *remote, char **argv)
{
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  struct netenv ne;
  envbuild eb = ENVBUILD_ZERO;
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO, vars = STRALLOC_ZERO;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, deflt;
  char **envp;
  char pid[FMT_ULONG];
  pid_t child;
  int deny = 0, ok = 0, one = 1, r;
  size_t i;

  if (getsockname(fd, (struct sockaddr *)&local, &len) == -1
      || !netenv_addresses(&ne, (struct sockaddr *)&local, remote))
    return 0;
  if (!env_init(&eb) || !netenv_put(&eb, &ne, opt.localname, 0))
    goto done;
  if (opt.rules) {
    struct constdb db;

    if (!constdb_open(&db, opt.rules)) {
      if (errno != ENOENT || !opt.rules_optional)
        goto done;
    } else {
      r = rulescdb_lookup(&db, ne.remoteip, 0, 0, &key, &data);
      if (r == 1 && !rulescdb_decode(data.s, data.len, &deny, &vars))
        r = -1;
      constdb_close(&db);
      if (r == -1 || deny)
        goto done;
      for (i = 0; i < vars.len; i += strlen(vars.s + i) + 1)
        if (!env_put(&eb, vars.s + i))
          goto done;
    }
  }
  envp = env_build(&eb);
  if (!envp)
    goto done;
  if (opt.nodelay)
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!opt.keep_ipoptions && remote->sa_family == AF_INET)
    setsockopt(fd, IPPROTO_IP, IP_OPTIONS, 0, 0);

  sigemptyset(&none);
  sigemptyset(&deflt);
  sigaddset(&deflt, SIGPIPE);
  sigaddset(&deflt, SIGCHLD);
  sigaddset(&deflt, SIGTERM);
  if (posix_spawn_file_actions_init(&fa))
    goto done;
  if (posix_spawnattr_init(&attr)) {
    posix_spawn_file_actions_destroy(&fa);
    goto done;
  }
  /* fd is above 2 (0, 1 and 2 are always open here) */
  r = posix_spawn_file_actions_adddup2(&fa, fd, 0)
    || posix_spawn_file_actions_adddup2(&fa, fd, 1)
    || posix_spawn_file_actions_addclose(&fa, fd)
    || posix_spawnattr_setsigmask(&attr, &none)
    || posix_spawnattr_setsigdefault(&attr, &deflt)
    || posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK
                                | POSIX_SPAWN_SETSIGDEF);
  if (!r)
    r = posix_spawnp(&child, argv[0], &fa, &attr, argv, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (r)
    goto done;                /* the forked path says why */
  pid[fmt_ulong(pid, (unsigned long)child)] = 0;
  say("pid ", pid, " from ", ne.remoteip);
  say("ok ", pid, " ", opt.localname ? opt.localname : "", ":", ne.localip,
      ":", ne.localport, " :", ne.remoteip, "::", ne.remoteport);
  ok = 1;
done:
  env_free(&eb);
  stralloc_free(&key);
  stralloc_free(&data);
  stralloc_free(&vars);
  return ok;
}

/* Accept while there is room; 0 when accepting must pause (out of
 * descriptors or processes). */
static int
accept_some(char **argv)
{
  while (active < opt.limit && !terminating) {
    struct sockaddr_storage remote;
    socklen_t len = sizeof remote;
    pid_t pid;
    int fd = accept(listenfd, (struct sockaddr *)&remote, &len);

    if (fd == -1) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return 1;
      if (errno == ECONNABORTED || errno == EPROTO || errno == EPERM
          || errno == ENETDOWN || errno == EHOSTUNREACH)
        continue;             /* that client gave up; the next one */
      complain_sys("unable to accept");
      return 0;
    }
    ++active;
    say_status();
    if (!opt.lookup_host && !(opt.banner && *opt.banner)
        && spawn_direct(fd, (struct sockaddr *)&remote, argv)) {
      close(fd);
      continue;
    }
    pid = fork();
    if (pid == -1) {
      complain_sys("unable to fork");
      close(fd);
      --active;
      say_status();
      return 0;
    }
    if (pid == 0)
      serve(fd, (struct sockaddr *)&remote, argv);
    close(fd);
  }
  return 1;
}

static void
set_options(int argc, char **argv)
{
  unsigned long n;
  int c, use_env_ids = 0;

  opterr = 0;
  while ((c = getopt(argc, argv, "+1UXpPhHrRoOdDqQvc:x:B:g:u:b:l:t:"))
         != -1)
    switch (c) {
    case '1': opt.print_port = 1; break;
    case 'U': use_env_ids = 1; break;
    case 'X': opt.rules_optional = 1; break;
    case 'p': opt.paranoid = 1; break;
    case 'P': opt.paranoid = 0; break;
    case 'h': opt.lookup_host = 1; break;
    case 'H': opt.lookup_host = 0; break;
    case 'r': case 'R': break;          /* no ident lookups, ever */
    case 'o': opt.keep_ipoptions = 1; break;
    case 'O': opt.keep_ipoptions = 0; break;
    case 'd': opt.nodelay = 0; break;
    case 'D': opt.nodelay = 1; break;
    case 'q': opt.verbosity = 0; break;
    case 'Q': opt.verbosity = 1; break;
    case 'v': opt.verbosity = 2; break;
    case 'c':
      if (!number(optarg, &opt.limit) || opt.limit == 0 || opt.limit > 65535)
        die(100, "-c: the limit is a number from 1 to 65535");
      break;
    case 'x': opt.rules = optarg; break;
    case 'B': opt.banner = optarg; break;
    case 'g': opt.gid = group_id(optarg); break;
    case 'u': opt.uid = user_id(optarg); break;
    case 'b':
      if (!number(optarg, &opt.backlog) || opt.backlog == 0)
        die(100, "-b: the backlog is a positive number");
      break;
    case 'l': opt.localname = optarg; break;
    case 't':
      if (!number(optarg, &n))
        die(100, "-t: the timeout is a number of seconds");
      break;
    default: usage();
    }
  if (use_env_ids) {
    const char *uid = env_get("UID"), *gid = env_get("GID");

    if (!uid || !gid || !number(uid, &n) || !number(gid, &n))
      die(111, "-U: $UID and $GID must be set to numbers (envuidgid sets "
          "them)");
    opt.uid = user_id(uid);
    opt.gid = group_id(gid);
  }
}

/* Descriptors 0, 1 and 2 open, so that no socket lands on them by
 * accident and log lines never go to a client. */
static void
open_standard_fds(void)
{
  int fd;

  for (fd = 0; fd < 3; ++fd)
    if (fcntl(fd, F_GETFD) == -1 && errno == EBADF
        && open("/dev/null", O_RDWR) != fd)
      _exit(111);
}

int
main(int argc, char **argv)
{
  open_standard_fds();
  errmsg_init("tcpserver");
  set_options(argc, argv);
  argv += optind;
  argc -= optind;
  if (argc < 3)
    usage();

  start_listening(argv[0], argv[1]);
  drop_privileges();
  if (opt.print_port)
    print_port();

  if (pipe(selfpipe) == -1 || !fd_coe(selfpipe[0]) || !fd_coe(selfpipe[1])
      || !fd_ndelay_on(selfpipe[0]) || !fd_ndelay_on(selfpipe[1]))
    die_sys(111, "unable to create a pipe");
  /* a dead log reader must not kill the listener; children get the
   * default back before they exec */
  if (!sig_ignore(SIGPIPE) || !sig_catch(SIGCHLD, wake)
      || !sig_catch(SIGTERM, wake))
    die_sys(111, "unable to catch signals");
  say_status();

  for (;;) {
    struct pollfd p[2];
    int paused = 0;

    reap();
    if (terminating)
      return 0;
    for (;;) {
      nfds_t n = 1;
      int r;

      p[0].fd = selfpipe[0];
      p[0].events = POLLIN;
      if (active < opt.limit && !paused) {
        p[1].fd = listenfd;
        p[1].events = POLLIN;
        n = 2;
      }
      r = poll(p, n, paused ? 250 : -1);
      if (r == -1 && errno != EINTR)
        die_sys(111, "unable to poll");
      paused = 0;
      if (r > 0 && (p[0].revents & POLLIN)) {
        char drain[64];

        while (read(selfpipe[0], drain, sizeof drain) > 0)
          ;
        break;
      }
      if (r > 0 && n == 2 && p[1].revents)
        paused = !accept_some(argv + 2);
      if (terminating)
        break;
    }
  }
}

/* The child: one connection, on fd. */
static void
serve(int fd, const struct sockaddr *remote, char **argv)
{
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  struct netenv ne;
  envbuild eb = ENVBUILD_ZERO;
  stralloc host = STRALLOC_ZERO, key = STRALLOC_ZERO, data = STRALLOC_ZERO;
  stralloc vars = STRALLOC_ZERO;
  const char *remotehost = 0;
  char pid[FMT_ULONG];
  int deny = 0, one = 1;
  size_t i;

  close(listenfd);
  close(selfpipe[0]);
  close(selfpipe[1]);
  sig_default(SIGCHLD);
  sig_default(SIGTERM);
  pid[fmt_ulong(pid, (unsigned long)getpid())] = 0;

  if (getsockname(fd, (struct sockaddr *)&local, &len) == -1
      || !netenv_addresses(&ne, (struct sockaddr *)&local, remote)) {
    complain_sys("dropping connection, unable to get local address");
    _exit(111);
  }
  say("pid ", pid, " from ", ne.remoteip);
  if (opt.banner && *opt.banner
      && write(fd, opt.banner, strlen(opt.banner)) == -1)
    _exit(111);             /* the client is gone */
  if (opt.nodelay)
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!opt.keep_ipoptions && remote->sa_family == AF_INET)
    setsockopt(fd, IPPROTO_IP, IP_OPTIONS, 0, 0);
  if (opt.lookup_host && netenv_remotehost(&ne, opt.paranoid, &host))
    remotehost = host.s;

  if (!env_init(&eb) || !netenv_put(&eb, &ne, opt.localname, remotehost))
    die_nomem();
  if (opt.rules) {
    struct constdb db;
    int r;

    if (!constdb_open(&db, opt.rules)) {
      if (errno != ENOENT || !opt.rules_optional) {
        complain_sys("dropping connection, unable to read ", opt.rules);
        _exit(111);
      }
    } else {
      r = rulescdb_lookup(&db, ne.remoteip, remotehost, 0, &key, &data);
      if (r == 1 && !rulescdb_decode(data.s, data.len, &deny, &vars))
        r = -1;
      constdb_close(&db);
      if (r == -1) {
        complain_sys("dropping connection, unable to read ", opt.rules);
        _exit(111);
      }
      for (i = 0; i < vars.len; i += strlen(vars.s + i) + 1)
        if (!env_put(&eb, vars.s + i))
          die_nomem();
    }
  }
  say(deny ? "deny " : "ok ", pid, " ", opt.localname ? opt.localname : "",
      ":", ne.localip, ":", ne.localport, " ", remotehost ? remotehost : "",
      ":", ne.remoteip, "::", ne.remoteport);
  if (deny)
    _exit(100);

  if (!fd_copy(0, fd) || !fd_copy(1, fd))
    die_sys(111, "unable to set up descriptors");
  if (fd > 1)
    close(fd);
  environ = env_build(&eb);
  if (!environ)
    die_nomem();
  sig_default(SIGPIPE);
  execvp(argv[0], argv);
  complain_sys("dropping connection, unable to run ", argv[0]);
  _exit(111);
}
