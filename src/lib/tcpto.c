/* tcpto.c -- the table of addresses that timed out; see tcpto.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lock.h"
#include "tcpto.h"

long long
tcpto_backoff(unsigned int count)
{
  long long wait = TCPTO_BACKOFF_MIN;

  if (count < TCPTO_THRESHOLD)
    return 0;
  for (count -= TCPTO_THRESHOLD; count && wait < TCPTO_BACKOFF_MAX; --count)
    wait *= 2;
  return wait < TCPTO_BACKOFF_MAX ? wait : TCPTO_BACKOFF_MAX;
}

static int
ip_len(int family)
{
  return family == AF_INET ? 4 : 16;
}

static int
entry_parse(struct tcpto_entry *e, const unsigned char *p, long long now)
{
  unsigned long long when = 0;
  int i;

  memset(e, 0, sizeof *e);
  for (i = 2; i < 8; ++i)
    if (p[i])
      return 0;
  if (p[0] == 4) {
    for (i = 20; i < 32; ++i)
      if (p[i])
        return 0;
    e->ip.family = AF_INET;
  } else if (p[0] == 6)
    e->ip.family = AF_INET6;
  else
    return 0;
  if (!p[1])
    return 0;
  for (i = 8; i < 16; ++i)
    when = when << 8 | p[i];
  /* from the future, or long ago: not worth believing */
  if (when > (unsigned long long)now + TCPTO_SKEW
      || (long long)when < now - TCPTO_FORGET) {
    e->ip.family = 0;
    return 0;
  }
  e->count = p[1];
  e->when = (long long)when;
  memcpy(e->ip.ip, p + 16, (size_t)ip_len(e->ip.family));
  return 1;
}

void
tcpto_parse(struct tcpto_table *t, const char *buf, size_t len, long long now)
{
  unsigned int i;

  memset(t, 0, sizeof *t);
  for (i = 0; i < TCPTO_ENTRIES && len >= (i + 1) * (size_t)TCPTO_ENTRY_SIZE;
       ++i) {
    struct tcpto_entry e;

    /* a second entry for one address (only a damaged file has one)
     * would outlive tcpto_drop of the first */
    if (entry_parse(&e, (const unsigned char *)buf + i * TCPTO_ENTRY_SIZE,
                    now) && !tcpto_find(t, &e.ip))
      t->entry[i] = e;
  }
}

void
tcpto_pack(const struct tcpto_table *t, char *buf)
{
  unsigned int i;
  int k;

  memset(buf, 0, TCPTO_SIZE);
  for (i = 0; i < TCPTO_ENTRIES; ++i) {
    const struct tcpto_entry *e = &t->entry[i];
    unsigned char *p = (unsigned char *)buf + i * TCPTO_ENTRY_SIZE;
    unsigned long long when = (unsigned long long)e->when;

    if (e->ip.family != AF_INET && e->ip.family != AF_INET6)
      continue;
    p[0] = e->ip.family == AF_INET ? 4 : 6;
    p[1] = (unsigned char)(e->count > 255 ? 255 : e->count ? e->count : 1);
    for (k = 15; k >= 8; --k) {
      p[k] = (unsigned char)(when & 0xff);
      when >>= 8;
    }
    memcpy(p + 16, e->ip.ip, (size_t)ip_len(e->ip.family));
  }
}

struct tcpto_entry *
tcpto_find(struct tcpto_table *t, const struct dns_ip *ip)
{
  unsigned int i;

  if (ip->family != AF_INET && ip->family != AF_INET6)
    return 0;
  for (i = 0; i < TCPTO_ENTRIES; ++i)
    if (t->entry[i].ip.family == ip->family
        && !memcmp(t->entry[i].ip.ip, ip->ip, (size_t)ip_len(ip->family)))
      return &t->entry[i];
  return 0;
}

long long
tcpto_wait(const struct tcpto_table *t, const struct dns_ip *ip, long long now)
{
  const struct tcpto_entry *e = tcpto_find((struct tcpto_table *)t, ip);
  long long until;

  if (!e)
    return 0;
  until = e->when + tcpto_backoff(e->count);
  return until > now ? until - now : 0;
}

