/* hier.c -- the installed file hierarchy; see hier.h.
 *
 * Ownership follows qmail's split: the queue belongs to qmailq, the parts
 * only qmail-send touches (info, local, remote, bounce, sendmutex,
 * trigger) to qmails, the tcpto table to qmailr; binaries and control
 * files belong to the owner (root) with group qmail, except binmail,
 * which is setgid to the group of the system mail spool.  Every queue
 * directory that holds one file per message is split into QUEUE_SPLIT
 * subdirectories so no directory grows with the queue.
 */
#include <string.h>

#include "fmt.h"
#include "hier.h"
#include "qconf.h"
#include "tcpto.h"

#define D(path, owner, group, mode, runtime) \
  { HIER_DIR, path, owner, group, mode, 0, 0, runtime }
#define F(path, source, mode) \
  { HIER_FILE, path, USER_OWNER, GROUP_QMAIL, mode, source, 0, 0 }
#define FO(path, source, owner, mode) \
  { HIER_FILE, path, owner, GROUP_QMAIL, mode, source, 0, 0 }
#define FG(path, source, group, mode) \
  { HIER_FILE, path, USER_OWNER, group, mode, source, 0, 0 }
#define Z(path, owner, mode, size) \
  { HIER_ZERO, path, owner, GROUP_QMAIL, mode, 0, size, 1 }
#define P(path, owner, mode) \
  { HIER_FIFO, path, owner, GROUP_QMAIL, mode, 0, 0, 1 }

