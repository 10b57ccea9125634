/* forward.h -- qmail-local's forwards (&address and bare address
 * lines), and the envelope sender they get.
 *
 * Every forward of one delivery goes into ONE queued message with all
 * the addresses as its recipients: the message exactly as it arrived
 * with this delivery's Delivered-To line on top.  No Return-Path line
 * is added (the final delivery adds its own from the new envelope).
 *
 * forward_newsender(&out, sender, local, domain, dash, ext)
 *     The envelope sender of the forwarded copy (qmail's NEWSENDER):
 *       - an empty sender (a bounce) stays empty, and the double-bounce
 *         sender #@[] stays #@[], so that no bounce can ever bounce
 *         back and forth;
 *       - otherwise, when the home directory (the current directory)
 *         holds the file .qmail DASH SAFEEXT -owner (".qmail-owner" for
 *         a plain user; SAFEEXT as in dotqmail.h), the sender becomes
 *         LOCAL-owner@DOMAIN, so that bounces of the forwarded copies
 *         go to the owner of the list rather than to the writer;
 *       - otherwise the original sender.
 *     out is NUL-terminated.  Returns 1, or 0 with errno: ENOMEM, or
 *     another error from stat(2) on the -owner file than its absence.
 *
 * struct forward collects the addresses (forward_add, 1 or 0 with
 * ENOMEM) and forward_count tells how many.  forward_send(fw, sender,
 * dtline, &why) queues the message read from fd 0 (rewound here)
 * through qmailqueue (QMAILQUEUE or HOME/bin/qmail-queue).  Returns 0
 * when queued, else 100 (the queue refused it for good) or 111
 * (try again later) with the reason, ending in a status code, in why.
 */
#ifndef FORWARD_H
#define FORWARD_H

#include <stddef.h>

#include "stralloc.h"

struct forward {
  stralloc addresses;   /* NUL-terminated addresses, back to back */
  size_t count;
};

#define FORWARD_ZERO { STRALLOC_ZERO, 0 }

int forward_newsender(stralloc *out, const char *sender, const char *local,
                      const char *domain, const char *dash, const char *ext);
int forward_add(struct forward *fw, const char *address);
size_t forward_count(const struct forward *fw);
int forward_send(struct forward *fw, const char *sender, const stralloc *dtline,
                 stralloc *why);
void forward_free(struct forward *fw);

#endif
