/* caseless.h -- ASCII case folding for domains, account names, header
 * field names and file names.
 *
 * Only A-Z and a-z are folded; every other byte (8-bit included) is left
 * alone, whatever the locale, so results never depend on the system.
 */
#ifndef CASELESS_H
#define CASELESS_H

#include <stddef.h>

/* c with A-Z mapped to a-z. */
char case_lower(char c);
/* Lowercase s[0..len) in place. */
void case_lowerb(char *s, size_t len);
/* 1 if a[0..len) and b[0..len) are equal ignoring ASCII case, else 0. */
int case_equalb(const char *a, const char *b, size_t len);

#endif