static const struct hier_entry base[] = {
  D("", USER_OWNER, GROUP_QMAIL, 0755, 1),
  D("control", USER_OWNER, GROUP_QMAIL, 0755, 1),
  D("users", USER_OWNER, GROUP_QMAIL, 0755, 1),
  D("alias", USER_ALIAS, GROUP_QMAIL, 02755, 1),
  D("bin", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("boot", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise/qmail-send", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise/qmail-send/log", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise/qmail-smtpd", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise/qmail-smtpd/log", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise/qmail-submission", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise/qmail-submission/log", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise/qmail-smtps", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("supervise/qmail-smtps/log", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("doc", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("doc/serialmail", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man/man1", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man/man5", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man/man7", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man/man8", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("queue", USER_QUEUE, GROUP_QMAIL, 0750, 1),
  D("queue/pid", USER_QUEUE, GROUP_QMAIL, 0700, 1),
  D("queue/lock", USER_QUEUE, GROUP_QMAIL, 0750, 1),
  Z("queue/lock/tcpto", USER_REMOTE, 0644, TCPTO_SIZE),
  Z("queue/lock/sendmutex", USER_SEND, 0600, 0),
  P("queue/lock/trigger", USER_SEND, 0622),
  D("queue/bounce", USER_SEND, GROUP_QMAIL, 0700, 1),
};

/* Directories split into QUEUE_SPLIT numbered subdirectories. */
static const struct hier_entry split[] = {
  D("queue/intd", USER_QUEUE, GROUP_QMAIL, 0700, 1),
  D("queue/todo", USER_QUEUE, GROUP_QMAIL, 0750, 1),
  D("queue/mess", USER_QUEUE, GROUP_QMAIL, 0750, 1),
  D("queue/info", USER_SEND, GROUP_QMAIL, 0700, 1),
  D("queue/local", USER_SEND, GROUP_QMAIL, 0700, 1),
  D("queue/remote", USER_SEND, GROUP_QMAIL, 0700, 1),
};

static const struct hier_entry files[] = {
  F("bin/qmail-install", "build/bin/qmail-install", 0755),
  F("bin/qmail-instcheck", "build/bin/qmail-instcheck", 0755),
  F("man/man8/qmail-install.8", "src/admin/qmail-install.8", 0644),
  F("man/man8/qmail-instcheck.8", "src/admin/qmail-instcheck.8", 0644),
  /* the first configuration: control/me and friends, the alias files */
  F("bin/qmail-config", "build/bin/qmail-config", 0755),
  F("man/man8/qmail-config.8", "src/admin/qmail-config.8", 0644),
  F("doc/README.md", "README.md", 0644),
  /* file formats and conventions (section 5) */
  F("man/man5/qmail-control.5", "man/qmail-control.5", 0644),
  F("man/man5/dot-qmail.5", "man/dot-qmail.5", 0644),
  F("man/man5/qmail-users.5", "man/qmail-users.5", 0644),
  F("man/man5/qmail-header.5", "man/qmail-header.5", 0644),
  F("man/man5/qmail-log.5", "man/qmail-log.5", 0644),
  F("man/man5/maildir.5", "man/maildir.5", 0644),
  F("man/man5/mbox.5", "man/mbox.5", 0644),
  F("man/man5/envelopes.5", "man/envelopes.5", 0644),
  F("man/man5/addresses.5", "man/addresses.5", 0644),
  F("doc/serialmail/README", "etc/serialmail/README", 0644),
  F("doc/serialmail/spool-setup", "etc/serialmail/spool-setup", 0755),
  F("doc/serialmail/flush-spool", "etc/serialmail/flush-spool", 0755),
  F("doc/serialmail/cron", "etc/serialmail/cron", 0644),
  F("doc/serialmail/ip-up", "etc/serialmail/ip-up", 0755),
  /* the queue: qmail-queue is the only setuid program */
  FO("bin/qmail-queue", "build/bin/qmail-queue", USER_QUEUE, 04711),
  F("bin/qmail-send", "build/bin/qmail-send", 0711),
  F("bin/qmail-start", "build/bin/qmail-start", 0711),
  F("bin/qmail-lspawn", "build/bin/qmail-lspawn", 0711),
  F("bin/qmail-rspawn", "build/bin/qmail-rspawn", 0711),
  F("bin/qmail-clean", "build/bin/qmail-clean", 0711),
  F("bin/qmail-local", "build/bin/qmail-local", 0711),
  F("man/man8/qmail-queue.8", "src/queue/qmail-queue.8", 0644),
  F("man/man8/qmail-send.8", "src/queue/qmail-send.8", 0644),
  F("man/man8/qmail-start.8", "src/queue/qmail-start.8", 0644),
  F("man/man8/qmail-lspawn.8", "src/queue/qmail-lspawn.8", 0644),
  F("man/man8/qmail-rspawn.8", "src/queue/qmail-rspawn.8", 0644),
  F("man/man8/qmail-clean.8", "src/queue/qmail-clean.8", 0644),
  F("man/man8/qmail-local.8", "src/local/qmail-local.8", 0644),
  /* setgid to the spool's group only to make a user's mailbox and its
   * dot-lock in /var/mail (binmail.8) */
  FG("bin/binmail", "build/bin/binmail", GROUP_MAIL, 02755),
  F("man/man8/binmail.8", "src/local/binmail.8", 0644),
  /* injection */
  F("bin/qmail-inject", "build/bin/qmail-inject", 0755),
  F("bin/sendmail", "build/bin/sendmail", 0755),
  F("man/man8/qmail-inject.8", "src/inject/qmail-inject.8", 0644),
  F("man/man8/sendmail.8", "src/inject/sendmail.8", 0644),
  /* qmail-users */
  F("bin/qmail-newu", "build/bin/qmail-newu", 0700),
  F("bin/qmail-getpw", "build/bin/qmail-getpw", 0711),
  F("bin/qmail-pw2u", "build/bin/qmail-pw2u", 0711),
  F("man/man8/qmail-newu.8", "src/users/qmail-newu.8", 0644),
  F("man/man8/qmail-getpw.8", "src/users/qmail-getpw.8", 0644),
  F("man/man8/qmail-pw2u.8", "src/users/qmail-pw2u.8", 0644),
  F("bin/qmail-newmrh", "build/bin/qmail-newmrh", 0700),
  F("man/man8/qmail-newmrh.8", "src/users/qmail-newmrh.8", 0644),
  /* the user tools */
  F("bin/forward", "build/bin/forward", 0755),
  F("bin/preline", "build/bin/preline", 0755),
  F("bin/condredirect", "build/bin/condredirect", 0755),
  F("bin/bouncesaying", "build/bin/bouncesaying", 0755),
  F("bin/except", "build/bin/except", 0755),
  F("bin/dot-forward", "build/bin/dot-forward", 0755),
  F("bin/qreceipt", "build/bin/qreceipt", 0755),
  F("bin/qbiff", "build/bin/qbiff", 0755),
  F("bin/maildirmake", "build/bin/maildirmake", 0755),
  F("bin/setlock", "build/bin/setlock", 0755),
  F("bin/maildir2mbox", "build/bin/maildir2mbox", 0755),
  F("bin/maildirwatch", "build/bin/maildirwatch", 0755),
  F("bin/mailsubj", "build/bin/mailsubj", 0755),
  F("bin/datemail", "build/bin/datemail", 0755),
  F("man/man1/forward.1", "src/user/forward.1", 0644),
  F("man/man1/preline.1", "src/user/preline.1", 0644),
  F("man/man1/condredirect.1", "src/user/condredirect.1", 0644),
  F("man/man1/bouncesaying.1", "src/user/bouncesaying.1", 0644),
  F("man/man1/except.1", "src/user/except.1", 0644),
  F("man/man1/dot-forward.1", "src/user/dot-forward.1", 0644),
  F("man/man1/qreceipt.1", "src/user/qreceipt.1", 0644),
  F("man/man1/qbiff.1", "src/user/qbiff.1", 0644),
  F("man/man1/maildirmake.1", "src/user/maildirmake.1", 0644),
  F("man/man1/setlock.1", "src/user/setlock.1", 0644),
  F("man/man1/maildir2mbox.1", "src/user/maildir2mbox.1", 0644),
  F("man/man1/maildirwatch.1", "src/user/maildirwatch.1", 0644),
  F("man/man1/mailsubj.1", "src/user/mailsubj.1", 0644),
  F("man/man1/datemail.1", "src/user/datemail.1", 0644),
  /* the aliases tools (fastforward 0.51's formats) */
  F("bin/fastforward", "build/bin/fastforward", 0755),
  F("bin/newaliases", "build/bin/newaliases", 0755),
  F("bin/newinclude", "build/bin/newinclude", 0755),
  F("bin/setforward", "build/bin/setforward", 0755),
  F("bin/printforward", "build/bin/printforward", 0755),
  F("bin/setmaillist", "build/bin/setmaillist", 0755),
  F("bin/printmaillist", "build/bin/printmaillist", 0755),
  F("man/man1/fastforward.1", "src/alias/fastforward.1", 0644),
  F("man/man8/newaliases.8", "src/alias/newaliases.8", 0644),
  F("man/man1/newinclude.1", "src/alias/newinclude.1", 0644),
  F("man/man1/setforward.1", "src/alias/setforward.1", 0644),
  F("man/man1/printforward.1", "src/alias/printforward.1", 0644),
  F("man/man1/setmaillist.1", "src/alias/setmaillist.1", 0644),
  F("man/man1/printmaillist.1", "src/alias/printmaillist.1", 0644),
  F("doc/aliases.example", "etc/aliases", 0644),
  /* the dial-up spool */
  F("bin/maildirserial", "build/bin/maildirserial", 0755),
  F("bin/serialsmtp", "build/bin/serialsmtp", 0755),
  F("bin/maildirsmtp", "build/bin/maildirsmtp", 0755),
  F("bin/serialqmtp", "build/bin/serialqmtp", 0755),
  F("bin/maildirqmtp", "build/bin/maildirqmtp", 0755),
  F("man/man1/maildirserial.1", "src/serial/maildirserial.1", 0644),
  F("man/man1/serialsmtp.1", "src/serial/serialsmtp.1", 0644),
  F("man/man1/maildirsmtp.1", "src/serial/maildirsmtp.1", 0644),
  F("man/man1/serialqmtp.1", "src/serial/serialqmtp.1", 0644),
  F("man/man1/maildirqmtp.1", "src/serial/maildirqmtp.1", 0644),
  /* start scripts for each default delivery */
  F("boot/binm1", "etc/boot/binm1", 0755),
  F("boot/binm1+df", "etc/boot/binm1+df", 0755),
  F("boot/binm2", "etc/boot/binm2", 0755),
  F("boot/binm2+df", "etc/boot/binm2+df", 0755),
  F("boot/binm3", "etc/boot/binm3", 0755),
  F("boot/binm3+df", "etc/boot/binm3+df", 0755),
  F("boot/home", "etc/boot/home", 0755),
  F("boot/home+df", "etc/boot/home+df", 0755),
  F("boot/maildir", "etc/boot/maildir", 0755),
  F("boot/maildir+df", "etc/boot/maildir+df", 0755),
  F("boot/proc", "etc/boot/proc", 0755),
  /* run directories for daemontools, runit and s6 (link them into the
   * supervisor's service directory), and qmailctl, which drives them */
  F("supervise/qmail-send/run", "etc/supervise/qmail-send/run", 0755),
  F("supervise/qmail-send/log/run", "etc/supervise/qmail-send/log/run", 0755),
  F("supervise/qmail-smtpd/run", "etc/supervise/qmail-smtpd/run", 0755),
  F("supervise/qmail-smtpd/log/run", "etc/supervise/qmail-smtpd/log/run", 0755),
  F("supervise/qmail-submission/run", "etc/supervise/qmail-submission/run", 0755),
  F("supervise/qmail-submission/log/run", "etc/supervise/qmail-submission/log/run", 0755),
  F("supervise/qmail-smtps/run", "etc/supervise/qmail-smtps/run", 0755),
  F("supervise/qmail-smtps/log/run", "etc/supervise/qmail-smtps/log/run", 0755),
  F("bin/qmailctl", "build/bin/qmailctl", 0755),
  F("man/man8/qmailctl.8", "src/admin/qmailctl.8", 0644),
  /* queue and configuration tools */
  F("bin/qmail-showctl", "build/bin/qmail-showctl", 0755),
  F("bin/splogger", "build/bin/splogger", 0755),
  F("bin/logstderr", "build/bin/logstderr", 0755),
  F("bin/qmail-qread", "build/bin/qmail-qread", 0755),
  F("bin/qmail-qstat", "build/bin/qmail-qstat", 0755),
  F("bin/qmail-qmsg", "build/bin/qmail-qmsg", 0755),
  F("man/man8/qmail-showctl.8", "src/admin/qmail-showctl.8", 0644),
  F("man/man8/splogger.8", "src/admin/splogger.8", 0644),
  F("man/man8/logstderr.8", "src/admin/logstderr.8", 0644),
  F("man/man8/qmail-qread.8", "src/admin/qmail-qread.8", 0644),
  F("man/man8/qmail-qstat.8", "src/admin/qmail-qstat.8", 0644),
  F("man/man8/qmail-qmsg.8", "src/admin/qmail-qmsg.8", 0644),
  /* the listener, its rules and the inetd helper (ucspi-tcp's names) */
  F("bin/tcpserver", "build/bin/tcpserver", 0755),
  F("bin/tcprules", "build/bin/tcprules", 0755),
  F("bin/tcprulescheck", "build/bin/tcprulescheck", 0755),
  F("bin/tcp-env", "build/bin/tcp-env", 0755),
  F("man/man1/tcpserver.1", "src/net/tcpserver.1", 0644),
  F("man/man1/tcprules.1", "src/net/tcprules.1", 0644),
  F("man/man1/tcprulescheck.1", "src/net/tcprulescheck.1", 0644),
  F("man/man1/tcp-env.1", "src/net/tcp-env.1", 0644),
  /* the SMTP server */
  F("bin/qmail-smtpd", "build/bin/qmail-smtpd", 0755),
  F("man/man8/qmail-smtpd.8", "src/smtpd/qmail-smtpd.8", 0644),
  /* remote delivery, run by qmail-rspawn */
  F("bin/qmail-remote", "build/bin/qmail-remote", 0711),
  F("man/man8/qmail-remote.8", "src/remote/qmail-remote.8", 0644),
  /* its table of unreachable addresses, for operators */
  F("bin/qmail-tcpto", "build/bin/qmail-tcpto", 0755),
  F("bin/qmail-tcpok", "build/bin/qmail-tcpok", 0755),
  F("man/man8/qmail-tcpto.8", "src/remote/qmail-tcpto.8", 0644),
  F("man/man8/qmail-tcpok.8", "src/remote/qmail-tcpok.8", 0644),
  /* DNS lookups through the mail system's own resolver, for operators */
  F("bin/dnsip", "build/bin/dnsip", 0755),
  F("bin/dnsmx", "build/bin/dnsmx", 0755),
  F("bin/dnsmxip", "build/bin/dnsmxip", 0755),
  F("bin/dnsptr", "build/bin/dnsptr", 0755),
  F("bin/dnscname", "build/bin/dnscname", 0755),
  F("bin/dnstxt", "build/bin/dnstxt", 0755),
  F("bin/dnsfq", "build/bin/dnsfq", 0755),
  F("bin/ipmeprint", "build/bin/ipmeprint", 0755),
  F("man/man1/dnsip.1", "src/dns/dnsip.1", 0644),
  F("man/man1/dnsmx.1", "src/dns/dnsmx.1", 0644),
  F("man/man1/dnsmxip.1", "src/dns/dnsmxip.1", 0644),
  F("man/man1/dnsptr.1", "src/dns/dnsptr.1", 0644),
  F("man/man1/dnscname.1", "src/dns/dnscname.1", 0644),
  F("man/man1/dnstxt.1", "src/dns/dnstxt.1", 0644),
  F("man/man1/dnsfq.1", "src/dns/dnsfq.1", 0644),
  F("man/man1/ipmeprint.1", "src/dns/ipmeprint.1", 0644),
  F("man/man7/qmail-dns.7", "src/dns/qmail-dns.7", 0644),
  /* TLS for operators: test a server's or a client's handshake */
  F("bin/tlsclient", "build/bin/tlsclient", 0755),
  F("bin/tlsserver", "build/bin/tlsserver", 0755),
  F("man/man1/tlsclient.1", "src/tls/tlsclient.1", 0644),
  F("man/man1/tlsserver.1", "src/tls/tlsserver.1", 0644),
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

int
hier_walk(int (*fn)(const struct hier_entry *e, void *arg), void *arg)
{
  size_t i;
  int n;

  for (i = 0; i < COUNT(base); ++i)
    if (!fn(&base[i], arg))
      return 0;
  for (i = 0; i < COUNT(split); ++i) {
    if (!fn(&split[i], arg))
      return 0;
    for (n = 0; n < CONF_QUEUE_SPLIT; ++n) {
      char sub[64];
      struct hier_entry e = split[i];
      size_t len = strlen(split[i].path);

      /* the split[] paths are short constants; this cannot truncate */
      if (len + 1 + FMT_ULONG > sizeof sub)
        return 0;
      memcpy(sub, split[i].path, len);
      sub[len++] = '/';
      len += fmt_uint(sub + len, (unsigned int)n);
      sub[len] = 0;
      e.path = sub;
      if (!fn(&e, arg))
        return 0;
    }
  }
  for (i = 0; i < COUNT(files); ++i)
    if (!fn(&files[i], arg))
      return 0;
  return 1;
}

unsigned int
hier_mode(const struct hier_entry *e, unsigned long uid, unsigned long gid)
{
  unsigned int mode = e->mode;

  if (e->type != HIER_FILE)
    return mode;                /* set-group-ID directories are harmless */
  if (uid == 0)
    mode &= ~04000u;
  if (gid == 0)
    mode &= ~02000u;
  return mode;
}
