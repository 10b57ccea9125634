/* rewrite.h -- the header rewriting of the injector (inject.h).
 *
 * Like envelope.h, every function here exits with a message when memory
 * runs out (111); nothing else can fail: a field whose address list
 * cannot be parsed is left as it is (a recipient field that cannot be
 * parsed has already been refused by envelope_recipients()).
 */
#ifndef INJECT_REWRITE_H
#define INJECT_REWRITE_H

#include "envelope.h"
#include "message.h"
#include "stralloc.h"

/* Qualify every address in the fields marked FIELD_ADDRESSES that are
 * passed on, with envelope_qualify()'s rules, keeping display names,
 * comments, groups and folding: "To: Joe <joe>" becomes
 * "To: Joe <joe@defaulthost>".  The header text is rebuilt; field
 * offsets are updated. */
void rewrite_addresses(struct message_header *h,
                       const struct inject_config *cfg);

/* $QMAILMFTFILE: when the header has no Mail-Followup-To: field and
 * one of the addresses in To: or Cc: is a mailing list named in the
 * file listfile (one address a line, domains compared without regard
 * to case), append to added a Mail-Followup-To: field listing every
 * To: and Cc: address, so replies go to the list and not to the
 * author too.  An unreadable file is a temporary failure (111). */
void rewrite_followup(stralloc *added, const struct message_header *h,
                      const struct inject_config *cfg,
                      const char *listfile);

#endif
