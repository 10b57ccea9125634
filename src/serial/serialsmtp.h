/* serialsmtp.h -- the parts of serialsmtp: the session
 * (serialsmtp_session.c) and the messages (serialsmtp.c).
 *
 *   session_start(o)
 *       On the server's descriptors 6 (read) and 7 (write): TLS at once
 *       with o->implicit_tls, the greeting, EHLO (HELO when refused),
 *       STARTTLS as o->policy says, AUTH when o->authfile is set.
 *       Returns the client to send the messages with; when the session
 *       cannot start, session_fail ends the program.
 *   session_tls_text()
 *       "TLS=TLSv1.2 SUITE verified" (or unverified), or "no TLS".
 *   session_said()
 *       The server's last reply, or what went wrong reading it.
 *   session_fail(what, detail, code)
 *       Write out the results so far (results_flush), shut the
 *       connection down, and exit 111 with one line on fd 2:
 *       "SERVER: WHAT: DETAIL (TLS...). (CODE)".
 *   session_end()
 *       QUIT, and TLS's close_notify.
 *   results_flush()
 *       (serialsmtp.c) Write the buffered results to fd 1.
 */
#ifndef SERIALSMTP_H
#define SERIALSMTP_H

#include "smtpclient.h"

#define SERVER_IN 6
#define SERVER_OUT 7

enum serialsmtp_policy {
  POLICY_NONE, POLICY_MAY, POLICY_REQUIRE, POLICY_VERIFY
};

struct serialsmtp_options {
  const char *helohost;
  const char *servername;      /* for TLS and the texts; may be "" */
  const char *cafile;
  const char *authfile;        /* null: no AUTH */
  enum serialsmtp_policy policy;
  int implicit_tls;
  int plaintext_auth;          /* AUTH without TLS allowed */
  unsigned int seconds;        /* per read, write and reply */
};

struct smtpclient *session_start(const struct serialsmtp_options *o);
const char *session_tls_text(void);
const char *session_said(void);
void session_fail(const char *what, const char *detail, const char *code)
  __attribute__((noreturn));
void session_end(void);
void results_flush(void);

#endif
