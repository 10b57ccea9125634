/* send_verp.c -- the envelope sender of one delivery.
 *
 * A sender ending in "-@[]" asks for VERP (qmail-inject's
 * QMAILINJECT=r): "list-@example.org-@[]" becomes
 * "list-joe=example.net@example.org" for the recipient joe@example.net,
 * so a bounce names the recipient it came from.  Every other sender is
 * used as it is.
 */
#include <string.h>

#include "send.h"

int
verp_wanted(const char *sender)
{
  size_t len = strlen(sender);

  return len >= 5 && strcmp(sender + len - 4, "-@[]") == 0
    && memchr(sender, '@', len - 4) != 0;
}

int
verp_sender(stralloc *out, const char *sender, const char *recipient)
{
  size_t len = strlen(sender);
  const char *at, *rat;

  if (len < 5 || strcmp(sender + len - 4, "-@[]") != 0)
    return stralloc_copys(out, sender);
  len -= 4;
  for (at = 0, rat = sender; rat < sender + len; ++rat)
    if (*rat == '@')
      at = rat;
  if (!at)
    return stralloc_copys(out, sender);
  rat = strrchr(recipient, '@');
  if (!stralloc_copyb(out, sender, (size_t)(at - sender)))
    return 0;
  if (rat) {
    if (!stralloc_catb(out, recipient, (size_t)(rat - recipient))
        || !stralloc_append(out, '=') || !stralloc_cats(out, rat + 1))
      return 0;
  } else if (!stralloc_cats(out, recipient)) {
    return 0;
  }
  return stralloc_catb(out, at, (size_t)(sender + len - at));
}
