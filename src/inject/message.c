/* message.c -- reading and normalising the injected message; see message.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "message.h"

/* The input is read in pieces: up to a line end, or up to a size limit
 * when a line is longer, or up to the end of input. */
enum piece_state {
  PIECE_LINE,       /* ends with LF */
  PIECE_PART,       /* the size limit cut it; the line goes on */
  PIECE_LAST        /* the input ended (the piece may be empty) */
};

/* The size limit for pieces of body text and for deciding what a line
 * is.  Header fields are kept whole however long they are. */
#define PIECE_MAX 65536

struct body_state {
  int bol;            /* at the beginning of a line */
  int pending_cr;     /* a CR ended the last piece; its LF may follow */
};

static const struct {
  const char *name;
  unsigned flags;
} field_table[] = {
  { "To", FIELD_RECIPIENTS | FIELD_ADDRESSES },
  { "Cc", FIELD_RECIPIENTS | FIELD_ADDRESSES },
  { "Bcc", FIELD_RECIPIENTS | FIELD_DROP | FIELD_ADDRESSES },
  { "Apparently-To", FIELD_RECIPIENTS | FIELD_ADDRESSES },
  { "Resent-To", FIELD_RESENT_RECIPIENTS | FIELD_ADDRESSES },
  { "Resent-Cc", FIELD_RESENT_RECIPIENTS | FIELD_ADDRESSES },
  { "Resent-Bcc", FIELD_RESENT_RECIPIENTS | FIELD_DROP | FIELD_ADDRESSES },
  { "From", FIELD_FROM | FIELD_ADDRESSES },
  { "Sender", FIELD_ADDRESSES },
  { "Reply-To", FIELD_ADDRESSES },
  { "Resent-From", FIELD_RESENT_FROM | FIELD_ADDRESSES },
  { "Resent-Sender", FIELD_ADDRESSES },
  { "Resent-Reply-To", FIELD_ADDRESSES },
  { "Mail-Followup-To", FIELD_FOLLOWUP | FIELD_ADDRESSES },
  { "Mail-Reply-To", FIELD_ADDRESSES },
  { "Errors-To", FIELD_ADDRESSES },
  { "Return-Receipt-To", FIELD_ADDRESSES },
  { "Date", FIELD_DATE },
  { "Resent-Date", FIELD_RESENT_DATE },
  { "Resent-Message-ID", FIELD_RESENT_MESSAGE_ID },
  { "Message-ID", FIELD_MESSAGE_ID },
  /* The envelope sender belongs to the envelope; qmail-local writes
   * its own Return-Path at delivery. */
  { "Return-Path", FIELD_RETURN_PATH | FIELD_DROP },
  /* Any length the sender computed no longer holds once line ends are
   * normalised, and some mail readers trust it over the real end. */
  { "Content-Length", FIELD_DROP },
};

static int input_piece(struct message_input *in, stralloc *sa, size_t max,
                       enum piece_state *state);
static size_t content_length(const stralloc *piece, enum piece_state state);
static int is_dot_line(const struct message_input *in, const stralloc *piece,
                       enum piece_state state);
static int add_field(struct message_header *h, const stralloc *line,
                     size_t content);
static int body_piece(struct message_sink *out, struct body_state *st,
                      const struct message_input *in, stralloc *piece,
                      enum piece_state state);

void
message_input_init(struct message_input *in, int fd, int dot_ends)
{
  buffer_init(&in->b, buffer_unixread, fd, 0, in->space, sizeof in->space);
  in->dot_ends = dot_ends;
  in->ended = 0;
}

/* Append to sa the input up to and including the next LF, stopping
 * early when sa reaches max bytes or the input ends.  1 with *state
 * set, or 0 with errno set. */
static int
input_piece(struct message_input *in, stralloc *sa, size_t max,
            enum piece_state *state)
{
  if (in->ended) {
    *state = PIECE_LAST;
    return 1;
  }
  for (;;) {
    ssize_t n;
    size_t take, room;
    char *p, *lf;

    if (sa->len >= max) {
      *state = PIECE_PART;
      return 1;
    }
    n = buffer_feed(&in->b);
    if (n < 0)
      return 0;
    if (n == 0) {
      in->ended = 1;
      *state = PIECE_LAST;
      return 1;
    }
    p = buffer_peek(&in->b);
    room = max - sa->len;
    take = (size_t)n < room ? (size_t)n : room;
    lf = memchr(p, '\n', take);
    if (lf)
      take = (size_t)(lf - p) + 1;
    if (!stralloc_catb(sa, p, take))
      return 0;
    buffer_seek(&in->b, take);
    if (lf) {
      *state = PIECE_LINE;
      return 1;
    }
  }
}

/* The length of a whole line without its line end: LF, CR LF, or at
 * the end of input nothing or a final CR. */
static size_t
content_length(const stralloc *piece, enum piece_state state)
{
  size_t n = piece->len;

  if (state == PIECE_LINE && n && piece->s[n - 1] == '\n')
    --n;
  if (state != PIECE_PART && n && piece->s[n - 1] == '\r')
    --n;
  return n;
}

static int
is_dot_line(const struct message_input *in, const stralloc *piece,
            enum piece_state state)
{
  return in->dot_ends && state != PIECE_PART
         && content_length(piece, state) == 1 && piece->s[0] == '.';
}

unsigned
message_field_flags(const char *field, size_t len)
{
  unsigned flags = 0;
  size_t i;

  for (i = 0; i < sizeof field_table / sizeof field_table[0]; ++i)
    if (header_is(field, len, field_table[i].name)) {
      flags = field_table[i].flags;
      break;
    }
  if (header_name_starts(field, len, "Resent-"))
    flags |= FIELD_RESENT;
  return flags;
}

