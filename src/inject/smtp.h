/* smtp.h -- sendmail -bs: a local SMTP session on standard input and
 * standard output.
 *
 * Some callers (Symfony Mailer, SwiftMailer, some PHP and Perl
 * libraries) submit mail by running "sendmail -bs" and speaking SMTP to
 * it through a pipe.  smtp_serve() answers HELO, EHLO, MAIL, RCPT,
 * DATA, RSET, NOOP, VRFY, HELP and QUIT; each message is injected with
 * the same code as "sendmail -i -f SENDER RCPT...", with the SMTP
 * envelope (the header's recipient fields are not read), in a child
 * process, so a refused message never ends the session.  The reply to
 * the final dot is the injector's result: 250 queued, 554 refused for
 * good (the injector's exit 100), 451 try again (111 or a crash).
 * When the input ends in the middle of DATA the child is killed
 * before it sees the end, so the queue gets no envelope and nothing of
 * that message is queued.
 */
#ifndef INJECT_SMTP_H
#define INJECT_SMTP_H

/* Serve the session and exit: 0 after QUIT or the end of input between
 * transactions, 111 when the input ends inside DATA or I/O fails. */
void smtp_serve(void) __attribute__((noreturn));

#endif
