/* queueview.h -- reading the queue for the administration tools
 * (qmail-qread, qmail-qstat, qmail-qmsg).
 *
 * The tools only look at the queue and, in qmail-qmsg's case, change
 * single bytes of the files qmail-send owns; they never create or
 * remove a message's files.  See src/queue/README.md for the layout.
 *
 * A message is in one of two states for these tools:
 *   - not yet preprocessed: todo/N/ID exists.  Its envelope (sender and
 *     recipients, unrouted) is in todo/N/ID, its date is that file's
 *     modification time.  info/, local/ and remote/ may be half written
 *     (qmail-send rewrites them from scratch), so they are not read.
 *   - preprocessed: no todo/N/ID, and info/N/ID exists.  Its sender is
 *     in info/N/ID, whose modification time is the message's birth;
 *     local/N/ID and remote/N/ID hold its recipients, "T" still to do and
 *     "D" done; bounce/ID, when present, holds failures waiting to be
 *     sent back.
 * Anything else (only mess/N/ID, or nothing) is no message for them:
 * one being injected, one being removed, or none at all.
 *
 * Functions returning int return 1 on success and 0 with errno set,
 * unless documented otherwise.
 */
#ifndef QUEUEVIEW_H
#define QUEUEVIEW_H

#include <sys/types.h>
#include <time.h>

#include "buffer.h"
#include "stralloc.h"

/* Enter HOME/queue (HOME from instance_home()).  Run by root, first
 * become the qmails role (group qmail): that user owns info/, local/,
 * remote/, bounce/ and the trigger, so files the tools write keep their
 * owner, and nothing else runs as root.  With need_send set, the tool
 * reads qmails's directories: any other user gets a clear fatal error.
 * Every failure is fatal (exit 111) with a message saying what to do. */
void queueview_enter(int need_send);

/* Die (exit 111) after failing to read what: a permission problem
 * says which users may run the tool; anything else gives the reason. */
void queueview_die_read(const char *what) __attribute__((noreturn));

/* A growable list of message ids. */
struct queueview_ids {
  unsigned long *id;
  size_t len;
  size_t a;
};
#define QUEUEVIEW_IDS_ZERO { 0, 0, 0 }

/* Append the id of every file named by digits in DIR/0 .. DIR/N-1 (the
 * split directories; split 0: DIR itself).  On failure the path that
 * could not be read is in failed (NUL-terminated). */
int queueview_scan(struct queueview_ids *ids, const char *dir, int split,
                   stralloc *failed);
/* Sort ascending and drop duplicates. */
void queueview_sort(struct queueview_ids *ids);
/* 1 if id is in the sorted list. */
int queueview_has(const struct queueview_ids *ids, unsigned long id);
void queueview_ids_free(struct queueview_ids *ids);

/* Read all of path into out.  Returns 1, 0 when path does not exist,
 * -1 on any other error (errno set). */
int queueview_read(stralloc *out, const char *path);

/* Parse a message id given on the command line: decimal digits only,
 * not zero.  Returns 1 and sets *id, or 0. */
int queueview_parse_id(const char *s, unsigned long *id);

enum queueview_state { QUEUEVIEW_TODO, QUEUEVIEW_PREPROCESSED };

struct queueview_msg {
  unsigned long id;
  enum queueview_state state;
  time_t date;            /* todo/ or info/ mtime */
  off_t size;             /* of mess/N/ID; -1 when unknown */
  stralloc sender;
  stralloc todo;          /* TODO: "T" records of the envelope */
  stralloc local;         /* PREPROCESSED: local/N/ID, records */
  stralloc remote;        /* PREPROCESSED: remote/N/ID, records */
  int has_local;          /* local/N/ID exists */
  int has_remote;         /* remote/N/ID exists */
  int bouncing;           /* bounce/ID exists */
  stralloc failed;        /* on -1: the file that could not be read */
};
#define QUEUEVIEW_MSG_ZERO { 0, QUEUEVIEW_TODO, 0, -1, STRALLOC_ZERO, \
  STRALLOC_ZERO, STRALLOC_ZERO, STRALLOC_ZERO, 0, 0, 0, STRALLOC_ZERO }

/* Load message id (called from HOME/queue).  Returns 1 when loaded, 0
 * when there is no such message (see above), -1 on error with errno set
 * and the file's path in m->failed.  A missing or unreadable mess/ file
 * is not an error: size becomes -1. */
int queueview_load(struct queueview_msg *m, unsigned long id);
void queueview_msg_free(struct queueview_msg *m);

/* Which recipient lines queueview_print shows. */
#define QUEUEVIEW_SHOW_LOCAL 1
#define QUEUEVIEW_SHOW_REMOTE 2
#define QUEUEVIEW_SHOW_ALL 3

/* Print a message as qmail-qread does:
 *     DATE #ID SIZE <SENDER>[ bouncing][ (not yet preprocessed)]
 * then one line per recipient: "  local\tADDR" or "  remote\tADDR" for
 * one still to do, "  done  local\tADDR" or "  done  remote\tADDR" for
 * one done, "  todo\tADDR" for one not yet routed.  DATE is RFC 5322
 * in UTC, SIZE the size of the message file in bytes ("?" if unknown).
 * Control characters in addresses are shown as '?', so every line is
 * one record.  Returns what buffer_put returns. */
int queueview_print(buffer *out, const struct queueview_msg *m, int show);

/* Print every message as queueview_print does, in order of id: with
 * QUEUEVIEW_SHOW_ALL every message (not yet preprocessed ones too);
 * otherwise only preprocessed messages with recipients on the channels
 * in show.  Unreadable messages are skipped with a warning on standard
 * error; returns 1 when there was none, 0 otherwise.  Dies on errors
 * that leave nothing to list (exit 111). */
int queueview_list(buffer *out, int show);

/* Count the "T" (pending) and "D" (done) records in records. */
void queueview_count(const stralloc *records, unsigned long *pending,
                     unsigned long *done);

#endif
