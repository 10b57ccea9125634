/* inject.h -- the injector that qmail-inject and sendmail share.
 *
 * Both programs only translate their command lines into a struct
 * inject_options and call inject_run(), which reads the message on
 * standard input, completes its header, works out the envelope and
 * hands the result to the queue (or prints it).  Keeping one injector
 * means sendmail needs no options of its own on qmail-inject's command
 * line (qmail's sendmail execs qmail-inject instead).
 */
#ifndef INJECT_H
#define INJECT_H

/* Where the envelope recipients come from (qmail-inject -a/-h/-A/-H). */
enum inject_recipients {
  INJECT_ARGS,            /* -a: the arguments only */
  INJECT_HEADER,          /* -h: the header only */
  INJECT_ARGS_OR_HEADER,  /* -A (default): the arguments if there are
                             any, else the header */
  INJECT_ARGS_AND_HEADER  /* -H: both */
};

struct inject_options {
  enum inject_recipients recipients;
  int print_only;          /* -n: write the message to stdout, queue nothing */
  int dot_ends_input;      /* sendmail without -i: a line "." ends the message */
  const char *sender;      /* -f: the envelope sender; null for the default */
  const char *fullname;    /* sendmail -F: display name of an added From: */
  char *const *args;       /* recipient arguments, null-terminated */
};

/* Inject one message and exit: 0 queued (or printed), 100 permanent
 * failure, 111 temporary failure, each with a message on stderr. */
void inject_run(const struct inject_options *opt)
  __attribute__((noreturn));

#endif
