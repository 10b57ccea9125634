/* qmail-remote -- deliver one message by SMTP to the recipients of one
 * domain.
 *
 *   qmail-remote host sender recipient [recipient ...]
 *
 * qmail-rspawn runs it as qmailr with the message on standard input (a
 * file in the queue).  It finds where mail for host goes
 * (control/smtproutes, MX, address records: remote_route.c), connects
 * to the first server that answers with a 2xx greeting, passing over
 * addresses that timed out recently (queue/lock/tcpto, tcpto.h), says EHLO,
 * starts TLS as control/tlspolicy asks (remote_tls.c), logs in when
 * control/smtpauth has credentials for the relay (remote_auth.c), and
 * sends the message to every recipient in one transaction, starting
 * another one for the recipients a server postponed with 452 (too many
 * recipients).
 *
 * The results go to standard output in qmail's report format: for each
 * recipient, in order, 'r' (accepted), 'h' (refused for good) or 's'
 * (refused for now), a text and a NUL byte; then for the message 'K'
 * (delivered to the r recipients), 'Z' (try again later) or 'D' (give
 * up), a text and a NUL byte.  When nothing was decided for any
 * recipient (no server reachable, sender refused, ...) there is only
 * the Z or D line.  The texts say what happened, which server said
 * it, and whether TLS was used.
 *
 * Exit codes: 0 whenever a report was written, however the delivery
 * went; 111 for a usage error (nothing delivered).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "buffer.h"
#include "caseless.h"
#include "control.h"
#include "errmsg.h"
#include "instance.h"
#include "remote.h"
#include "sig.h"
#include "tcpto.h"

static struct remote job;

int
remote_fail(struct remote *r, int permanent, const char *s, ...)
{
  va_list ap;
  int ok = stralloc_copys(&r->failure, "");

  va_start(ap, s);
  for (; s; s = va_arg(ap, const char *))
    ok = ok && stralloc_cats(&r->failure, s);
  va_end(ap);
  if (!ok)
    stralloc_copys(&r->failure, "Out of memory. (#4.3.0)");
  r->failure_permanent = ok && permanent;
  return 0;
}

/* The server's last reply, cut to REMOTE_REPLY_MAX bytes. */
int
remote_said(stralloc *out, const struct smtpclient *c)
{
  size_t len = c->reply.text_len;

  if (len > REMOTE_REPLY_MAX)
    return stralloc_catb(out, c->reply.text, REMOTE_REPLY_MAX)
      && stralloc_cats(out, "...");
  return stralloc_catb(out, c->reply.text, len);
}

/* "mx.example [192.0.2.1] (TLS=TLSv1.2 SUITE verified)" */
int
remote_peer_text(stralloc *out, const struct remote *r)
{
  if (r->peer->name[0] != '[' && (!stralloc_cats(out, r->peer->name)
                                  || !stralloc_cats(out, " ")))
    return 0;
  return stralloc_cats(out, "[") && stralloc_cats(out, r->peer_ip)
    && stralloc_cats(out, "] (") && stralloc_cat(out, &r->tls_text)
    && stralloc_cats(out, ")");
}

/* text = "Connected to PEER but WHAT. Remote host said: REPLY" or, when
 * the connection failed instead of replying, the failure. */
static int
conversation_text(stralloc *text, struct remote *r, unsigned int code,
                  const char *what)
{
  if (!stralloc_copys(text, "Connected to ") || !remote_peer_text(text, r)
      || !stralloc_cats(text, " but ") || !stralloc_cats(text, what))
    return 0;
  if (code)
    return stralloc_cats(text, ". Remote host said: ") && remote_said(text, &r->smtp);
  return stralloc_cats(text, ": ") && stralloc_cats(text, r->smtp.error)
    && stralloc_cats(text, ". (#4.4.2)");
}

static int
conversation_fail(struct remote *r, unsigned int code, const char *what)
{
  stralloc text = STRALLOC_ZERO;

  if (!conversation_text(&text, r, code, what) || !stralloc_0(&text))
    return remote_fail(r, 0, "Out of memory. (#4.3.0)", (char *)0);
  remote_fail(r, code >= 500, text.s, (char *)0);
  stralloc_free(&text);
  return 0;
}

int
remote_ehlo(struct remote *r)
{
  unsigned int code = smtpclient_ehlo(&r->smtp, r->helohost.s);

  if (code == 250)
    return 1;
  conversation_fail(r, code, "my name (control/helohost) was not accepted");
  r->failure_permanent = 0;
  return 0;
}

