/* base64.h -- the base64 encoding of RFC 4648 section 4, as SMTP AUTH
 * (RFC 4954) carries credentials in it.
 *
 * The alphabet is A-Z a-z 0-9 + / with '=' padding; there is no line
 * breaking and no other alphabet (no base64url).
 *
 * Decoding is strict, so that one byte string has exactly one accepted
 * text (the canonical one base64_encode produces) and nothing a peer
 * sends is silently reinterpreted.  Refused with EINVAL:
 *   - a length that is not a multiple of 4 (so "=" alone is refused);
 *   - any byte outside the alphabet, white space and CR LF included;
 *   - '=' anywhere but the last one or two positions of the text, or
 *     a data byte after it ("QQ=A");
 *   - three '=' in a group ("Q===");
 *   - non-zero bits in the unused low bits of the last character before
 *     the padding ("QR==" for "QQ==", RFC 4648 section 3.5).
 * The empty text is valid and decodes to the empty string.
 *
 * Both functions append to out and return 1, or return 0 with errno set
 * (EINVAL as above, ENOMEM, EOVERFLOW) and out unchanged: its len is
 * what it was and no decoded byte of a refused text was written into
 * its space.  Growing out may move its contents (the old block is
 * freed, not wiped); a caller decoding a secret readies out first, and
 * wipes it (checkpw_wipe) when done.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>

#include "stralloc.h"

/* The length of the encoding of len bytes, or 0 with errno EOVERFLOW
 * when it does not fit in a size_t (0 is also the length for len 0). */
size_t base64_encoded_len(size_t len);

/* Append the encoding of in[0..len) to out. */
int base64_encode(stralloc *out, const char *in, size_t len);

/* Append the bytes in[0..len) decodes to (see above for what is
 * refused). */
int base64_decode(stralloc *out, const char *in, size_t len);

/* base64_decode for a SASL response in SMTP AUTH: the text "=" alone is
 * also accepted and stands for an empty response (RFC 4954 section 4:
 * how a client sends an empty initial response on the AUTH line).
 * Everything else is as base64_decode.  The cancel response "*" is not
 * base64 and is the caller's to recognise before decoding; here it is
 * refused with EINVAL like any other malformed text. */
int base64_decode_sasl(stralloc *out, const char *in, size_t len);

#endif
