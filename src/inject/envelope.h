/* envelope.h -- the envelope of an injected message: qualified
 * recipients and sender.  Part of the injector (inject.h); every
 * function here exits with a message on failure (100 for a bad
 * address, 111 when memory runs out), as the injector does.
 */
#ifndef INJECT_ENVELOPE_H
#define INJECT_ENVELOPE_H

#include <stddef.h>

#include "inject.h"
#include "message.h"
#include "stralloc.h"

/* The control files of address qualification (qmail-control(5) names),
 * each with its fallbacks applied; defaulthost is also NUL-terminated. */
struct inject_config {
  stralloc defaulthost;
  stralloc defaultdomain;
  stralloc plusdomain;
  stralloc idhost;
};

/* Envelope recipients, each followed by a NUL byte, without duplicates. */
struct recipients {
  stralloc list;
  size_t count;
};

/* qmail's qualification of an address: "joe" becomes joe@defaulthost,
 * a domain ending in '+' has the '+' replaced by "." plusdomain, and a
 * domain without a dot gets "." defaultdomain.  Address literals
 * ("[192.0.2.1]") stay as they are; the empty address stays empty.
 * Returns 1, or 0 with errno set (EMSGSIZE when the result is longer
 * than ADDRESS_MAX). */
int envelope_qualify(stralloc *addr, const struct inject_config *cfg);

/* Collect the recipients from the arguments and/or the header, as
 * opt->recipients says. */
void envelope_recipients(struct recipients *r,
                         const struct inject_options *opt,
                         const struct message_header *h,
                         const struct inject_config *cfg);

/* Choose the envelope sender (NUL-terminated in sender): -f, else the
 * first Return-Path: unless $QMAILSUSER or $QMAILSHOST is set, else
 * ($QMAILSUSER or user)@($QMAILSHOST or host). */
void envelope_sender(stralloc *sender, const struct inject_options *opt,
                     const struct message_header *h, const char *user,
                     const char *host, const struct inject_config *cfg);

#endif