/* Give every recipient in state from the state to and the text. */
static void
settle(struct remote *r, char from, char to, const stralloc *text)
{
  unsigned int i;

  for (i = 0; i < r->rcpts; ++i)
    if (r->rcpt[i].status == from) {
      r->rcpt[i].status = to;
      if (!stralloc_copy(&r->rcpt[i].text, text))
        r->rcpt[i].text.len = 0;
    }
}

static void
settle_code(struct remote *r, char from, unsigned int code, const char *what)
{
  stralloc text = STRALLOC_ZERO;

  if (!conversation_text(&text, r, code, what))
    stralloc_copys(&text, "Out of memory. (#4.3.0)");
  settle(r, from, code >= 500 ? 'h' : 's', &text);
  stralloc_free(&text);
}

static int
decided(const struct remote *r)
{
  unsigned int i;

  for (i = 0; i < r->rcpts; ++i)
    if (r->rcpt[i].status == 'r' || r->rcpt[i].status == 'h'
        || r->rcpt[i].status == 's')
      return 1;
  return 0;
}

static stralloc delivered = STRALLOC_ZERO;

/* MAIL, RCPT for every open recipient, DATA, the message.  Returns 1
 * when the message went through to the end (the postponed recipients
 * are open again for another transaction), 0 when this connection can
 * do no more (r->lost says whether it is still there to say QUIT). */
static int
transaction(struct remote *r)
{
  static char space[BUFFER_INSIZE];
  stralloc cmd = STRALLOC_ZERO;
  buffer message;
  unsigned int i, code, accepted = 0;
  int postpone = 0, ok = 0;

  r->lost = 0;

  static unsigned int sent;

  if (sent++ && lseek(0, 0, SEEK_SET) == -1) {
    stralloc_copys(&cmd, "Unable to read the message again for the rest of "
                   "the recipients. (#4.3.0)");
    settle(r, 0, 's', &cmd);
    goto done;
  }
  if (!stralloc_copys(&cmd, "MAIL FROM:<")
      || !address_quote(&cmd, r->sender, strlen(r->sender))
      || !stralloc_cats(&cmd, ">")
      || !stralloc_0(&cmd)) {
    remote_fail(r, errno == EINVAL, "The sender address cannot be sent by "
                "SMTP. (#5.1.7)", (char *)0);
    goto done;
  }
  code = smtpclient_command(&r->smtp, cmd.s);
  if (code < 200 || code > 299) {
    if (decided(r))
      settle_code(r, 0, code, "the sender was rejected");
    else
      conversation_fail(r, code, "the sender was rejected");
    r->lost = !code;
    goto done;
  }
  for (i = 0; i < r->rcpts; ++i) {
    struct remote_rcpt *rc = &r->rcpt[i];

    if (rc->status)
      continue;
    if (postpone) {
      rc->status = 'p';
      continue;
    }
    if (!stralloc_copys(&cmd, "RCPT TO:<")
        || !address_quote(&cmd, rc->address, strlen(rc->address))
        || !stralloc_cats(&cmd, ">") || !stralloc_0(&cmd)) {
      rc->status = errno == EINVAL ? 'h' : 's';
      stralloc_copys(&rc->text, errno == EINVAL ? "The recipient address "
                     "cannot be sent by SMTP. (#5.1.3)"
                     : "Out of memory. (#4.3.0)");
      continue;
    }
    code = smtpclient_command(&r->smtp, cmd.s);
    if (!code) {
      settle_code(r, 'a', 0, "the connection failed");
      settle_code(r, 0, 0, "the connection failed");
      r->lost = 1;
      goto done;
    }
    if (code == 452 && accepted) {
      rc->status = 'p';
      postpone = 1;
    } else if (code >= 200 && code <= 299) {
      rc->status = 'a';
      rc->text.len = 0;
      remote_said(&rc->text, &r->smtp);
      ++accepted;
    } else {
      stralloc text = STRALLOC_ZERO;

      if (!conversation_text(&text, r, code, code >= 500
                             ? "the recipient was rejected"
                             : "the recipient was deferred"))
        stralloc_copys(&text, "Out of memory. (#4.3.0)");
      rc->status = code >= 500 ? 'h' : 's';
      stralloc_copy(&rc->text, &text);
      stralloc_free(&text);
    }
  }
  if (!accepted)
    goto done;
  code = smtpclient_command(&r->smtp, "DATA");
  if (code != 354) {
    settle_code(r, 'a', code, "the message was refused at DATA");
    r->lost = !code;
    goto done;
  }
  buffer_init(&message, buffer_unixread, 0, 0, space, sizeof space);
  if (!smtpclient_data(&r->smtp, &message)) {
    stralloc text = STRALLOC_ZERO;

    if (r->smtp.local)
      stralloc_copys(&text, "Unable to read the message from the queue. "
                     "(#4.3.0)");
    else
      conversation_text(&text, r, 0, "the connection failed while the "
                        "message was sent");
    settle(r, 'a', 's', &text);
    stralloc_free(&text);
    r->lost = 1;
    goto done;
  }
  code = smtpclient_reply(&r->smtp);
  if (!code) {
    stralloc text = STRALLOC_ZERO;

    if (!stralloc_copys(&text, "Connected to ") || !remote_peer_text(&text, r)
        || !stralloc_cats(&text, " and sent the message, but got no reply "
                          "to it (") || !stralloc_cats(&text, r->smtp.error)
        || !stralloc_cats(&text, "). It may have been delivered already; "
                          "it will be sent again, so it may arrive twice. "
                          "(#4.4.2)"))
      stralloc_copys(&text, "Out of memory. (#4.3.0)");
    settle(r, 'a', 's', &text);
    r->lost = 1;
    remote_fail(r, 0, "The connection was lost after the message was sent; "
                "it may have been delivered already. (#4.4.2)", (char *)0);
    stralloc_free(&text);
    goto done;
  }
  if (code >= 200 && code <= 299) {
    for (i = 0; i < r->rcpts; ++i)
      if (r->rcpt[i].status == 'a')
        r->rcpt[i].status = 'r';
    if (!stralloc_copys(&delivered, "Delivered to ")
        || !remote_peer_text(&delivered, r)
        || !stralloc_cats(&delivered, ". Remote host said: ")
        || !remote_said(&delivered, &r->smtp))
      stralloc_copys(&delivered, "Delivered.");
  } else
    settle_code(r, 'a', code, code >= 500 ? "the message was rejected"
                : "the message was deferred");
  settle(r, 'p', 0, &cmd);
  ok = 1;
done:
  stralloc_free(&cmd);
  return ok;
}

