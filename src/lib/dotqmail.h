/* dotqmail.h -- finding a recipient's dot-qmail file and reading its
 * delivery instructions (qmail-local's part of dot-qmail(5)); in the
 * library so that qmail-smtpd's recipient check (rcptcheck.h) finds
 * exactly the file qmail-local will use.
 *
 * Which file.  qmail-local runs in the user's home directory with the
 * address's dash and extension.  safeext is ext with ASCII letters
 * lowercased and every '.' replaced by ':' (so that an extension can
 * never climb out of the home directory with ".."):
 *
 *     .qmail DASH SAFEEXT                          first
 *     .qmail DASH PREFIX default                   then, for PREFIX
 *                                                  every beginning of
 *                                                  safeext that ends in
 *                                                  '-', longest first,
 *                                                  and finally ""
 *
 * For ext "a-b-c" and dash "-": .qmail-a-b-c, .qmail-a-b-default,
 * .qmail-a-default, .qmail-default.  With an empty dash and an empty ext
 * (a plain user) only .qmail is consulted.  A name that exists but is
 * not a regular file (a directory, say) counts as missing, as in qmail.
 *
 * dotqmail_search(dq, dash, ext)
 *     Looks for the file as above and reads the first one found.
 *     Returns 1 when a file was found: dq->name holds its name, dq->text
 *     its contents, dq->mode its mode, and dq->default_at, when a
 *     -default file matched, the offset in ext where the part it stands
 *     for begins (qmail's $DEFAULT: "b-c" for .qmail-a-default and ext
 *     "a-b-c"), otherwise DOTQMAIL_NO_DEFAULT.  Returns 0 when there is
 *     none.  Returns -1 with errno set when a candidate could not be
 *     opened for another reason than its absence (ENOENT, ENOTDIR,
 *     ENAMETOOLONG), e.g. EACCES, or could not be read; dq->name then
 *     names it.
 *
 * dotqmail_search_in(dq, dir, dash, ext)
 *     The same, looking in the directory dir instead of the current
 *     one (for a caller that cannot enter the home directory).
 *     dq->name is still the bare file name.
 *
 * dotqmail_next(dq, &line)
 *     Gets the next line of dq->text (or of the text that dotqmail_use()
 *     installed) into line.  Returns 1, 0 after the last line, or -1
 *     with errno ENOMEM.  The text is split at '\n' (a final line
 *     without one counts as a line); spaces and tabs at the end of each
 *     line are removed.  line.text is a NUL-terminated copy, valid until
 *     the next call; a NUL byte inside a line cuts it short there, as in
 *     qmail.  line.number counts from 1; line.kind classifies the line
 *     by its first byte:
 *         DOTQMAIL_BLANK     empty
 *         DOTQMAIL_COMMENT   '#'
 *         DOTQMAIL_MBOX      '.' or '/', not ending in '/'
 *         DOTQMAIL_MAILDIR   '.' or '/', ending in '/'
 *         DOTQMAIL_PROGRAM   '|'      line.arg: the command after it
 *         DOTQMAIL_FORWARD   '&'      line.arg: the address after it;
 *                            anything else, e.g. a letter or digit,
 *                            line.arg: the whole line
 *     For the other kinds line.arg is line.text.
 *
 * dotqmail_use(dq, text)
 *     Replaces dq->text by a copy of the NUL-terminated text (qmail's
 *     defaultdelivery argument, used when no file was found or the file
 *     found is empty) and restarts dotqmail_next.  1, or 0 with ENOMEM.
 *
 * dotqmail_rewind(dq)
 *     Makes dotqmail_next start again at the first line.
 *
 * Start from DOTQMAIL_ZERO; dotqmail_free releases the memory.
 */
#ifndef DOTQMAIL_H
#define DOTQMAIL_H

#include <stddef.h>
#include <sys/types.h>

#include "stralloc.h"

#define DOTQMAIL_NO_DEFAULT ((size_t)-1)

enum dotqmail_kind {
  DOTQMAIL_BLANK,
  DOTQMAIL_COMMENT,
  DOTQMAIL_MBOX,
  DOTQMAIL_MAILDIR,
  DOTQMAIL_PROGRAM,
  DOTQMAIL_FORWARD
};

struct dotqmail {
  stralloc name;        /* file name, NUL-terminated */
  stralloc path;        /* dir/name for dotqmail_search_in */
  stralloc text;        /* the instructions */
  mode_t mode;
  size_t default_at;
  stralloc line;        /* the line dotqmail_next returned last */
  size_t pos;           /* where dotqmail_next goes on in text */
  unsigned long number; /* lines returned so far */
};

#define DOTQMAIL_ZERO { STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, 0, \
  DOTQMAIL_NO_DEFAULT, STRALLOC_ZERO, 0, 0 }

struct dotqmail_line {
  enum dotqmail_kind kind;
  const char *text;
  const char *arg;
  unsigned long number;
};

int dotqmail_search(struct dotqmail *dq, const char *dash, const char *ext);
int dotqmail_search_in(struct dotqmail *dq, const char *dir, const char *dash,
                       const char *ext);
int dotqmail_use(struct dotqmail *dq, const char *text);
int dotqmail_next(struct dotqmail *dq, struct dotqmail_line *line);
void dotqmail_rewind(struct dotqmail *dq);
void dotqmail_free(struct dotqmail *dq);
/* Turn an extension into its form in a .qmail file name, in place:
 * ASCII lowercase, '.' becomes ':' (so "Joe.Smith" looks for
 * .qmail-joe:smith). */
void dotqmail_safe_ext(char *s, size_t len);

#endif
