/* smtpclient.h -- the client side of SMTP (RFC 5321), over buffers.
 *
 * qmail-remote uses it now, serialsmtp and maildirsmtp later, so it
 * knows nothing about the queue, routing or reports: it sends commands,
 * reads replies, learns the server's extensions, switches to TLS, logs
 * in, and sends a message body.  The caller owns the connection and the
 * two buffers (an input buffer reading the socket and an output buffer
 * writing it, normally with timeoutio's operations so that every read
 * and write has a limit), and decides what each reply code means.
 *
 * Conventions: functions return 1 on success and 0 on failure with errno
 * set, except where a reply code is returned (then 0 means failure).  A
 * failure also leaves a sentence in c->error (NUL-terminated, no final
 * period) that says what went wrong for a report: "connection closed by
 * the server", "timed out waiting for a reply", "reply line longer than
 * 4096 bytes".  After a failure the session is unusable: the caller
 * closes the connection.
 *
 *
 * Replies (smtpreply_*: a parser with no I/O, fed line by line)
 * ----------------------------------------------------------------
 * A reply is one or more lines "CODE-text" ending with one "CODE text"
 * or "CODE" alone (RFC 5321 section 4.2).  CODE is three digits, the
 * first 2 to 5, the second 0 to 5; every line of one reply must carry
 * the same code.  Lines end in CRLF; a bare LF is accepted too, and the
 * CR before it is not part of the line.
 *
 *   smtpreply_start(r)
 *       Empty r for a new reply.
 *   smtpreply_line(r, line, len)
 *       Take one line (without its line end).  Returns 1 when the reply
 *       goes on (a "CODE-" line), 0 when it is complete (r->code set),
 *       -1 when the line is malformed, with errno EPROTO (no code, a
 *       code out of range, a code other than the first line's, a fourth
 *       byte other than '-' or ' ') or EMSGSIZE (more than
 *       SMTPREPLY_LINES lines).
 *   What is kept: r->text holds the reply's lines as received, codes
 *   included, joined by '\n' (no final '\n'), at most SMTPREPLY_TEXT
 *   bytes; more is dropped and r->truncated set.  Bytes that are not
 *   printable ASCII (controls, NUL, 8-bit) become '?' there, so the text
 *   is safe in a log line or a NUL-terminated report.  r->lines counts
 *   every line.  r->text is NUL-terminated (not counted in text_len).
 *   Memory is fixed: nothing here allocates, whatever the peer sends.
 *
 *
 * Sessions
 * --------
 *   smtpclient_init(c, in, out)
 *       Start a session over the two buffers.  c must stay where it is
 *       while in use (no allocation, nothing to free).  The caller may
 *       then set c->reply_seconds: the most one whole reply may take
 *       (0, the default, for no limit beyond each read's), so that a
 *       server trickling a byte at a time cannot hold the client for
 *       hours; a reply that takes longer fails with ETIMEDOUT.
 *   smtpclient_reply(c)
 *       Read one whole reply into c->reply; returns its code, or 0 on
 *       failure: errno ETIMEDOUT (the input operation timed out),
 *       ECONNRESET (end of input before the reply was complete),
 *       EPROTO or EMSGSIZE (as smtpreply_line), EMSGSIZE also for a line
 *       longer than SMTPREPLY_LINE bytes (it is read no further: a
 *       server sending a megabyte without a newline costs no memory),
 *       or the error of the input operation.
 *   smtpclient_send(c, s, len)
 *       Queue the command s[0..len) with CRLF added; nothing is flushed.
 *       A command holding CR or LF is refused (EINVAL): no caller can
 *       smuggle a second command into one line.
 *   smtpclient_flush(c)
 *       Write out what was queued.  Failure: the output's errno, and
 *       c->error.
 *   smtpclient_command(c, s)
 *       Send the NUL-terminated command s, flush, and read the reply;
 *       returns its code or 0.
 *   smtpclient_ehlo(c, name)
 *       "EHLO name"; when the server answers 5xx (it does not know EHLO,
 *       RFC 5321 section 3.2) "HELO name" instead.  Returns the code of
 *       the last reply (250 when the server greets us), or 0.  After a
 *       250 to EHLO, c->esmtp is 1 and the extensions the reply lists
 *       are in c->ext (SMTPCLIENT_EXT_ bits), the AUTH mechanisms named
 *       (either "AUTH PLAIN LOGIN" or the old "AUTH=PLAIN LOGIN") in
 *       c->auth (SMTPCLIENT_AUTH_ bits) and a SIZE limit in c->size (0
 *       for none given).  Keywords are compared without regard to case;
 *       extensions in lines past SMTPREPLY_TEXT bytes are not seen.
 *       After HELO, c->esmtp, c->ext and c->auth are 0.
 *   smtpclient_starttls(c)
 *       Send STARTTLS and read the reply; returns its code, or 0.  On
 *       220 the caller starts TLS on the socket (tls_client_start) and
 *       then calls smtpclient_tls.  A server that sent anything after
 *       its 220 reply is refused here (0, errno EPROTO, c->error
 *       "the server sent data after its 220 reply to STARTTLS"): those
 *       bytes came before the encryption and could be an attacker's
 *       (RFC 3207 section 6; CVE-2011-0411).
 *   smtpclient_tls(c, tls)
 *       Point both buffers at the TLS connection (tls_bufread and
 *       tls_bufwrite, same space as before).  What the server said
 *       before is forgotten: c->esmtp, c->ext, c->auth and c->size are
 *       reset, and the caller must send EHLO again (RFC 3207).
 *   smtpclient_auth(c, mechanism, user, password)
 *       Log in with SMTPCLIENT_AUTH_PLAIN (one "AUTH PLAIN base64"
 *       line with the empty authorisation identity) or
 *       SMTPCLIENT_AUTH_LOGIN (user and password each on its own line
 *       after the server's 334 prompts).  Returns the code of the last
 *       reply (235 on success; a 334 where none was expected ends the
 *       exchange with "*" and the code of the reply to that), or 0.
 *       The encoded credentials are wiped from memory made for them;
 *       the output buffer still holds them until overwritten, so the
 *       caller's output space should be wiped when the session ends if
 *       that matters.
 *   smtpclient_data(c, message)
 *       Send the message read from the buffer message up to its end,
 *       in DATA form (the caller sent DATA and got 354): every line
 *       ends in CRLF (an LF becomes CRLF, a CR LF stays as it is, a
 *       last line without a line end gets one), a line starting with
 *       '.' gets another '.' in front (RFC 5321 section 4.5.2), every
 *       other byte is sent unchanged (8-bit bodies too), then ".\r\n"
 *       and a flush.  Returns 1, or 0: c->local is 1 when reading the
 *       message failed (its errno; the connection is still fine but the
 *       transaction must be abandoned), 0 when writing to the server
 *       failed.  The caller reads the reply with smtpclient_reply.
 *   smtpclient_quit(c)
 *       Send QUIT and wait for the reply; the result does not matter,
 *       so there is none.
 *   smtpclient_error(c, what)
 *       Set c->error to what (for a caller's own failures, so that one
 *       field says what went wrong).
 *   smtpclient_io_error(c, doing)
 *       Set c->error from errno for a failure while doing something:
 *       "timed out waiting for a reply", "connection lost sending the
 *       message", or "doing: strerror(errno)"; errno is kept.
 */
