/* serial_client.c -- what the clients serialsmtp and serialqmtp share:
 * the server's name for their texts, the loop over the file names
 * maildirserial gives them, and the opening of each file; see serial.h. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "buffer.h"
#include "env.h"
#include "errmsg.h"
#include "serial.h"
#include "stralloc.h"

const char *
serial_server(const char *given)
{
  const char *name = given ? given : env_get("TCPREMOTEHOST");

  if (!name || !name[0])
    name = env_get("TCPREMOTEIP");
  return name ? name : "";
}

void
serial_each_file(void (*send)(const char *name))
{
  stralloc name = STRALLOC_ZERO;

  for (;;) {
    int rc;

    name.len = 0;
    rc = buffer_getline(buffer_0, &name, '\0');
    if (rc == -1)
      die_sys(111, "unable to read the file names");
    if (rc == 0)
      break;
    if (name.len < 2)
      continue;
    send(name.s);
  }
  stralloc_free(&name);
}

const char *
serial_open(const char *name, struct serial_envelope *env,
            const char *prefix, int *fd)
{
  static stralloc why = STRALLOC_ZERO;
  const char *rcpt;

  *fd = open(name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (*fd == -1) {
    if (!stralloc_copys(&why, "unable to open the file: ")
        || !stralloc_cats(&why, strerror(errno)) || !stralloc_0(&why))
      die_nomem();
    env->why = why.s;
    return 0;
  }
  if (!serial_envelope_read(*fd, env)) {
    if (errno != EINVAL)
      env->why = strerror(errno);
    close(*fd);
    *fd = -1;
    return 0;
  }
  rcpt = serial_recipient(env, prefix);
  if (!rcpt) {
    env->why = 0;
    close(*fd);
    *fd = -1;
  }
  return rcpt;
}
