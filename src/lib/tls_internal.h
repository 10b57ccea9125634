/* tls_internal.h -- what the files of the tls module share.
 *
 * Not an interface: only src/lib/tls*.c include it; callers use tls.h.
 * The module is split so that a program links only the side it uses
 * (a server carries no certificate verification, a client no private
 * key code), and these are the seams.
 *
 * tls.c, for tls_server.c and tls_client.c:
 * tls_engine_begin(t, fd_in, fd_out, io_seconds)
 *     Forget the previous connection's state and failure.
 * tls_engine_configure(eng)
 *     TLS 1.2 only, the hashes, PRFs, ciphers and curves both sides
 *     use, no renegotiation.
 * tls_engine_seed(eng)
 *     Add entropy from the kernel to BearSSL's own seeding.
 * tls_engine_handshake(t, seconds)
 *     Run the handshake to its end within seconds; 1, or 0 with errno
 *     and the failure recorded for tls_error().
 * tls_engine_setup_failed(t, why)
 *     Record a failure before any I/O (EINVAL); returns 0.
 * tls_engine_failed(t, stage)
 *     Record BearSSL's error (EPROTO); returns 0.
 *
 * tls_pem.c, for tls_key.c and tls_anchors.c:
 * tls_pem_walk(w, text, len)
 *     Call w->object for each complete PEM object named in w->names,
 *     with its decoded bytes; 1, or 0 with errno and w->error set.
 * tls_pem_certificate_names
 *     The object names that hold certificates.
 * tls_pem_invalid(error, s1, s2), tls_pem_invalid_code(error, what, code)
 *     Fill error[128] with s1 s2, or what and BearSSL's error; errno
 *     EINVAL; return 0.
 * tls_pem_error_cat(error, s), tls_pem_error_num(error, n)
 *     Append to error[128], cut at its end.
 * tls_pem_wipe(p, n), tls_pem_wipe_free(sa)
 *     Clear memory that held key material (and free the stralloc).
 */
#ifndef TLS_INTERNAL_H
#define TLS_INTERNAL_H

#include "tls.h"

void tls_engine_begin(struct tls *t, int fd_in, int fd_out,
                      unsigned int io_seconds);
void tls_engine_configure(br_ssl_engine_context *eng);
void tls_engine_seed(br_ssl_engine_context *eng);
int tls_engine_handshake(struct tls *t, unsigned int seconds);
int tls_engine_setup_failed(struct tls *t, const char *why);
int tls_engine_failed(struct tls *t, const char *stage);

typedef int tls_pem_object_fn(void *ctx, const char *name,
                              const unsigned char *der, size_t len);

struct tls_pem_walk {
  const char *const *names;     /* objects to collect; others skipped */
  tls_pem_object_fn *object;
  void *ctx;
  char *error;                  /* [128] */
  stralloc der;
  int nomem;
};

int tls_pem_walk(struct tls_pem_walk *w, const char *text, size_t len);
extern const char *const tls_pem_certificate_names[];
int tls_pem_invalid(char *error, const char *s1, const char *s2);
int tls_pem_invalid_code(char *error, const char *what, int code);
void tls_pem_error_cat(char *error, const char *s);
void tls_pem_error_num(char *error, unsigned long n);
void tls_pem_wipe(void *p, size_t n);
void tls_pem_wipe_free(stralloc *sa);

#endif
