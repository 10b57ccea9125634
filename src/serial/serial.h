/* serial.h -- what the dial-up spool programs share (serial_envelope.c,
 * and serial_client.c for the clients).
 *
 * A spool is a maildir that qmail-local fills: every message in it
 * starts with the two lines qmail-local writes for a maildir delivery,
 *     Return-Path: <sender>
 *     Delivered-To: PREFIXrecipient
 * and PREFIX (for instance "alias-outgoing-") comes off the
 * Delivered-To address to give the real envelope recipient.
 *
 * The client interface (serialmail's): maildirserial runs a client in
 * the maildir with the names of the files to send on its fd 0, each
 * ending in a NUL byte.  For each file it has dealt with, the client
 * writes to its fd 1 the name, a NUL byte, a status byte (K accepted,
 * Z temporarily refused, D permanently refused) and a line of text
 * ending in LF.  A client says nothing about a file it did not get to.
 *
 *   serial_envelope_read(fd, env)
 *       Read the two lines from the start of the file open on fd (in
 *       either order, before any other line).  Returns 1 with
 *       env->sender (unquoted; "" for the null sender), env->delivered
 *       (the Delivered-To address as written) and env->body (the offset
 *       of the first byte after the two lines) set, the file's offset
 *       then at env->body.  Returns 0 with errno EINVAL and env->why
 *       saying what is wrong with the file ("not a plain file", "no
 *       Return-Path line at the top", ...), or another errno when
 *       reading failed.  Open the file with O_NONBLOCK: a FIFO is then
 *       refused here instead of blocking the open.
 *   serial_recipient(env, prefix)
 *       The recipient: env->delivered after prefix, or a null pointer
 *       when it does not begin with prefix (or nothing is left).
 *   serial_result(out, name, status, text)
 *       Write one client result to out (not flushed); a line end inside
 *       text becomes a space.  1, or 0 with errno.
 *
 * For the clients (serial_client.c):
 *
 *   serial_server(given)
 *       The server's name for the texts: given, or $TCPREMOTEHOST when
 *       given is null; when that is null or empty, $TCPREMOTEIP; when
 *       that is not set either, "".
 *   serial_open(name, env, prefix, fd)
 *       Open the spool file name (O_NONBLOCK, no symlink followed), read
 *       its envelope into env and return its recipient (as
 *       serial_recipient), with *fd open at env->body.  When the file
 *       cannot be sent: a null pointer, *fd -1, and env->why saying why
 *       ("unable to open the file: REASON", what serial_envelope_read
 *       found wrong, or a read error) for the file's result; env->why is
 *       null when the file is simply not for prefix and gets no result.
 *   serial_each_file(send)
 *       Call send with each file name read from fd 0 (names end in a
 *       NUL byte; an empty one is passed over) until the end of the
 *       input; exits 111 when reading fails.
 */
#ifndef SERIAL_H
#define SERIAL_H

#include <sys/types.h>

#include "buffer.h"
#include "stralloc.h"

/* the longest envelope line read */
#define SERIAL_LINE_MAX 4096

struct serial_envelope {
  stralloc sender;
  stralloc delivered;
  off_t body;
  const char *why;
};

#define SERIAL_ENVELOPE_ZERO { STRALLOC_ZERO, STRALLOC_ZERO, 0, 0 }

int serial_envelope_read(int fd, struct serial_envelope *env);
const char *serial_recipient(struct serial_envelope *env, const char *prefix);
int serial_result(buffer *out, const char *name, char status,
                  const char *text);
const char *serial_server(const char *given);
const char *serial_open(const char *name, struct serial_envelope *env,
                        const char *prefix, int *fd);
void serial_each_file(void (*send)(const char *name));

#endif
