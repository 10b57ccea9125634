/* env.h -- reading the environment, and building one for a child.
 *
 * env_get(name)
 *     The value of the variable name in this process's environment (the
 *     bytes after "name="), or a null pointer when it is not set or
 *     name is empty or contains '='.  Like getenv(3); the pointer is
 *     into environ and stays valid until the environment changes.
 *
 * An envbuild is a private, editable copy of an environment, for
 * programs that start children with a changed environment (qmail-local
 * sets HOME, SENDER, RECIPIENT... for a delivery program) without
 * touching their own.  Its entries "NAME=value" live back to back in a
 * stralloc, so replacing or removing one reuses the space: any number
 * of puts of the same name costs no more memory than the largest value.
 * Every name appears at most once; the order of entries is kept, a
 * replaced entry stays where it was and a new one goes at the end.
 *
 * Start from ENVBUILD_ZERO (an empty environment), or fill it with
 * env_init (a copy of this process's environment) or env_copy.  All
 * functions that return int return 1 on success and 0 with errno set:
 * ENOMEM, EOVERFLOW, or EINVAL for a malformed name.  On failure the
 * builder keeps its previous contents.
 *
 * env_init(eb)
 *     Replace the contents with a copy of this process's environ.
 * env_copy(eb, envp)
 *     Replace the contents with a copy of the null-terminated vector
 *     envp.  Entries without '=' or with an empty name are dropped, and
 *     of duplicate names only the first is kept (the one getenv would
 *     see), so a child never receives two conflicting values.
 * env_clear(eb)
 *     Remove every entry (keeping the memory for reuse).
 * env_put(eb, "NAME=value")
 *     Set NAME to value.  EINVAL when there is no '=' or NAME is empty.
 * env_set(eb, name, value)
 *     Set name to value.  EINVAL when name is empty or contains '='.
 * env_unset(eb, name)
 *     Remove name.  Succeeds when name was not set; EINVAL as env_set.
 * env_find(eb, name)
 *     The value of name in the builder, or a null pointer.  Valid until
 *     the next change to eb.
 * env_count(eb)
 *     The number of entries.
 * env_build(eb)
 *     A null-terminated vector of "NAME=value" strings for execve(2),
 *     or a null pointer with errno set.  It points into eb and is valid
 *     until the next change to eb; the caller must not free it.
 * env_free(eb)
 *     Release all memory; eb becomes ENVBUILD_ZERO.
 */
#ifndef ENV_H
#define ENV_H

#include <stddef.h>

#include "stralloc.h"

typedef struct envbuild {
  stralloc entries;   /* "NAME=value\0" strings, back to back */
  size_t count;       /* number of entries in entries */
  char **vec;         /* the vector env_build returned last */
  size_t veca;        /* slots allocated in vec */
} envbuild;

#define ENVBUILD_ZERO { STRALLOC_ZERO, 0, 0, 0 }

const char *env_get(const char *name);

int env_init(envbuild *eb);
int env_copy(envbuild *eb, char *const *envp);
void env_clear(envbuild *eb);
int env_put(envbuild *eb, const char *assignment);
int env_set(envbuild *eb, const char *name, const char *value);
int env_unset(envbuild *eb, const char *name);
const char *env_find(const envbuild *eb, const char *name);
size_t env_count(const envbuild *eb);
char **env_build(envbuild *eb);
void env_free(envbuild *eb);

#endif