/* Deliver through one connected server.  Returns 1 when this server
 * handled the message (whatever the outcome), 0 to try the next one. */
static int
converse(struct remote *r, int *permanent_greeting)
{
  unsigned int code = smtpclient_reply(&r->smtp);
  unsigned int i;

  if (code < 200 || code > 299) {
    conversation_fail(r, code, code ? "the greeting was not 2xx"
                      : "there was no usable greeting");
    *permanent_greeting = code >= 500;
    if (code)
      smtpclient_quit(&r->smtp);
    return 0;
  }
  *permanent_greeting = 0;
  if (!remote_ehlo(r)) {
    smtpclient_quit(&r->smtp);
    return 1;
  }
  r->lost = 0;
  if (!remote_tls(r)) {
    /* what stopped it left a plain-text session (or a TLS one whose
     * EHLO failed) unless it says the server is lost */
    if (!r->lost)
      smtpclient_quit(&r->smtp);
    return 0;
  }
  if (!remote_auth(r)) {
    smtpclient_quit(&r->smtp);
    return 1;
  }
  for (;;) {
    int open = 0;

    for (i = 0; i < r->rcpts; ++i)
      if (!r->rcpt[i].status)
        open = 1;
    if (!open || !transaction(r))
      break;
  }
  if (!r->lost)
    smtpclient_quit(&r->smtp);
  return 1;
}

/* Try the servers in order, passing over those the tcpto table says
 * timed out recently (tcpto.h).  The table is a hint: when it cannot be
 * read or written, every server is tried and nothing is remembered. */
static void
deliver(struct remote *r)
{
  struct tcpto_table timeouts;
  unsigned int i, skipped = 0;
  int tried = 0, permanent = 1;

  if (!tcpto_load(&timeouts, TCPTO_FILE, (long long)time(0)))
    memset(&timeouts, 0, sizeof timeouts);
  for (i = 0; i < r->targets; ++i) {
    const struct dns_ip *ip = &r->target[i].ip;
    int perm_greeting = 0;

    if (tcpto_wait(&timeouts, ip, (long long)time(0)) > 0) {
      ++skipped;
      permanent = 0;
      continue;
    }
    if (!remote_connect(r, &r->target[i])) {
      if (r->connect_timed_out)
        tcpto_record(TCPTO_FILE, ip, (long long)time(0));
      permanent = 0;
      continue;
    }
    if (tcpto_find(&timeouts, ip))
      tcpto_forget(TCPTO_FILE, ip, (long long)time(0));
    ++tried;
    if (converse(r, &perm_greeting)) {
      remote_disconnect(r);
      return;
    }
    remote_disconnect(r);
    if (!perm_greeting)
      permanent = 0;
  }
  /* no server took the message: a 5xx greeting from every one of them
   * is final, anything else may change */
  r->failure_permanent = tried && permanent;
  if (skipped && skipped == r->targets)
    remote_fail(r, 0, "All the mail servers for ", r->host, " timed out "
                "recently (see qmail-tcpto); not trying again yet. (#4.4.1)",
                (char *)0);
}

