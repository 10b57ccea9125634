/* qmail-tcpto -- list the addresses qmail-remote found unreachable.
 *
 * Usage: qmail-tcpto
 *
 * Prints one line for each address in the tcpto table
 * (queue/lock/tcpto, see tcpto.h): how many connect attempts in a row
 * timed out, how long ago the last one was, and whether qmail-remote
 * is passing over the address now and for how much longer.  An empty
 * table prints nothing.
 *
 * Run by an operator: root or a member of group qmail (queue/lock is
 * not open to others).  It only reads the table, under its lock, and
 * changes nothing.  Honours $QMAILHOME.
 *
 * Exit codes: 0 done; 100 usage error; 111 the table could not be read.
 */
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "errmsg.h"
#include "fmt.h"
#include "instance.h"
#include "tcpto.h"

static void
put_number(long long n)
{
  char number[FMT_ULONG];

  buffer_put(buffer_1, number, fmt_ulong(number, n > 0 ? (unsigned long)n : 0));
}

static void
put_entry(const struct tcpto_table *t, const struct tcpto_entry *e,
          long long now)
{
  char ip[DNS_IP_FMT];
  long long wait = tcpto_wait(t, &e->ip, now);

  buffer_put(buffer_1, ip, dns_ip_fmt(ip, &e->ip));
  buffer_puts(buffer_1, " timed out ");
  put_number(e->count);
  buffer_puts(buffer_1, e->count == 1 ? " time" : " times");
  buffer_puts(buffer_1, " in a row, last ");
  put_number(now - e->when);
  buffer_puts(buffer_1, " seconds ago; ");
  if (wait > 0) {
    buffer_puts(buffer_1, "skipped for ");
    put_number(wait);
    buffer_puts(buffer_1, " more seconds\n");
  } else
    buffer_puts(buffer_1, "tried at the next delivery\n");
}

int
main(int argc, char **argv)
{
  struct tcpto_table t;
  long long now = (long long)time(0);
  unsigned int i;

  (void)argv;
  errmsg_init("qmail-tcpto");
  if (argc > 1)
    die(100, "usage: qmail-tcpto");
  if (chdir(instance_home()) == -1)
    die_sys(111, "unable to enter ", instance_home(), ". (#4.3.0)");
  if (!tcpto_load(&t, TCPTO_FILE, now))
    die_sys(111, "unable to read ", instance_home(), "/", TCPTO_FILE,
            ". (#4.3.0)");
  for (i = 0; i < TCPTO_ENTRIES; ++i)
    if (t.entry[i].ip.family)
      put_entry(&t, &t.entry[i], now);
  if (!buffer_flush(buffer_1))
    die_sys(111, "unable to write the list. (#4.3.0)");
  return 0;
}
