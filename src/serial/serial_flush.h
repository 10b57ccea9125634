/* serial_flush.h -- the common part of maildirsmtp and maildirqmtp
 * (serial_flush.c).
 *
 *   flush_anything(dir)
 *       1 when dir/new or dir/cur holds a file; 0 (and a line "nothing
 *       to send" on fd 2) when neither does, so an empty spool dials no
 *       link up.  Exits 111 when dir is not a maildir.
 *   flush_connect(dir, host, port, seconds)
 *       Connect to host (an address, or a name's address records, tried
 *       in turn; seconds for each attempt) and put the connection on fds
 *       6 and 7, with $TCPREMOTEIP and $TCPREMOTEPORT set for the
 *       client.  When no address answers, exits 111 with one line on fd
 *       2 saying that nothing was sent and the spool is kept.
 *   flush_program(name)
 *       The path of the mail system's program name (HOME/bin/name).
 */
#ifndef SERIAL_FLUSH_H
#define SERIAL_FLUSH_H

#define FLUSH_CONNECT_SECONDS 60
#define FLUSH_LIFETIME "1209600"

int flush_anything(const char *dir);
void flush_connect(const char *dir, const char *host, unsigned int port,
                   unsigned int connect_seconds);
char *flush_program(const char *name);

#endif