static int
add_field(struct message_header *h, const stralloc *line, size_t content)
{
  struct field *f;

  if (h->count == h->alloc) {
    size_t n = h->alloc ? h->alloc * 2 : 32;
    struct field *grown;

    if (n > SIZE_MAX / sizeof *grown) {
      errno = ENOMEM;
      return 0;
    }
    grown = realloc(h->fields, n * sizeof *grown);
    if (!grown) {
      errno = ENOMEM;
      return 0;
    }
    h->fields = grown;
    h->alloc = n;
  }
  f = &h->fields[h->count];
  f->start = h->text.len;
  f->len = content + 1;
  f->body = header_field_name(line->s, content, 0);
  if (!stralloc_catb(&h->text, line->s, content)
      || !stralloc_append(&h->text, '\n'))
    return 0;
  f->flags = message_field_flags(h->text.s + f->start, f->len);
  h->seen |= f->flags;
  ++h->count;
  return 1;
}

int
message_read_header(struct message_input *in, struct message_header *h)
{
  stralloc line = STRALLOC_ZERO;
  enum piece_state state;
  size_t content;

  for (;;) {
    line.len = 0;
    if (!input_piece(in, &line, PIECE_MAX, &state))
      goto fail;
    if (state == PIECE_LAST && !line.len) {
      h->input_ended = 1;
      break;
    }
    if (is_dot_line(in, &line, state)) {
      in->ended = 1;
      h->input_ended = 1;
      break;
    }
    if (state != PIECE_PART && content_length(&line, state) == 0)
      break;
    if ((line.s[0] == ' ' || line.s[0] == '\t') && h->count) {
      struct field *last = &h->fields[h->count - 1];

      while (state == PIECE_PART)
        if (!input_piece(in, &line, SIZE_MAX, &state))
          goto fail;
      content = content_length(&line, state);
      if (!stralloc_catb(&h->text, line.s, content)
          || !stralloc_append(&h->text, '\n'))
        goto fail;
      last->len += content + 1;
    } else if (header_field_name(line.s, line.len, 0)) {
      while (state == PIECE_PART)
        if (!input_piece(in, &line, SIZE_MAX, &state))
          goto fail;
      if (!add_field(h, &line, content_length(&line, state)))
        goto fail;
    } else {
      /* Body text: it stays a raw piece, the body copier normalises it. */
      h->first_body = line;
      h->first_body_state = state;
      return 1;
    }
    if (state == PIECE_LAST) {
      h->input_ended = 1;
      break;
    }
  }
  stralloc_free(&line);
  return 1;

fail:
  {
    int saved = errno;

    stralloc_free(&line);
    errno = saved;
  }
  return 0;
}

const char *
message_field_body(const struct message_header *h, size_t i, size_t *len)
{
  const struct field *f = &h->fields[i];

  *len = f->len - f->body;
  return h->text.s + f->start + f->body;
}

void
message_put(struct message_sink *out, const char *s, size_t len)
{
  /* An empty stralloc has no space at all: s may be null then. */
  if (!len)
    return;
  if (out->qq)
    qmailqueue_put(out->qq, s, len);
  else if (!out->failed && !buffer_put(out->b, s, len))
    out->failed = 1;
}

void
message_puts(struct message_sink *out, const char *s)
{
  message_put(out, s, strlen(s));
}

void
message_put_fields(struct message_sink *out, const struct message_header *h)
{
  size_t i;

  for (i = 0; i < h->count; ++i)
    if (!(h->fields[i].flags & FIELD_DROP))
      message_put(out, h->text.s + h->fields[i].start, h->fields[i].len);
}

/* Normalise and write one piece of body text.  Returns 1 when the input
 * ended with it (a "." line, or the end of input), else 0. */
static int
body_piece(struct message_sink *out, struct body_state *st,
           const struct message_input *in, stralloc *piece,
           enum piece_state state)
{
  size_t n = piece->len;

  if (st->pending_cr) {
    st->pending_cr = 0;
    /* Unless its LF starts this piece, the CR was a bare one and stays;
     * at the end of input it ends the last line like a CR LF would. */
    if (!(n && piece->s[0] == '\n') && !(state == PIECE_LAST && !n))
      message_put(out, "\r", 1);
  }
  if (state == PIECE_PART) {
    if (piece->s[n - 1] == '\r') {
      --n;
      st->pending_cr = 1;
    }
    message_put(out, piece->s, n);
    st->bol = 0;
    return 0;
  }
  if (st->bol && is_dot_line(in, piece, state))
    return 1;
  /* Every line ends in LF, the last one too; an empty last piece after
   * a line end adds nothing. */
  n = content_length(piece, state);
  if (state == PIECE_LINE || n || !st->bol) {
    message_put(out, piece->s, n);
    message_put(out, "\n", 1);
  }
  st->bol = 1;
  return state == PIECE_LAST;
}

int
message_copy_body(struct message_input *in, struct message_header *h,
                  struct message_sink *out)
{
  struct body_state st = { 1, 0 };
  stralloc piece = STRALLOC_ZERO;
  enum piece_state state;
  int ok = 1;

  if (h->input_ended)
    return 1;
  if (h->first_body.len
      && body_piece(out, &st, in, &h->first_body, h->first_body_state))
    return 1;
  for (;;) {
    piece.len = 0;
    if (!input_piece(in, &piece, PIECE_MAX, &state)) {
      ok = 0;
      break;
    }
    if (body_piece(out, &st, in, &piece, state))
      break;
  }
  stralloc_free(&piece);
  return ok;
}
