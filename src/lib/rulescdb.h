/* rulescdb.h -- the connection rules of tcprules(1) and tcpserver(1):
 * the rules language, the database records, and the lookup.
 *
 * A rules file holds one rule per line, "ADDRESS:allow" or
 * "ADDRESS:deny", optionally followed by environment variables
 * ",NAME="value"" (see tcprules.1 for the language).  tcprules turns
 * each rule into one or more cdb records: the key is the address as
 * tcpserver will look it up, the data is a series of NUL-terminated
 * items,
 *
 *     "D" NUL                when the rule denies (first, if present)
 *     "+NAME=value" NUL      for every variable, in the order written
 *
 * so an allow rule without variables has empty data.  This is ucspi-tcp
 * 0.88's format: databases move freely between its tcprules/tcpserver
 * and ours.
 *
 * Parsing (tcprules):
 *
 *   rulescdb_parse(rule, line, len)
 *     Parse one line (without its newline).  Returns 1 for a rule, 0 for
 *     a line that holds none (empty, blank, or a comment starting with
 *     '#'), -1 on failure: errno EINVAL with rule->error naming what is
 *     wrong (a static string), or ENOMEM.  A rule with an address range
 *     ("10.1.2.3-9:allow") stands for several keys:
 *   rulescdb_keys(rule)          how many (1 to 256)
 *   rulescdb_key(rule, i, key)   the i-th key (0 <= i < keys) into key;
 *                                1, or 0 with ENOMEM
 *   rule->data                   the record data shared by all its keys
 *   rulescdb_free(rule)          release the memory
 *
 * Reading (tcpserver, tcprulescheck):
 *
 *   rulescdb_lookup(db, ip, host, info, key, data)
 *     Find the rule for a client, trying in order: INFO@IP, INFO@=HOST,
 *     IP, =HOST, the prefixes of IP ending in '.' or ':' (longest
 *     first), =SUFFIX for the suffixes of HOST starting with '.'
 *     (longest first), "=", and "" (the default rule); the HOST keys only
 *     when host is not null, the INFO ones only when info is not null.
 *     HOST is compared in lower case.  Returns 1 with the matching key
 *     and its data, 0 when no rule applies (allow, no variables), -1 on
 *     a read error (errno EPROTO for a corrupt database, ENOMEM).
 *   rulescdb_decode(data, len, &deny, env)
 *     Split record data into the decision (deny 1 or 0) and the
 *     variables, appended to env as "NAME=value" NUL strings.  Returns
 *     1, or 0 with errno EPROTO when the data is not in the format above
 *     (a record that could not come from tcprules), or ENOMEM.
 */
#ifndef RULESCDB_H
#define RULESCDB_H

#include <stddef.h>

#include "constdb.h"
#include "stralloc.h"

struct rulescdb_rule {
  stralloc prefix;            /* the key, or its part before the range */
  stralloc suffix;            /* the key's part after the range */
  unsigned int low, high;     /* the range; low == high without one */
  int ranged;                 /* 1 when the address has a range */
  stralloc data;              /* the record data */
  const char *error;          /* why the last parse failed */
};

#define RULESCDB_RULE_ZERO \
  { STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, 0, STRALLOC_ZERO, 0 }

int rulescdb_parse(struct rulescdb_rule *rule, const char *line, size_t len);
unsigned int rulescdb_keys(const struct rulescdb_rule *rule);
int rulescdb_key(const struct rulescdb_rule *rule, unsigned int i,
                 stralloc *key);
void rulescdb_free(struct rulescdb_rule *rule);

int rulescdb_lookup(struct constdb *db, const char *ip, const char *host,
                    const char *info, stralloc *key, stralloc *data);
int rulescdb_decode(const char *data, size_t len, int *deny, stralloc *env);

#endif
