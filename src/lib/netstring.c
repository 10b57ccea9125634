/* netstring.c -- netstring encoding and parsing; see netstring.h. */
#include <errno.h>
#include <stdint.h>

#include "fmt.h"
#include "netstring.h"

/* The length prefix is read by one state machine, fed a byte at a time,
 * shared by the in-memory parser and the buffer reader. */
struct length_state {
  size_t value;
  size_t digits;
};

static int length_step(struct length_state *st, char c, size_t max);

/* Returns 0 to go on, 1 when c was the ':' ending a valid length, -1
 * with errno set when c proves the input malformed or too long. */
static int
length_step(struct length_state *st, char c, size_t max)
{
  if (c >= '0' && c <= '9') {
    size_t digit = (size_t)(c - '0');

    if (st->digits && st->value == 0)
      goto malformed;                   /* leading zero */
    if (st->value > (SIZE_MAX - digit) / 10)
      goto malformed;                   /* does not fit in size_t */
    st->value = st->value * 10 + digit;
    ++st->digits;
    return 0;
  }
  if (c == ':' && st->digits) {
    if (st->value > max) {
      errno = EMSGSIZE;
      return -1;
    }
    return 1;
  }
malformed:
  errno = EPROTO;
  return -1;
}

int
netstring_cat(stralloc *out, const char *data, size_t len)
{
  char digits[FMT_ULONG];
  size_t dlen = fmt_ulong(digits, (unsigned long)len);

  if (len > SIZE_MAX - dlen - 2) {
    errno = EOVERFLOW;
    return 0;
  }
  if (!stralloc_readyplus(out, dlen + len + 2))
    return 0;
  /* room is reserved, so none of these can fail */
  stralloc_catb(out, digits, dlen);
  stralloc_append(out, ':');
  stralloc_catb(out, data, len);
  stralloc_append(out, ',');
  return 1;
}

int
netstring_put(buffer *b, const char *data, size_t len)
{
  char digits[FMT_ULONG];
  size_t dlen = fmt_ulong(digits, (unsigned long)len);

  return buffer_put(b, digits, dlen) && buffer_put(b, ":", 1) &&
         buffer_put(b, data, len) && buffer_put(b, ",", 1);
}

int
netstring_parse(const char *in, size_t inlen, size_t max,
                const char **data, size_t *dlen, size_t *consumed)
{
  struct length_state st = { 0, 0 };
  size_t header, i;

  for (i = 0;; ++i) {
    int r;

    if (i == inlen)
      return 0;
    r = length_step(&st, in[i], max);
    if (r == -1)
      return -1;
    if (r == 1)
      break;
  }
  header = i + 1;
  if (st.value > SIZE_MAX - header - 1) {
    errno = EMSGSIZE;                   /* could never be held in memory */
    return -1;
  }
  if (inlen - header <= st.value)
    return 0;
  if (in[header + st.value] != ',') {
    errno = EPROTO;
    return -1;
  }
  *data = in + header;
  *dlen = st.value;
  *consumed = header + st.value + 1;
  return 1;
}

/* Make at least one byte available in b: 1, or -1 with errno set (EPROTO
 * for end of input, since the caller is inside a netstring). */
static int
need_byte(buffer *b)
{
  ssize_t r = buffer_feed(b);

  if (r > 0)
    return 1;
  if (r == 0)
    errno = EPROTO;
  return -1;
}

int
netstring_get(buffer *b, stralloc *out, size_t max)
{
  struct length_state st = { 0, 0 };
  ssize_t r;

  out->len = 0;
  r = buffer_feed(b);
  if (r <= 0)
    return r == 0 ? 0 : -1;
  for (;;) {
    char c;
    int step;

    if (need_byte(b) == -1)
      return -1;
    c = *buffer_peek(b);
    buffer_seek(b, 1);
    step = length_step(&st, c, max);
    if (step == -1)
      return -1;
    if (step == 1)
      break;
  }
  while (out->len < st.value) {
    size_t n, want = st.value - out->len;

    if (need_byte(b) == -1)
      return -1;
    n = buffer_unread(b);
    if (n > want)
      n = want;
    if (!stralloc_catb(out, buffer_peek(b), n))
      return -1;
    buffer_seek(b, n);
  }
  if (need_byte(b) == -1)
    return -1;
  if (*buffer_peek(b) != ',') {
    errno = EPROTO;
    return -1;
  }
  buffer_seek(b, 1);
  return 1;
}
