/* hier.c -- the installed file hierarchy; see hier.h.
 *
 * Ownership follows qmail's split: the queue belongs to qmailq, the parts
 * only qmail-send touches (info, local, remote, bounce, sendmutex,
 * trigger) to qmails, the tcpto table to qmailr; binaries and control
 * files belong to the owner (root) with group qmail.  Every queue
 * directory that holds one file per message is split into QUEUE_SPLIT
 * subdirectories so no directory grows with the queue.
 */
#include <stdio.h>

#include "hier.h"
#include "qconf.h"

#define D(path, owner, group, mode, runtime) \
  { HIER_DIR, path, owner, group, mode, 0, 0, runtime }
#define F(path, source, mode) \
  { HIER_FILE, path, USER_OWNER, GROUP_QMAIL, mode, source, 0, 0 }
#define FO(path, source, owner, mode) \
  { HIER_FILE, path, owner, GROUP_QMAIL, mode, source, 0, 0 }
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
  D("doc", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man/man1", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man/man5", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man/man7", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("man/man8", USER_OWNER, GROUP_QMAIL, 0755, 0),
  D("queue", USER_QUEUE, GROUP_QMAIL, 0750, 1),
  D("queue/pid", USER_QUEUE, GROUP_QMAIL, 0700, 1),
  D("queue/lock", USER_QUEUE, GROUP_QMAIL, 0750, 1),
  Z("queue/lock/tcpto", USER_REMOTE, 0644, 1024),
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
  F("doc/README.md", "README.md", 0644),
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
  /* injection */
  F("bin/qmail-inject", "build/bin/qmail-inject", 0755),
  F("bin/sendmail", "build/bin/sendmail", 0755),
  F("man/man8/qmail-inject.8", "src/inject/qmail-inject.8", 0644),
  F("man/man8/sendmail.8", "src/inject/sendmail.8", 0644),
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

      snprintf(sub, sizeof sub, "%s/%d", split[i].path, n);
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
