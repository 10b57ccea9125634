/* message.h -- reading the message that qmail-inject and sendmail inject.
 *
 * The input is read in two steps.  message_read_header() collects the
 * header fields in memory (they are needed for the recipients and to
 * know which fields are missing); message_copy_body() then streams the
 * rest to a sink in pieces of bounded size, so a body of any size, even
 * one long line, costs little memory.
 *
 * On the way the text is normalised to what the queue stores: CR LF
 * line ends become LF (a bare CR elsewhere is kept), and a last line
 * without a line end gets one.  The header ends at the first empty
 * line, which is not kept (the writer puts its own); it also ends at
 * the first line that is neither a field nor the continuation of one,
 * and that line is the first line of the body, so input without any
 * header is a message with an empty header.  In dot mode (sendmail
 * without -i) a line consisting of a single "." ends the input; nothing
 * after it is read.
 */
#ifndef INJECT_MESSAGE_H
#define INJECT_MESSAGE_H

#include <stddef.h>

#include "buffer.h"
#include "qmailqueue.h"
#include "stralloc.h"

/* What a field is, looked up by name.  FIELD_ADDRESSES marks the fields
 * whose addresses the full header rewriting qualifies. */
#define FIELD_RECIPIENTS        0x001  /* To, Cc, Bcc, Apparently-To */
#define FIELD_RESENT_RECIPIENTS 0x002  /* Resent-To, Resent-Cc, Resent-Bcc */
#define FIELD_RESENT            0x004  /* any Resent- field */
#define FIELD_DROP              0x008  /* not passed on */
#define FIELD_DATE              0x010
#define FIELD_MESSAGE_ID        0x020
#define FIELD_FROM              0x040
#define FIELD_RETURN_PATH       0x080
#define FIELD_ADDRESSES         0x100
#define FIELD_RESENT_DATE       0x200
#define FIELD_RESENT_MESSAGE_ID 0x400
#define FIELD_RESENT_FROM       0x800
#define FIELD_FOLLOWUP          0x1000 /* Mail-Followup-To */

struct field {
  size_t start;     /* offset of the field in message_header.text */
  size_t len;       /* its length, every line's LF included */
  size_t body;      /* offset of its body (past the colon) from start */
  unsigned flags;
};

struct message_header {
  stralloc text;          /* the fields back to back */
  struct field *fields;
  size_t count;
  size_t alloc;
  unsigned seen;          /* the flags of all fields, or'ed */
  stralloc first_body;    /* the non-field line that ended the header */
  int first_body_state;   /* its piece state (see message.c) */
  int input_ended;        /* nothing follows the header */
};

#define MESSAGE_HEADER_ZERO \
  { STRALLOC_ZERO, 0, 0, 0, 0, STRALLOC_ZERO, 0, 0 }

struct message_input {
  buffer b;
  int dot_ends;           /* a "." line ends the input */
  int ended;              /* the "." line or the end of input was seen */
  char space[BUFFER_INSIZE];
};

/* Where the message goes: the queue, or a buffer (stdout for -n). */
struct message_sink {
  struct qmailqueue *qq;
  buffer *b;
  int failed;             /* writing to b failed */
};

void message_input_init(struct message_input *in, int fd, int dot_ends);

/* Read the header.  1 on success; 0 with errno set when reading fails
 * or memory runs out (ENOMEM). */
int message_read_header(struct message_input *in, struct message_header *h);

/* Flags of a field, from its name. */
unsigned message_field_flags(const char *field, size_t len);

/* The body of field i: *len bytes at the returned pointer. */
const char *message_field_body(const struct message_header *h, size_t i,
                               size_t *len);

void message_put(struct message_sink *out, const char *s, size_t len);
void message_puts(struct message_sink *out, const char *s);

/* Write the fields that are passed on (not FIELD_DROP), in their order. */
void message_put_fields(struct message_sink *out,
                        const struct message_header *h);

/* Copy the rest of the input, starting with the header's first body
 * line.  1 on success; 0 with errno set when reading fails or memory
 * runs out. */
int message_copy_body(struct message_input *in, struct message_header *h,
                      struct message_sink *out);

#endif
