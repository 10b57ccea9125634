/* tcpto.h -- the table of addresses whose connect attempts timed out.
 *
 * qmail-remote records an address here when connecting to it times out
 * (a refusal is quick and is not recorded), forgets it when a
 * connection to it succeeds, and skips an address that timed out
 * TCPTO_THRESHOLD times in a row while its last timeout is younger than
 * tcpto_backoff(count): waiting timeoutconnect seconds for a host that
 * is known to be unreachable only holds up every message behind it.
 * qmail-tcpto lists the table, qmail-tcpok clears it.
 *
 * The file (queue/lock/tcpto, owned by qmailr, mode 0644) has a fixed
 * size: TCPTO_ENTRIES entries of TCPTO_ENTRY_SIZE bytes, all zero when
 * empty.  An entry is
 *
 *   byte  0      address family: 0 free, 4 IPv4, 6 IPv6
 *   byte  1      timeouts in a row, 1..255
 *   bytes 2-7    zero
 *   bytes 8-15   time of the last timeout, seconds since the epoch,
 *                unsigned, most significant byte first
 *   bytes 16-31  the address (IPv4: bytes 16-19, the rest zero)
 *
 * The table is a hint, never the truth: an entry that does not follow
 * this layout, a partial entry at the end of a short file, an entry
 * more than TCPTO_SKEW seconds in the future (the clock went back), one
 * whose last timeout is older than TCPTO_FORGET seconds, and a second
 * entry for an address all read as free.  Writers take an exclusive
 * lock on the file (lock_ex) around read, change and write; readers
 * take it too, so they never see half a write.
 *
 * Functions return 1 on success and 0 on failure with errno set.
 */
#ifndef TCPTO_H
#define TCPTO_H

#include <stddef.h>

#include "dns.h"

#define TCPTO_FILE "queue/lock/tcpto"
#define TCPTO_ENTRIES 64
#define TCPTO_ENTRY_SIZE 32
#define TCPTO_SIZE (TCPTO_ENTRIES * TCPTO_ENTRY_SIZE)
#define TCPTO_THRESHOLD 2       /* timeouts in a row before skipping */
#define TCPTO_BACKOFF_MIN 120   /* seconds skipped at the threshold */
#define TCPTO_BACKOFF_MAX 3600  /* the longest wait: an hour */
#define TCPTO_FORGET 86400      /* an older entry is free again */
#define TCPTO_SKEW 60           /* seconds "from the future" still believed:
                                   another process's clock read later */

struct tcpto_entry {
  struct dns_ip ip;             /* family 0: free */
  unsigned int count;
  long long when;
};

struct tcpto_table {
  struct tcpto_entry entry[TCPTO_ENTRIES];
};

/* Seconds an address with count timeouts in a row is skipped after its
 * last one: 0 below TCPTO_THRESHOLD, then TCPTO_BACKOFF_MIN doubling
 * with every further timeout, never more than TCPTO_BACKOFF_MAX. */
long long tcpto_backoff(unsigned int count);

/* The table in memory.  tcpto_parse reads len bytes of file contents
 * as of now (any len, any contents); tcpto_pack writes TCPTO_SIZE
 * bytes. */
void tcpto_parse(struct tcpto_table *t, const char *buf, size_t len,
                 long long now);
void tcpto_pack(const struct tcpto_table *t, char *buf);

/* The entry for ip, or 0. */
struct tcpto_entry *tcpto_find(struct tcpto_table *t, const struct dns_ip *ip);

/* Seconds ip is still to be skipped at now; 0 to try it. */
long long tcpto_wait(const struct tcpto_table *t, const struct dns_ip *ip,
                     long long now);

/* Note a timeout of ip at now: its count goes up by one, or it takes a
 * free entry, or, when the table is full, the entry with the oldest
 * last timeout. */
void tcpto_note(struct tcpto_table *t, const struct dns_ip *ip, long long now);

/* Free the entry for ip; 1 if there was one, 0 if not. */
int tcpto_drop(struct tcpto_table *t, const struct dns_ip *ip);

/* The file at path (relative to the current directory).  tcpto_load
 * reads it; a missing file is an empty table.  tcpto_record notes a
 * timeout of ip under the lock, creating the file (mode 0644) when it
 * is missing; tcpto_forget drops the entry for ip; tcpto_clear empties
 * the table, or drops only the entry for ip when ip is not 0.  For
 * these two a missing file is already clear, and the file is written
 * only when something changes. */
int tcpto_load(struct tcpto_table *t, const char *path, long long now);
int tcpto_record(const char *path, const struct dns_ip *ip, long long now);
int tcpto_forget(const char *path, const struct dns_ip *ip, long long now);
int tcpto_clear(const char *path, const struct dns_ip *ip, long long now);

#endif
