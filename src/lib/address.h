/* address.h -- envelope addresses (RFC 5321 paths and mailboxes).
 *
 * Inside the system an envelope address is the plain byte string
 * local@domain with all SMTP quoting removed: "john doe"@example.org is
 * stored as john doe@example.org.  The domain is whatever follows the
 * LAST '@'; an address without '@' is all local part (qmail accepts
 * <postmaster> and friends this way).  The null reverse-path <> is the
 * empty string.  Local parts are case-sensitive; domains are not.
 *
 * ADDRESS_MAX bounds the length of an address in this plain form.  It
 * is well above RFC 5321's 64-byte local part and 255-byte domain,
 * because VERP and SRS addresses exceed those in practice, but it keeps
 * a hostile client from making the server store megabytes per
 * recipient.
 *
 *   address_parse_path(s, len, addr, consumed)
 *     Parses the path of an SMTP MAIL FROM: or RCPT TO: command from
 *     s[0..len), the text right after the colon.  Spaces and tabs before
 *     the path are skipped (many clients write "MAIL FROM: <a@b>").
 *     The path is either
 *       <>                      the null path; addr becomes empty;
 *       <[route:]mailbox>       the standard form;
 *       [route:]mailbox         without brackets, up to the first
 *                               unquoted space or tab or the end,
 *                               which qmail has always accepted;
 *     where route is RFC 5321's source route "@one,@two:" (checked for
 *     form, then dropped, as RFC 5321 appendix C asks of servers).
 *     In the mailbox, quoted strings lose their quotes and quoted pairs
 *     (backslash and the next byte, inside or outside quotes) become the
 *     byte itself.  Unquoted, every byte stands for itself except
 *     control bytes (0-31, 127; so also tab), space, '<' and '>', which
 *     end or break the path; so dots need not follow the dot-atom rules
 *     and 8-bit (UTF-8) bytes pass, as they do in qmail.  Inside quotes
 *     any byte but a control byte is taken.
 *     Refused with EINVAL: an unterminated bracket or quote, a control
 *     byte anywhere (NUL included, quoted or not), a backslash at the
 *     end, a route not of the form above, a mailbox that is empty or
 *     begins with an unquoted '@', an empty domain after the last '@',
 *     quoting or escaping after the last '@' (the domain is never
 *     quoted), "<" or ">" where they do not belong, or text directly
 *     after the closing '>'.  Refused with EMSGSIZE: an address whose
 *     plain form exceeds ADDRESS_MAX bytes.
 *     What follows the path is the caller's business (ESMTP parameters
 *     such as SIZE=123).  If consumed is not null, *consumed is set to
 *     the number of bytes the path took, leading blanks included: up
 *     to and including '>', or to the end of an unbracketed mailbox.
 *     s[*consumed] is then a space or a tab, or *consumed is len.  If
 *     consumed is null, only spaces and tabs may follow the path.
 *     Returns 1 with the plain address in addr (replacing what was
 *     there) on success; 0 with errno set on failure (ENOMEM as well),
 *     in which case addr is left empty and *consumed is unspecified.
 *     Policy checks (rcpthosts, badmailfrom) must look at the plain
 *     form only: <"a@evil.example"> is the address a@evil.example,
 *     whose domain is evil.example, exactly as delivery will see it.
 *
 *   address_quote(out, addr, len)
 *     Appends the SMTP form of the plain address addr[0..len) to out,
 *     without angle brackets: the local part (before the last '@') as
 *     it is when it is a dot-atom of RFC 5321 (atext, with 8-bit bytes
 *     counted as atext as RFC 6531 does, separated by single dots, no
 *     leading or trailing dot), otherwise as a quoted string in which
 *     '"' and '\' are escaped with a backslash.  An empty local part
 *     before an '@' becomes "".  The '@' and the domain are copied as
 *     they are; the empty address stays empty.  Returns 1 on success.
 *     Fails with EINVAL if addr holds a control byte, which SMTP cannot
 *     carry even quoted, and with ENOMEM (or EOVERFLOW) when out cannot
 *     grow; out is unchanged then.  For every address x that
 *     address_parse_path() returns, parsing "<" quote(x) ">" gives back
 *     exactly x, and so does parsing quote(x) alone unless x is empty.
 *
 *   address_split(addr, len, &at)
 *     Sets at to the position of the last '@' in addr[0..len), or to len
 *     if there is none, and returns 1 if there is one, 0 if not (errno
 *     is not touched: this is an answer, not a failure).  The local part
 *     is addr[0..at), the domain addr[at+1..len).
 *
 *   address_domain_lower(sa)
 *     Lowercases the ASCII letters of the domain of the address in
 *     sa->s[0..sa->len), leaving the local part as it is.  Nothing
 *     happens to an address without '@'.
 */
#ifndef ADDRESS_H
#define ADDRESS_H

#include <stddef.h>

#include "stralloc.h"

#define ADDRESS_MAX 1000

int address_parse_path(const char *s, size_t len, stralloc *addr,
                       size_t *consumed);
int address_quote(stralloc *out, const char *addr, size_t len);
int address_split(const char *addr, size_t len, size_t *at);
void address_domain_lower(stralloc *sa);

#endif