#ifndef SMTPCLIENT_H
#define SMTPCLIENT_H

#include <stddef.h>

#include "buffer.h"

#define SMTPREPLY_LINE 4096     /* longest reply line read */
#define SMTPREPLY_LINES 1000    /* most lines in one reply */
#define SMTPREPLY_TEXT 4096     /* bytes of text kept */

struct smtpreply {
  unsigned int code;           /* 0 until a reply is complete */
  unsigned int first;          /* the code of the first line */
  unsigned long lines;
  int truncated;
  size_t text_len;
  char text[SMTPREPLY_TEXT + 1];
};

void smtpreply_start(struct smtpreply *r);
int smtpreply_line(struct smtpreply *r, const char *line, size_t len);

#define SMTPCLIENT_EXT_STARTTLS 1u
#define SMTPCLIENT_EXT_PIPELINING 2u
#define SMTPCLIENT_EXT_8BITMIME 4u
#define SMTPCLIENT_EXT_SIZE 8u
#define SMTPCLIENT_EXT_AUTH 16u

#define SMTPCLIENT_AUTH_PLAIN 1u
#define SMTPCLIENT_AUTH_LOGIN 2u
#define SMTPCLIENT_AUTH_CRAM_MD5 4u

struct tls;

struct smtpclient {
  buffer *in;
  buffer *out;
  struct smtpreply reply;
  int esmtp;
  unsigned int ext;
  unsigned int auth;
  unsigned long size;
  int local;                    /* smtpclient_data: the message failed */
  unsigned int reply_seconds;   /* 0, or the most one whole reply may take */
  long long reply_deadline;     /* private */
  char error[160];
  char line[SMTPREPLY_LINE];
};

void smtpclient_init(struct smtpclient *c, buffer *in, buffer *out);
unsigned int smtpclient_reply(struct smtpclient *c);
int smtpclient_send(struct smtpclient *c, const char *s, size_t len);
int smtpclient_flush(struct smtpclient *c);
unsigned int smtpclient_command(struct smtpclient *c, const char *s);
unsigned int smtpclient_ehlo(struct smtpclient *c, const char *name);
unsigned int smtpclient_starttls(struct smtpclient *c);
void smtpclient_tls(struct smtpclient *c, struct tls *tls);
unsigned int smtpclient_auth(struct smtpclient *c, unsigned int mechanism,
                             const char *user, const char *password);
int smtpclient_data(struct smtpclient *c, buffer *message);
void smtpclient_quit(struct smtpclient *c);
void smtpclient_error(struct smtpclient *c, const char *what);
void smtpclient_io_error(struct smtpclient *c, const char *doing);

#endif