static void
out(char letter, const char *text, size_t len)
{
  if (!buffer_put(buffer_1, &letter, 1) || !buffer_put(buffer_1, text, len)
      || !buffer_put(buffer_1, "", 1))
    _exit(111);
}

static void
report(struct remote *r)
{
  unsigned int i;
  int any_r = 0, any_s = 0;
  const stralloc *last = &r->failure;

  if (!decided(r)) {
    if (!r->failure.len)
      stralloc_copys(&r->failure, "No mail server was found. (#4.4.1)");
    out(r->failure_permanent ? 'D' : 'Z', r->failure.s, r->failure.len);
  } else {
    for (i = 0; i < r->rcpts; ++i) {
      struct remote_rcpt *rc = &r->rcpt[i];
      char st = rc->status;

      if (st != 'r' && st != 'h' && st != 's') {
        st = 's';
        if (!stralloc_copy(&rc->text, &r->failure))
          rc->text.len = 0;
      }
      out(st, rc->text.s ? rc->text.s : "", rc->text.len);
      any_r |= st == 'r';
      any_s |= st == 's';
      if (st != 'r')
        last = &rc->text;
    }
    if (any_r)
      out('K', delivered.s, delivered.len);
    else
      out(any_s ? 'Z' : 'D', last->s ? last->s : "", last->len);
  }
  if (!buffer_flush(buffer_1))
    _exit(111);
}

static void
configure(struct remote *r)
{
  stralloc ips = STRALLOC_ZERO;
  int t;

  if (chdir(instance_home()) == -1) {
    remote_fail(r, 0, "Unable to enter the qmail home directory. (#4.3.0)",
                (char *)0);
    return;
  }
  if (!control_init()
      || control_rldef(&r->helohost, "control/helohost", 1, "localhost") == -1
      || !stralloc_0(&r->helohost)) {
    remote_fail(r, 0, "Unable to read control/helohost or control/me. "
                "(#4.3.0)", (char *)0);
    return;
  }
  t = 60;
  if (control_readint(&t, "control/timeoutconnect") == -1 || t <= 0) {
    remote_fail(r, 0, "Unable to read control/timeoutconnect: a positive "
                "number of seconds. (#4.3.0)", (char *)0);
    return;
  }
  r->timeoutconnect = (unsigned int)t;
  t = 1200;
  if (control_readint(&t, "control/timeoutremote") == -1 || t <= 0) {
    remote_fail(r, 0, "Unable to read control/timeoutremote: a positive "
                "number of seconds. (#4.3.0)", (char *)0);
    return;
  }
  r->timeoutremote = (unsigned int)t;
  if (control_readlist(&ips, "control/outgoingip") == -1) {
    remote_fail(r, 0, "Unable to read control/outgoingip. (#4.3.0)",
                (char *)0);
    return;
  }
  for (t = 0; (size_t)t < ips.len; t += (int)strlen(ips.s + t) + 1) {
    struct dns_ip ip;

    if (!dns_ip_scan(&ip, ips.s + t)) {
      remote_fail(r, 0, "control/outgoingip holds something that is not an "
                  "address: ", ips.s + t, ". (#4.3.5)", (char *)0);
      return;
    }
    if (ip.family == AF_INET6)
      r->outgoing6 = ip;
    else
      r->outgoing4 = ip;
  }
  stralloc_free(&ips);
  if (!dns_conf_load(&r->dns, "control/dnsservers")) {
    remote_fail(r, 0, "Unable to load the resolver configuration "
                "(/etc/resolv.conf, control/dnsservers): ",
                dns_strerror(errno), ". (#4.3.0)", (char *)0);
    return;
  }
}

int
main(int argc, char **argv)
{
  static stralloc host = STRALLOC_ZERO;
  struct remote *r = &job;
  int i;

  errmsg_init("qmail-remote");
  if (argc < 4)
    die(111, "usage: qmail-remote host sender recipient [recipient ...]");
  sig_ignore(SIGPIPE);
  if (!stralloc_copys(&host, argv[1]) || !stralloc_0(&host))
    die_nomem();
  case_lowerb(host.s, host.len);
  r->host = host.s;
  r->sender = argv[2];
  r->rcpts = (unsigned int)(argc - 3);
  r->rcpt = calloc(r->rcpts, sizeof *r->rcpt);
  if (!r->rcpt)
    die_nomem();
  for (i = 3; i < argc; ++i)
    r->rcpt[i - 3].address = argv[i];
  r->fd = -1;
  r->dns = (struct dns_conf)DNS_CONF_ZERO;

  configure(r);
  if (!r->failure.len && remote_route(r))
    deliver(r);
  report(r);
  return 0;
}