void
tcpto_note(struct tcpto_table *t, const struct dns_ip *ip, long long now)
{
  struct tcpto_entry *e = tcpto_find(t, ip);
  unsigned int i;

  if (ip->family != AF_INET && ip->family != AF_INET6)
    return;
  if (e) {
    if (e->count < 255)
      ++e->count;
    e->when = now;
    return;
  }
  e = &t->entry[0];
  for (i = 0; i < TCPTO_ENTRIES; ++i) {
    if (!t->entry[i].ip.family) {
      e = &t->entry[i];
      break;
    }
    if (t->entry[i].when < e->when)
      e = &t->entry[i];
  }
  memset(e, 0, sizeof *e);
  e->ip.family = ip->family;
  memcpy(e->ip.ip, ip->ip, (size_t)ip_len(ip->family));
  e->count = 1;
  e->when = now;
}

int
tcpto_drop(struct tcpto_table *t, const struct dns_ip *ip)
{
  struct tcpto_entry *e = tcpto_find(t, ip);

  if (!e)
    return 0;
  memset(e, 0, sizeof *e);
  return 1;
}

/* All of the file (up to TCPTO_SIZE bytes) into buf; its length. */
static int
read_all(int fd, char *buf, size_t *len)
{
  *len = 0;
  while (*len < TCPTO_SIZE) {
    ssize_t r = pread(fd, buf + *len, TCPTO_SIZE - *len, (off_t)*len);

    if (r == -1) {
      if (errno == EINTR)
        continue;
      return 0;
    }
    if (!r)
      break;
    *len += (size_t)r;
  }
  return 1;
}

static int
write_all(int fd, const char *buf)
{
  size_t done = 0;

  while (done < TCPTO_SIZE) {
    ssize_t w = pwrite(fd, buf + done, TCPTO_SIZE - done, (off_t)done);

    if (w == -1) {
      if (errno == EINTR)
        continue;
      return 0;
    }
    done += (size_t)w;
  }
  return 1;
}

int
tcpto_load(struct tcpto_table *t, const char *path, long long now)
{
  char buf[TCPTO_SIZE];
  size_t len;
  int fd, ok, e;

  memset(t, 0, sizeof *t);
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd == -1)
    return errno == ENOENT;
  ok = lock_ex(fd) && read_all(fd, buf, &len);
  e = errno;
  close(fd);
  if (!ok) {
    errno = e;
    return 0;
  }
  tcpto_parse(t, buf, len, now);
  return 1;
}

enum change { CHANGE_RECORD, CHANGE_FORGET, CHANGE_CLEAR };

static int
change(const char *path, enum change how, const struct dns_ip *ip,
       long long now)
{
  struct tcpto_table t;
  char buf[TCPTO_SIZE];
  size_t len;
  int fd, ok, e;

  fd = open(path, O_RDWR | O_CLOEXEC | (how == CHANGE_RECORD ? O_CREAT : 0),
            0644);
  if (fd == -1)
    return how != CHANGE_RECORD && errno == ENOENT;
  ok = lock_ex(fd) && read_all(fd, buf, &len);
  if (ok) {
    int dirty = 1;

    tcpto_parse(&t, buf, len, now);
    if (how == CHANGE_RECORD)
      tcpto_note(&t, ip, now);
    else if (ip)
      dirty = tcpto_drop(&t, ip) || len != TCPTO_SIZE;
    else
      memset(&t, 0, sizeof t);
    if (dirty) {
      tcpto_pack(&t, buf);
      ok = write_all(fd, buf) && ftruncate(fd, TCPTO_SIZE) == 0;
    }
  }
  e = errno;
  close(fd);
  errno = e;
  return ok;
}

int
tcpto_record(const char *path, const struct dns_ip *ip, long long now)
{
  return change(path, CHANGE_RECORD, ip, now);
}

int
tcpto_forget(const char *path, const struct dns_ip *ip, long long now)
{
  return change(path, CHANGE_FORGET, ip, now);
}

int
tcpto_clear(const char *path, const struct dns_ip *ip, long long now)
{
  return change(path, CHANGE_CLEAR, ip, now);
}
