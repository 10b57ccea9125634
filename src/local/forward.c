/* forward.c -- forwards for qmail-local; see forward.h. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dotqmail.h"
#include "forward.h"
#include "qmailqueue.h"
#include "stralloc.h"

/* ".qmail" dash safeext "-owner", NUL-terminated. */
static int
owner_file_name(stralloc *name, const char *dash, const char *ext)
{
  size_t start;

  if (!stralloc_copys(name, ".qmail") || !stralloc_cats(name, dash))
    return 0;
  start = name->len;
  if (!stralloc_cats(name, ext))
    return 0;
  dotqmail_safe_ext(name->s + start, name->len - start);
  return stralloc_cats(name, "-owner") && stralloc_0(name);
}

int
forward_newsender(stralloc *out, const char *sender, const char *local,
                  const char *domain, const char *dash, const char *ext)
{
  stralloc name = STRALLOC_ZERO;
  struct stat st;
  int owner;

  if (!*sender || !strcmp(sender, "#@[]"))
    return stralloc_copys(out, sender) && stralloc_0(out);
  if (!owner_file_name(&name, dash, ext))
    return 0;
  if (stat(name.s, &st) == 0)
    owner = 1;
  else if (errno == ENOENT || errno == ENOTDIR || errno == ENAMETOOLONG)
    owner = 0;
  else {
    int err = errno;

    stralloc_free(&name);
    errno = err;
    return 0;
  }
  stralloc_free(&name);
  if (!owner)
    return stralloc_copys(out, sender) && stralloc_0(out);
  return stralloc_copys(out, local) && stralloc_cats(out, "-owner@")
    && stralloc_cats(out, domain) && stralloc_0(out);
}

int
forward_add(struct forward *fw, const char *address)
{
  if (!stralloc_cats(&fw->addresses, address)
      || !stralloc_0(&fw->addresses))
    return 0;
  ++fw->count;
  return 1;
}

size_t
forward_count(const struct forward *fw)
{
  return fw->count;
}

/* why = s1 s2 s3; 0 when out of memory. */
static int
explain(stralloc *why, const char *s1, const char *s2, const char *s3)
{
  return stralloc_copys(why, s1) && stralloc_cats(why, s2)
    && stralloc_cats(why, s3);
}

int
forward_send(struct forward *fw, const char *sender, const stralloc *dtline,
             stralloc *why)
{
  struct qmailqueue qq;
  char space[8192];
  size_t pos;
  int code;

  if (lseek(0, 0, SEEK_SET) == -1) {
    explain(why, "Unable to rewind message for forwarding: ",
            strerror(errno), ". (#4.3.0)");
    return 111;
  }
  if (!qmailqueue_open(&qq)) {
    explain(why, "Unable to forward message: cannot start the queue "
            "program: ", strerror(errno), ". (#4.3.0)");
    return 111;
  }
  qmailqueue_put(&qq, dtline->s, dtline->len);
  for (;;) {
    ssize_t r = read(0, space, sizeof space);

    if (r == 0)
      break;
    if (r == -1) {
      int err = errno;

      if (err == EINTR)
        continue;
      qmailqueue_abort(&qq);
      qmailqueue_close(&qq);
      explain(why, "Unable to read message for forwarding: ",
              strerror(err), ". (#4.3.0)");
      return 111;
    }
    qmailqueue_put(&qq, space, (size_t)r);
  }
  qmailqueue_from(&qq, sender);
  for (pos = 0; pos < fw->addresses.len;) {
    const char *address = fw->addresses.s + pos;

    qmailqueue_to(&qq, address);
    pos += strlen(address) + 1;
  }
  code = qmailqueue_close(&qq);
  if (code == 0)
    return 0;
  explain(why, "Unable to forward message: ", qmailqueue_text(code), "");
  return qmailqueue_permanent(code) ? 100 : 111;
}

void
forward_free(struct forward *fw)
{
  stralloc_free(&fw->addresses);
  fw->count = 0;
}
