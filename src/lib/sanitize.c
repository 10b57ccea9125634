/* sanitize.c -- the options of a sanitizer build (make check-sanitize).
 *
 * AddressSanitizer and UndefinedBehaviorSanitizer read their options
 * from ASAN_OPTIONS and UBSAN_OPTIONS, but much of the mail system
 * runs with an environment cleaned on purpose: boot and init scripts,
 * supervise run scripts and systemd units start the daemons with
 * `env -`, qmail-lspawn gives a delivery only the variables it sets.
 * A sanitized program started that way would run with the defaults,
 * and LeakSanitizer's default turns every exit of a program that leaves
 * its memory to the kernel (as these do) into exit code 23.  So the
 * runtimes also ask the program itself, through these two functions,
 * for the options the test suite uses; the variables, where they
 * arrive, still take precedence.  tests/sanitize.sh links them into
 * every program (-u); an ordinary build compiles this file to nothing.
 */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

#ifdef SANITIZED
const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *
__asan_default_options(void)
{
  return "detect_leaks=0:abort_on_error=1:halt_on_error=1";
}

const char *
__ubsan_default_options(void)
{
  return "print_stacktrace=1:halt_on_error=1";
}
#else
typedef int sanitize_unused;    /* ISO C wants something in a file */
#endif
