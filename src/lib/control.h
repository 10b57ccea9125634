/* control.h -- reading qmail control files.
 *
 * Paths are relative to the current directory: programs chdir to the
 * qmail home first, so they pass names like "control/me".  A file is
 * read in full into memory and then split into lines at '\n'.  From
 * every line, trailing spaces, tabs and carriage returns are removed;
 * leading white space is kept.  The last line needs no final newline.
 *
 * Missing, empty and unreadable are three different answers.  Only
 * ENOENT from open(2) means "missing": the caller then uses its default.
 * Any other failure (EACCES, EIO, ENOMEM, ...) is an error, never
 * silently taken for "missing", so that a broken disk cannot turn a
 * closed relay into an open one.  Only regular files (or symbolic links
 * to them) are read: a directory of that name is an error with errno
 * EISDIR, a FIFO, socket or device one with errno EINVAL.
 *
 * A control file is text.  A NUL byte anywhere in it makes the whole
 * file an error with errno EINVAL: C strings would cut the value at the
 * NUL, and a list entry would silently split in two.
 *
 * Tri-state results: 1 the file was read, 0 the file is missing, -1
 * error with errno set.  On 0 and -1 the output is left unchanged.
 */
#ifndef CONTROL_H
#define CONTROL_H

#include "stralloc.h"

/* Read control/me, the host's own name, and remember its first line for
 * control_rldef() and control_me().  A missing control/me is allowed
 * (the fallbacks then go to their defaults).  Returns 1 on success,
 * including when control/me is missing, and 0 with errno set when it
 * exists but cannot be read.  Call it once at start (after chdir); a
 * later call reads the file again, e.g. after SIGHUP. */
int control_init(void);

/* Copy the remembered name from control/me into out.  Returns 1 when
 * control/me had a non-empty first line, 0 when it was missing or empty
 * (out unchanged), -1 when copying ran out of memory or control_init()
 * failed (it is called here if it has not run yet). */
int control_me(stralloc *out);

/* Read the first line of a single-value file into out (replacing its
 * contents; no terminating NUL).  '#' has no special meaning.  An empty
 * file, or one whose first line is empty or only white space, gives 1
 * with out empty.  Returns 1, 0 missing, -1 error. */
int control_readline(stralloc *out, const char *path);

/* Like control_readline(), with the qmail fallbacks for files such as
 * defaultdomain, plusdomain, helohost, bouncehost: if path is missing,
 * or its first line is empty after stripping, out becomes the name from
 * control/me when use_me is non-zero and control/me has a value, and
 * else the string def (which must not be null).  Returns 1 when the
 * value came from path, 0 when a fallback was used, -1 on error (an
 * unreadable path is an error, not a reason to fall back).  A fallback
 * to control/me runs control_init() if it has not run yet. */
int control_rldef(stralloc *out, const char *path, int use_me,
                  const char *def);

/* Read the first line of path as a decimal integer into *out: an
 * optional '-' and one or more digits, nothing else (trailing white
 * space is stripped as for every line).  Returns 1 and sets *out, 0 when
 * the file is missing (*out unchanged, so preset it to the default), -1
 * on error; an empty line, any other character, or a value outside the
 * range of int is an error with errno EINVAL. */
int control_readint(int *out, const char *path);

/* Read a list file (locals, rcpthosts, smtproutes, ...).  Lines that are
 * empty after stripping trailing white space, and lines whose first
 * byte is '#', are skipped.  out is replaced by the remaining lines, each
 * followed by a NUL byte: "a\0b\0".  A file with no entries gives 1 with
 * out empty.  Returns 1, 0 missing, -1 error. */
int control_readlist(stralloc *out, const char *path);

#endif
