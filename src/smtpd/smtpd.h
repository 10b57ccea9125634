/* smtpd.h -- qmail-smtpd's session, shared by its files.
 *
 * qmail-smtpd.c   start, configuration, the command loop, small commands
 * smtpd_io.c      replies, command lines, the switch to TLS
 * smtpd_rcpt.c    MAIL and RCPT: envelope checks and relay control
 * smtpd_data.c    DATA: the message, its Received line, the queue
 * smtpd_auth.c    AUTH PLAIN and LOGIN through a checkpassword program
 * smtpd_log.c     the log lines on standard error
 */
#ifndef SMTPD_H
#define SMTPD_H

#include <stddef.h>

#include "buffer.h"
#include "constdb.h"
#include "stralloc.h"
#include "timeoutio.h"
#include "tls.h"

/* A command line longer than this is refused (the AUTH response of RFC
 * 4954 may be 12288 bytes; commands are at most 512). */
#define SMTPD_LINE_MAX 16384
/* Recipients of one transaction: more get 452 (RFC 5321 asks for at
 * least 100; Postfix's default is 1000). */
#define SMTPD_RCPT_MAX 1000
/* Seconds between a failed AUTH and its 535 reply. */
#define SMTPD_AUTH_DELAY 2

struct rcptcheck;

struct smtpd {
  /* The connection. */
  buffer in;
  buffer out;
  struct timeout limit;
  int tls_on;
  struct tls *tls;
  const char *remoteip;
  const char *remotehost;     /* null when unknown */
  const char *remoteinfo;     /* null when unknown */
  const char *localname;      /* TCPLOCALHOST, TCPLOCALIP or "unknown" */

  /* Configuration. */
  stralloc greeting;
  stralloc liphost;           /* the name for [IP] literal recipients */
  stralloc rcpthosts;         /* list: "a\0b\0" */
  int rcpthosts_missing;      /* then the locals stand in for it */
  struct constdb mrh;         /* morercpthosts.cdb, fd -1 when none */
  stralloc badmailfrom;       /* list, lowercased */
  unsigned long databytes;    /* 0: no limit */
  const char *relayclient;    /* null: not a relay client */
  int rcptcheck_on;
  struct rcptcheck *rcptcheck;
  int tls_possible;           /* a certificate and key were loaded */
  struct tls_chain chain;
  struct tls_key key;
  int smtps;                  /* implicit TLS from the first byte */
  int auth_plaintext_ok;      /* trusted listener: AUTH without TLS */
  int auth_required;          /* MAIL refused before AUTH */
  char **checkpassword;       /* argv, null when AUTH is not offered */

  /* The session. */
  stralloc line;
  stralloc helo;
  int helo_given;
  int esmtp;
  stralloc auth_user;         /* empty until AUTH succeeded */
  int seen_mail;
  stralloc sender;            /* plain address, "" for <> */
  int sender_bad;             /* in badmailfrom: refused at RCPT */
  stralloc rcpts;             /* plain addresses, NUL-terminated each */
  unsigned int rcpt_count;
  unsigned long messages;     /* accepted in this session */
  unsigned long refusals;     /* refused commands, for the last line */
  stralloc scratch;
};

/* qmail-smtpd.c */
void smtpd_reset_transaction(struct smtpd *s);
void smtpd_forget_session(struct smtpd *s);

/* smtpd_io.c */
void smtpd_reply(struct smtpd *s, const char *text);
void smtpd_reply_part(struct smtpd *s, const char *text);
void smtpd_flush(struct smtpd *s);
int smtpd_getline(struct smtpd *s);
void smtpd_io_plain(struct smtpd *s, char *inspace, size_t insize,
                    char *outspace, size_t outsize);
int smtpd_start_tls(struct smtpd *s);
void smtpd_exit(struct smtpd *s, int code) __attribute__((noreturn));
void smtpd_lost(struct smtpd *s) __attribute__((noreturn));

/* smtpd_rcpt.c */
void smtpd_mail(struct smtpd *s, size_t arg);
void smtpd_rcpt(struct smtpd *s, size_t arg);
int smtpd_rcpthosts_match(struct smtpd *s, const char *domain, size_t len);

/* smtpd_check.c: the recipient check (1 accept, 0 refuse with why, -1
 * temporary); smtpd_check_init reads its configuration (1, or 0). */
int smtpd_check_init(struct smtpd *s);
int smtpd_check(struct smtpd *s, const char *addr, size_t len, stralloc *why);

/* smtpd_data.c */
void smtpd_data(struct smtpd *s);

/* smtpd_auth.c */
int smtpd_auth_offered(const struct smtpd *s);
void smtpd_auth(struct smtpd *s, size_t arg);

/* smtpd_log.c */
void smtpd_log(struct smtpd *s, const char *event, ...)
  __attribute__((sentinel));
void smtpd_log_addr(stralloc *out, const char *addr, size_t len);
void smtpd_log_safe(stralloc *out, const char *s, size_t len);
void smtpd_log_client(struct smtpd *s, stralloc *out);

#endif
