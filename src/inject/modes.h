/* modes.h -- the sendmail modes that do not inject a message.
 *
 * Each function ends the program, with the exit code its sendmail(8)
 * section documents.
 */
#ifndef INJECT_MODES_H
#define INJECT_MODES_H

/* -bp, mailq: run HOME/bin/qmail-qread, which lists the queue; exit 111
 * with a message when it is not installed. */
void mode_list_queue(void) __attribute__((noreturn));

/* -q: send SIGALRM to the qmail-send of this home, which then retries
 * every deferred delivery at once.  Found through /proc (Linux): a
 * process named qmail-send whose working directory is HOME/queue.
 * 0 when signalled; 111 when none runs, none may be signalled by this
 * user, or the system has no /proc. */
void mode_run_queue(void) __attribute__((noreturn));

/* -bi, -I, newaliases: run HOME/bin/newaliases (the aliases tools)
 * when it is installed, with alias_file as its argument when not null
 * (-oAFILE); else say there is nothing to rebuild and exit 0, since the
 * aliases of this system need no database by default. */
void mode_rebuild_aliases(const char *alias_file) __attribute__((noreturn));

#endif
