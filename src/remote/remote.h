/* remote.h -- the parts of qmail-remote: routing (remote_route.c),
 * connecting (remote_conn.c), the STARTTLS policy (remote_tls.c), AUTH
 * to a smarthost (remote_auth.c), the SMTP transaction and the report
 * (qmail-remote.c).
 *
 * Functions return 1 on success and 0 on failure; a failure leaves its
 * sentence in r->failure (a report text, ending with a qmail status
 * code "(#4.x.x)") and sets r->failure_permanent when the message
 * should bounce rather than wait.
 */
#ifndef REMOTE_H
#define REMOTE_H

#include "buffer.h"
#include "dns.h"
#include "smtpclient.h"
#include "stralloc.h"
#include "timeoutio.h"

/* How much of a server's reply goes into a report: qmail-rspawn hands
 * qmail-send at most 1000 bytes of text for a delivery. */
#define REMOTE_REPLY_MAX 300

struct remote_target {
  struct dns_ip ip;
  unsigned int pref;
  char name[256];              /* MX or relay host, or the address */
};

enum tls_level { TLSP_NONE, TLSP_MAY, TLSP_REQUIRE, TLSP_VERIFY };

struct remote_rcpt {
  const char *address;
  char status;                 /* 0 open; 'a' accepted now; 'p' postponed;
                                  'r' delivered; 'h' bounced; 's' deferred */
  stralloc text;
};

struct remote {
  /* the job */
  const char *host;            /* as given, lowercased */
  const char *sender;
  struct remote_rcpt *rcpt;
  unsigned int rcpts;

  /* configuration */
  stralloc helohost;
  unsigned int timeoutconnect;
  unsigned int timeoutremote;
  struct dns_ip outgoing4;     /* family 0 when not set */
  struct dns_ip outgoing6;
  struct dns_conf dns;

  /* the route */
  stralloc relay;              /* smtproutes relay, "" for MX */
  unsigned int port;
  int routed;                  /* a relay from smtproutes */
  struct remote_target *target;
  unsigned int targets;

  /* the connection */
  const struct remote_target *peer;
  char peer_ip[DNS_IP_FMT];
  int fd;
  int connect_timed_out;       /* the last remote_connect timed out */
  struct timeout limit;
  buffer in;
  buffer out;
  struct smtpclient smtp;
  int tls_on;
  int lost;                    /* the server can no longer be talked to */
  stralloc tls_text;           /* "TLS=TLSv1.2 SUITE verified", "no TLS" */

  /* the outcome */
  stralloc failure;
  int failure_permanent;
};

/* remote_route.c */
int remote_route(struct remote *r);

/* remote_conn.c */
int remote_connect(struct remote *r, const struct remote_target *t);
void remote_disconnect(struct remote *r);

/* remote_tls.c: after EHLO; may replace the session with a TLS one and
 * greet again.  0 with r->failure when delivery must not go on. */
int remote_tls(struct remote *r);
void remote_tls_end(struct remote *r);

/* remote_auth.c: after TLS; 0 with r->failure when it failed. */
int remote_auth(struct remote *r);

/* qmail-remote.c: texts */
int remote_fail(struct remote *r, int permanent, const char *s, ...)
  __attribute__((sentinel));
int remote_said(stralloc *out, const struct smtpclient *c);
int remote_peer_text(stralloc *out, const struct remote *r);
int remote_ehlo(struct remote *r);

#endif
