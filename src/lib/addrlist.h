/* addrlist.h -- the mailboxes of an RFC 5322 address list.
 *
 * The body of a To:, Cc:, Bcc:, From:, Reply-To: or Return-Path: field
 * is an address list: mailboxes and groups separated by commas, where a
 * mailbox is either a bare addr-spec ("joe@example.org") or an optional
 * display name followed by an addr-spec in angle brackets ("Joe Doe
 * <joe@example.org>"), and a group is a display name, a colon, a list
 * of mailboxes and a semicolon ("team: a@x, b@y;", "undisclosed:;").
 * Comments in parentheses (nested, with backslash escapes) and white
 * space, line ends of folded lines included, may appear between any two
 * tokens and are ignored.
 *
 * This module walks such a list and returns each mailbox's address in
 * the plain form of address.h: local@domain with the quotes and
 * backslash escapes of the local part removed ("john doe"@x becomes
 * john doe@x), the display name, comments and any obsolete source
 * route ("<@relay,@relay2:joe@x>") dropped.  An address without '@' is
 * returned as it is, all local part: qualifying it is the caller's
 * business.
 *
 * Usage:
 *     struct addrlist al;
 *     struct addrlist_span span;
 *     int r;
 *     addrlist_init(&al, body, bodylen);
 *     while ((r = addrlist_next(&al, &addr, &span)) == 1)
 *       ... addr holds one address, body[span.start..span.end) its text
 *     if (r == -1) ... syntax error (errno EINVAL), too long (EMSGSIZE),
 *                      out of memory (ENOMEM)
 *
 *   addrlist_init(al, s, len)
 *     Start walking the list s[0..len).  s must stay valid and
 *     unchanged while the walk lasts; nothing is copied.
 *
 *   addrlist_next(al, addr, span)
 *     Returns 1 with the next mailbox's plain address in addr
 *     (replacing its contents) and, when span is not null, the byte
 *     range of the address's own text in s (the addr-spec, or what
 *     stands between the angle brackets, route included) so that a
 *     caller can rewrite the list in place and keep display names and
 *     comments.  Returns 0 at the end of the list.  Returns -1 with
 *     errno set and addr empty on error; the walk is over then.
 *     An empty pair of angle brackets "<>" gives 1 with addr empty (the
 *     null path of a Return-Path field); callers that need a real
 *     mailbox must refuse it.  Empty list elements (",,") are skipped,
 *     as RFC 5322's obsolete syntax allows, and so is a group whose
 *     closing ';' is missing at the very end, which broken mailers
 *     write ("To: undisclosed-recipients:").
 *
 * Accepted beyond the strict grammar, because mail in the wild has it:
 * dots anywhere in an unquoted local part (obs-local-part: "a..b",
 * "a."), blanks and comments between the tokens of an addr-spec
 * ("joe . doe @ x"), any text at all before an angle address
 * ("joe@x <joe@x>"), 8-bit bytes in atoms (RFC 6531).
 * Refused (EINVAL): an unterminated comment, quoted string, domain
 * literal, angle address or nested group; two words without a dot
 * between them outside angle brackets ("Joe Doe" with no address);
 * more than one '@' or a missing local part or domain around it; a
 * quoted domain; dots at the ends of or doubled in a domain; a domain
 * literal not directly after '@'; a stray special character
 * (">", ")", "]", "\", ";" outside a group); anything but ',' or the
 * end of a group after '>'; control bytes (0-31 and 127) in an
 * address, NUL included (a folded line end inside a quoted string is
 * unfolded first, RFC 5322 section 3.2.2), and control bytes other
 * than blanks and line ends anywhere outside quotes and comments.
 * Refused (EMSGSIZE): an address longer than ADDRESS_MAX bytes.
 */
#ifndef ADDRLIST_H
#define ADDRLIST_H

#include <stddef.h>

#include "stralloc.h"

struct addrlist {
  const char *s;
  size_t len;
  size_t pos;      /* next byte to look at */
  int in_group;    /* between a group's ':' and its ';' */
  int failed;      /* an error ended the walk */
};

struct addrlist_span {
  size_t start;
  size_t end;
};

void addrlist_init(struct addrlist *al, const char *s, size_t len);
int addrlist_next(struct addrlist *al, stralloc *addr,
                  struct addrlist_span *span);

#endif
