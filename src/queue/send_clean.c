/* send_clean.c -- asking qmail-clean to remove files qmail-send may not.
 *
 * qmail-send runs as qmails and cannot remove what qmail-queue (qmailq)
 * made in mess/, intd/ and todo/; qmail-clean can.  Each request is one
 * netstring "t ID" or "m ID" on clean_fd, answered by one byte on
 * clean_answer_fd: '+' done, '!' failed (src/queue/README.md).
 */
#include <errno.h>
#include <unistd.h>

#include "netstring.h"
#include "send.h"

int clean_fd = 5, clean_answer_fd = 6;

int
clean_request(char kind, unsigned long id)
{
  stralloc body = STRALLOC_ZERO, frame = STRALLOC_ZERO;
  char answer;
  ssize_t r;
  int ok;

  ok = stralloc_append(&body, kind) && stralloc_append(&body, ' ')
    && stralloc_catulong(&body, id) && netstring_cat(&frame, body.s, body.len)
    && write(clean_fd, frame.s, frame.len) == (ssize_t)frame.len;
  stralloc_free(&body);
  stralloc_free(&frame);
  if (!ok)
    return 0;
  do
    r = read(clean_answer_fd, &answer, 1);
  while (r == -1 && errno == EINTR);
  return r == 1 && answer == '+';
}
