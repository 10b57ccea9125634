/* netstring.h -- netstrings, the framing of QMTP, QMQP and friends.
 *
 * A netstring is the decimal length of its data, ':', the data, ',':
 * "5:hello," and "0:,".  The length is one or more ASCII digits without
 * sign, white space or leading zeros ("0" alone is the only length that
 * starts with '0'); "01:a," is malformed.  A length too big for size_t
 * is malformed as well.  Any other byte where a digit, ':' or ','
 * belongs makes the input malformed.
 *
 * Errors: EPROTO for malformed or truncated input, EMSGSIZE for a
 * well-formed length greater than the caller's maximum, ENOMEM, or the
 * errno of the underlying read or write.
 */
#ifndef NETSTRING_H
#define NETSTRING_H

#include <stddef.h>

#include "buffer.h"
#include "stralloc.h"

/* Append the netstring encoding of data[0..len) to out.  Returns 1, or
 * 0 with errno set (out keeps its old contents). */
int netstring_cat(stralloc *out, const char *data, size_t len);

/* Write the netstring encoding of data[0..len) to the write buffer b
 * (not flushed).  Returns 1, or 0 with errno set. */
int netstring_put(buffer *b, const char *data, size_t len);

/* Parse one netstring at the start of in[0..inlen), which may hold more
 * input after it.  Returns
 *    1  complete: *data points into in at the *dlen data bytes and
 *       *consumed is the size of the whole netstring, ',' included;
 *    0  in is a correct but incomplete beginning (inlen 0 included):
 *       call again with more input;
 *   -1  malformed (EPROTO), or the length exceeds max (EMSGSIZE).
 * The outputs are set only when 1 is returned.  Errors are reported as
 * soon as the bytes seen prove them, so a stream of garbage never
 * makes the caller wait for more. */
int netstring_parse(const char *in, size_t inlen, size_t max,
                    const char **data, size_t *dlen, size_t *consumed);

/* Read one netstring from the read buffer b into out (replacing its
 * contents; no terminating NUL), consuming exactly its bytes so that
 * whatever follows stays in b.  Memory grows with the data actually
 * received, never ahead of it from the announced length.  Returns 1, 0
 * at end of input before any byte of a netstring (a clean end), -1 on
 * error: malformed input or end of input inside the netstring (EPROTO),
 * a length over max (EMSGSIZE), out of memory, or a read error.  After
 * -1, out holds an unspecified part of the data. */
int netstring_get(buffer *b, stralloc *out, size_t max);

#endif
