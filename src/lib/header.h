/* header.h -- recognising the fields of an RFC 5322 message header.
 *
 * A field, for this module, is the text of one header field as it
 * stands in a message whose line ends are single LF bytes: the name, a
 * colon, the body, and any folded continuation lines (lines that begin
 * with a space or a tab), each line ending in LF.  Callers that read
 * CRLF input turn the CR LF pairs into LF first.
 *
 *   header_field_name(s, len, &namelen)
 *     Tells whether s[0..len) begins a header field.  A field begins
 *     with its name: one or more printable US-ASCII bytes (33 to 126)
 *     other than ':', then, as RFC 5322 section 4.5.3 still allows on
 *     input, any number of spaces and tabs, then ':'.  Returns the
 *     offset of the field body (just past the colon) and stores the
 *     length of the name (without the blanks) in *namelen when namelen
 *     is not null; returns 0 when s does not begin a field (an empty
 *     line, a continuation line, a "From " line of an mbox file, a line
 *     of body text).  The body offset is never 0 for a field, so 0 is
 *     an unambiguous answer.
 *
 *   header_is(s, len, name)
 *     1 when s[0..len) begins a field whose name equals the
 *     NUL-terminated name, compared without regard to the case of
 *     ASCII letters ("TO:", "to :" and "To:" are all "To"); else 0.
 *
 *   header_name_starts(s, len, prefix)
 *     1 when s[0..len) begins a field whose name starts with prefix
 *     (case-insensitive as above) and is longer than it: every
 *     "Resent-" field answers 1 for "Resent-", a field named
 *     "Resent-" alone does not.
 *
 * None of these functions allocates or fails; they only look.
 */
#ifndef HEADER_H
#define HEADER_H

#include <stddef.h>

size_t header_field_name(const char *s, size_t len, size_t *namelen);
int header_is(const char *s, size_t len, const char *name);
int header_name_starts(const char *s, size_t len, const char *prefix);

#endif
