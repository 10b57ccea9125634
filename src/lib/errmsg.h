/* errmsg.h -- uniform diagnostics on standard error, and exits.
 *
 * Every message reads "PROG: fatal: ..." or "PROG: warning: ...", where
 * PROG is set once by errmsg_init().  The message is the concatenation
 * of the string arguments; the _sys variants append ": " and
 * strerror(errno).  Programs choose the exit code: 111 for a temporary
 * failure, 100 for a permanent one, or another code their man page
 * documents.  Nothing here allocates.
 */
#ifndef ERRMSG_H
#define ERRMSG_H

extern const char *errmsg_prog;

void errmsg_init(const char *prog);

void errmsg_die(int code, int with_errno, const char *s, ...)
  __attribute__((noreturn, sentinel));
void errmsg_warn(int with_errno, const char *s, ...)
  __attribute__((sentinel));
/* Write the strings (no prefix, no newline) to fd 2 and return. */
void errmsg_put(const char *s, ...) __attribute__((sentinel));

#define die(code, ...) errmsg_die((code), 0, __VA_ARGS__, (char *)0)
#define die_sys(code, ...) errmsg_die((code), 1, __VA_ARGS__, (char *)0)
#define warn(...) errmsg_warn(0, __VA_ARGS__, (char *)0)
#define warn_sys(...) errmsg_warn(1, __VA_ARGS__, (char *)0)
#define die_nomem() die(111, "out of memory. (#4.3.0)")

#endif
