/* aliases.h -- sendmail's /etc/aliases syntax, as fastforward 0.51's
 * newaliases and newinclude read it, turned into fastforward's records
 * (fwdb.h).
 *
 * Entries.  An entry starts on a line that does not begin with a space
 * or tab; every following line that does, or that is empty, continues
 * it.  An entry whose first line begins with '#' is a comment, its
 * continuations included.  An entry is "name: recipient, recipient".
 * The colon may be left out ("name recipient, ..."): the first address
 * is then the name.
 *
 * Tokens (RFC 822): atoms, "quoted strings" and [domain literals] with
 * backslash escapes, (comments), which are dropped, and the specials
 * < > @ , : ; .  Two words side by side with no '.' or '@' between them
 * are two addresses ("|p2 arg2" is a program and an address).  In
 * "Joe <joe@example.org>" only what stands in the angle brackets counts.
 *
 * Names.  "user" means user at every host (key "user@"),
 * "user@host" one user at one host, "@host" everyone at one host;
 * names are lowercased.  For "owner-list" an owner record is written
 * first: mail forwarded through "list" goes out with the envelope sender
 * owner-list (qualified as below).
 *
 * Recipients.
 *   |program  (unquoted with no '@', or "|program" quoted): a program,
 *             command '!' (fed $UFLINE $RPLINE $DTLINE and the message)
 *   :include:/path   the binary list /path.bin (newinclude makes it)
 *   /path     a file delivery: refused, as fastforward refuses it
 *   anything else    an address; one without '@' gets
 *             "@" defaulthost, a domain ending in '+' has it replaced by
 *             "." plusdomain, a domain without a dot gets
 *             "." defaultdomain (qmail-inject's rules); quotes and
 *             backslashes are removed ("a b"@x is a b@x), a source route
 *             in angle brackets is kept as fastforward keeps it.
 * An entry's commands are written in the reverse of their order in the
 * file, except that each address comes after the programs and includes
 * that stand before the next address: the order fastforward 0.51's
 * newaliases writes, so that the tables are the same byte for byte.
 * Order does not change what fastforward does.
 *
 * Include files (newinclude): every line holds addresses and
 * :include: names (programs and files are refused); lines starting
 * with '#' are comments.  Each :include:/path becomes /path.bin.
 *
 * aliases_parse(text, len, cfg, emit, ctx, err)
 *     Parse a whole aliases file; for each record call
 *     emit(ctx, key, klen, data, dlen) (key ":name" or "?name"), in the
 *     order fastforward's newaliases writes them.  Returns 1 done;
 *     0 a syntax error: err->offset is the byte offset in text where it
 *     was found (aliases_line() turns it into a line number) and
 *     err->why says what; -1 emit failed or memory ran out (errno
 *     set).  NUL bytes, unterminated quotes, comments, literals and
 *     angle brackets, control characters and addresses over 800 bytes
 *     are syntax errors.
 * aliases_parse_list(text, len, cfg, out, err)
 *     Parse an include file into the binary list format, appended to
 *     out; returns as aliases_parse does.
 * aliases_line(text, offset)
 *     The line number (from 1) of text[offset].
 * aliases_config_read(cfg)
 *     Fill cfg from control/defaulthost, control/defaultdomain and
 *     control/plusdomain in the qmail home (instance_home()), with
 *     qmail-inject's fallbacks (control/me, else "localhost"); the
 *     current directory is kept.  Returns 1, or 0 with errno set (a
 *     control file that exists but cannot be read is an error).
 * aliases_config_check_includes(cfg)
 *     Make a :include: whose list and list.bin both do not exist a
 *     syntax error, and warn on fd 2 about a list that is not
 *     compiled or newer than its .bin.
 */
#ifndef ALIAS_ALIASES_H
#define ALIAS_ALIASES_H

#include <stddef.h>

#include "stralloc.h"

struct aliases_config {
  stralloc defaulthost;
  stralloc defaultdomain;
  stralloc plusdomain;
  /* When not null, called with each :include: file's name (without
   * ".bin"); returning 0 makes the include a syntax error, with
   * include_why as the reason. */
  int (*include_ok)(const char *path);
  const char *include_why;
};

#define ALIASES_CONFIG_ZERO \
  { STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, 0, 0 }

struct aliases_error {
  size_t offset;        /* start of the line at fault */
  const char *why;
};

typedef int aliases_emit(void *ctx, const char *key, size_t klen,
                         const char *data, size_t dlen);

int aliases_parse(const char *text, size_t len,
                  const struct aliases_config *cfg, aliases_emit *emit,
                  void *ctx, struct aliases_error *err);
int aliases_parse_list(const char *text, size_t len,
                       const struct aliases_config *cfg, stralloc *out,
                       struct aliases_error *err);
unsigned long aliases_line(const char *text, size_t offset);
int aliases_config_read(struct aliases_config *cfg);
void aliases_config_check_includes(struct aliases_config *cfg);

#endif
