/* serial_flush.h -- the common part of maildirsmtp and maildirqmtp
 * (serial_flush.c): the options they share, the look into the spool
 * before dialling, the connection, and the maildirserial command line
 * they end in.
 *
 *   flush_init(f, program, usage, port)
 *       Name the program for its messages (errmsg_init), keep its usage
 *       line, and set the defaults: port (or $PORT when set and not
 *       empty), lifetime FLUSH_LIFETIME, FLUSH_CONNECT_SECONDS for each
 *       connection attempt, no -T for the client.
 *   flush_usage(f)
 *       Exit 100 with f's usage line.
 *   flush_number(f, s)
 *       s as a whole number above 0; anything else is a usage error.
 *   flush_option(f, opt, arg)
 *       The options both programs take: -p port, -l lifetime, -T
 *       seconds (for the client), -C seconds (for each connection
 *       attempt).  1 when opt is one of them (arg checked and kept), 0
 *       when it is not.
 *   flush_dial(f, dir, prefix, host, client)
 *       Exits 0 with a line "nothing to send" on fd 2 when dir/new and
 *       dir/cur hold no file, so an empty spool dials no link up, and
 *       111 when dir is not a maildir; a port above 65535 is a usage
 *       error.  Connects to host (an address, or a name's address
 *       records, tried in turn) and puts the connection on fds 6 and 7,
 *       with $TCPREMOTEIP and $TCPREMOTEPORT set for the client; when no
 *       address answers, exits 111 with one line on fd 2 saying that
 *       nothing was sent and the spool is kept.  Then starts the command
 *       line "maildirserial -b -t lifetime -- dir prefix client", both
 *       programs from HOME/bin.
 *   flush_arg(f, arg)
 *       Append arg to the command line.
 *   flush_arg_value(f, flag, value)
 *       Append flag and value when value is not null.
 *   flush_exec(f)
 *       Run the command line; exits 111 when it cannot.
 */
#ifndef SERIAL_FLUSH_H
#define SERIAL_FLUSH_H

#define FLUSH_CONNECT_SECONDS 60
#define FLUSH_LIFETIME "1209600"
#define FLUSH_ARGS_MAX 32

struct serial_flush {
  const char *usage;
  unsigned int port;
  unsigned int connect_seconds;
  const char *lifetime;
  const char *io_seconds;      /* the client's -T, or null */
  char *args[FLUSH_ARGS_MAX];
  int n;
};

void flush_init(struct serial_flush *f, const char *program,
                const char *usage, unsigned int port);
void flush_usage(const struct serial_flush *f) __attribute__((noreturn));
unsigned int flush_number(const struct serial_flush *f, const char *s);
int flush_option(struct serial_flush *f, int opt, const char *arg);
void flush_dial(struct serial_flush *f, const char *dir, const char *prefix,
                const char *host, const char *client);
void flush_arg(struct serial_flush *f, const char *arg);
void flush_arg_value(struct serial_flush *f, const char *flag,
                     const char *value);
void flush_exec(struct serial_flush *f) __attribute__((noreturn));

#endif
