/* tls.h -- TLS 1.2 on BearSSL, underneath the library's buffers.
 *
 * One module for every program that speaks TLS: qmail-smtpd's STARTTLS
 * and SMTPS, POP3's STLS, qmail-remote and serialsmtp as clients.  The
 * protocol code reads and writes a buffer (buffer.h) as before; after a
 * successful tls_server_start() or tls_client_start() it points its
 * buffers at tls_bufread/tls_bufwrite with the struct tls as ctx, and
 * never learns that records are being encrypted underneath:
 *
 *     static struct tls tls;                  (44 KB: make it static)
 *     ... plain SMTP over buffers in (fd 0) and out (fd 1) ...
 *     "STARTTLS" -> reply "220 ready to start TLS", flush out, then
 *     drop whatever the client sent after STARTTLS (buffer_unread(&in)
 *     bytes: a client must wait for the 220, so anything already there
 *     was injected by someone in the path, RFC 3207 section 6):
 *     if (!tls_server_start(&tls, 0, 1, &chain, &key, 60, 1200))
 *       log tls_error(&tls), exit;
 *     buffer_init(&in, tls_bufread, 0, &tls, inspace, sizeof inspace);
 *     buffer_init(&out, tls_bufwrite, 1, &tls, outspace, sizeof outspace);
 *
 * A client does the same after reading the server's 220 reply to its
 * STARTTLS, and must likewise refuse to go on if the server sent more
 * than that reply.
 *
 * Only TLS 1.2 is offered and accepted: BearSSL has no TLS 1.3, and
 * TLS 1.0/1.1 are obsolete (RFC 8996).  Cipher suites: ECDHE with
 * AES-GCM or ChaCha20-Poly1305 first, then ECDHE with AES-CBC, then (for
 * old peers) RSA key exchange with AES; no RC4, no 3DES, no NULL.
 * Curves: X25519, P-256, P-384, P-521.  Renegotiation is refused.
 *
 * Conventions: functions return 1 on success and 0 on failure with
 * errno set, except where a buffer_op or a name is returned.  Nothing
 * here allocates once a connection is set up: a struct tls holds the
 * engine and its 33 KB record buffer (BR_SSL_BUFSIZE_BIDI), 44 KB in
 * all; loading keys, chains and trust anchors allocates (stralloc) and
 * is done before.  Writes to a socket never raise SIGPIPE; a caller
 * whose output is a pipe ignores SIGPIPE itself, as daemons do.
 *
 *
 * Keys, certificates and trust anchors (tls_pem.c, tls_key.c,
 * tls_anchors.c)
 * -------------------------------------------------------------
 * All three read PEM text: any number of "-----BEGIN X-----" ...
 * "-----END X-----" objects, with any other text (comments, OpenSSL's
 * "Bag Attributes") ignored between them; LF or CRLF line ends.  A
 * struct must start zeroed (static, or the _ZERO initialiser); parsing
 * again replaces its contents.  On failure errno is EINVAL when the
 * content is at fault, and x->error then says why in a sentence ("no
 * private key found", "malformed PEM data near line 12", ...); any other
 * errno comes from reading the file (ENOENT, EACCES, ENOMEM).
 *
 * tls_chain_parse(chain, text, len)   tls_chain_load(chain, path)
 *     The CERTIFICATE objects, in file order, which is the order they
 *     are sent in: the server's own certificate first, then the
 *     intermediates.  Other objects (a private key in the same file,
 *     as qmail's control/servercert.pem has it) are skipped.  Every
 *     certificate must decode.  EINVAL when there is none.
 * tls_key_parse(key, text, len)       tls_key_load(key, path)
 *     The one private key in the text: "RSA PRIVATE KEY" (PKCS#1),
 *     "EC PRIVATE KEY" (RFC 5915) or "PRIVATE KEY" (unencrypted
 *     PKCS#8, RSA or EC).  Encrypted keys are refused (EINVAL), so is a
 *     text with two keys.  The key's bytes are wiped from memory read
 *     for it; tls_key_free wipes the key itself.
 * tls_key_matches(key, chain)
 *     1 when the key is the private half of the chain's first
 *     certificate, 0 (errno EINVAL) when not; catches a renewed
 *     certificate installed beside an old key before clients see
 *     handshake failures.
 * tls_anchors_parse(a, text, len)     tls_anchors_load(a, path)
 *     Trust anchors for verifying servers: each CERTIFICATE of a CA
 *     bundle (TLS_CAFILE, Debian's ca-certificates.crt, or a private
 *     CA's certificate) becomes an anchor: its subject name and public
 *     key; certificates that say they are CAs (basicConstraints) may
 *     sign others, any other certificate is trusted only directly.
 *     Certificates BearSSL cannot use (unsupported key types) are
 *     skipped and counted in a->skipped; EINVAL when none is usable.
 *     qmail-remote takes the bundle's path from a control file, so a
 *     site can name its own bundle; TLS_CAFILE is the default.
 * tls_chain_free, tls_key_free, tls_anchors_free
 *     Release the memory; the struct is zeroed and may be reused.
 *
 * Privileges: daemons load their key after tcpserver (or inetd) has
 * dropped to the daemon user, so the key file must be readable by that
 * user and no one else, e.g. control/servercert.pem owned by qmaild,
 * mode 0400 (tlsserver(1) describes the files).
 *
 *
 * Connections (tls.c; tls_server.c and tls_client.c for each side, so
 * that a program carries only the BearSSL code of the side it uses)
 * -----------------------------------------------------------------
 * tls_server_start(t, fd_in, fd_out, chain, key, handshake_seconds,
 *                  io_seconds)
 *     Do the server side of the handshake, reading records from fd_in
 *     and writing them to fd_out (the same socket twice, or 0 and 1
 *     under tcpserver and inetd).  The chain and key must stay in place
 *     while t is in use.  The whole handshake must be over within
 *     handshake_seconds, however slowly the peer trickles bytes;
 *     io_seconds then limits each later read or write (t->io_seconds,
 *     which the caller may change at any time).  Returns 1 when
 *     application data may flow; 0 when the handshake failed, with
 *     errno ETIMEDOUT (out of time), EPROTO (the TLS engine failed:
 *     a bad record, an alert, no common cipher suite, a certificate
 *     not accepted), ECONNRESET (the peer closed the connection during
 *     the handshake) or the error of read(2)/write(2); tls_error(t)
 *     says which in one line for the log.  The descriptors are never
 *     closed here.
 * tls_client_start(t, fd_in, fd_out, server_name, anchors, mode,
 *                  handshake_seconds, io_seconds)
 *     The client side.  server_name is the host name the connection
 *     was meant for (for SMTP: the MX host name); it is sent as SNI
 *     unless it is an IP address literal, and checked against the
 *     server's certificate (subjectAltName dNSName entries, wildcards
 *     in the first label, or the CN when there are none).  mode:
 *       TLS_VERIFY          the server's chain must lead to one of the
 *                           anchors and name server_name, which must
 *                           be a host name (EINVAL without one); a
 *                           failure is a failed handshake (EPROTO) with
 *                           the reason, e.g. BR_ERR_X509_NOT_TRUSTED
 *                           or BR_ERR_X509_BAD_SERVER_NAME.
 *       TLS_OPPORTUNISTIC   encrypt whatever certificate the server
 *                           shows (RFC 7435): the chain is still
 *                           checked against the anchors (which may be
 *                           null) and the verdict kept for the log
 *                           (tls_verified, tls_verify_error), but a
 *                           bad verdict does not stop the handshake.
 *     Return values and errno as for tls_server_start.
 *
 * tls_bufread(fd, buf, len, ctx)      tls_bufwrite(fd, buf, len, ctx)
 *     buffer_op functions; ctx is the struct tls, fd is ignored (the
 *     descriptors given to _start are used).  tls_bufread returns
 *     decrypted bytes, 0 at the end (the peer's close_notify, or the
 *     connection closed without one: SMTP and POP3 notice truncation
 *     themselves), -1 with errno as above.  tls_bufwrite encrypts and
 *     sends the bytes before it returns, so buffer_flush means "on the
 *     wire".  Each call waits at most t->io_seconds.
 * tls_pending(t)
 *     Decrypted bytes waiting inside the engine; a caller that polls
 *     the socket before reading must read these first, since no more
 *     bytes will arrive on the socket for them.
 * tls_close(t)
 *     Send close_notify (waiting at most t->io_seconds); the peer's
 *     close_notify is not waited for.  Returns 1, or 0 with errno.
 *
 * After a successful start:
 * tls_version_name(t)    "TLSv1.2"
 * tls_cipher_name(t)     the suite in OpenSSL's spelling, as mail logs
 *                        and Received lines show it:
 *                        "ECDHE-RSA-AES128-GCM-SHA256"
 * tls_server_name(t)     server: the name the client asked for (SNI),
 *                        "" when none, with any byte that is not
 *                        printable ASCII made '?'; client: the name
 *                        given to start
 * tls_peer_subject(t)    client: the subject of the server's
 *                        certificate, RFC 4514 style with the most
 *                        specific part first ("CN=mail.example,O=Ex
 *                        Ltd,C=DE"); bytes outside printable ASCII are
 *                        written \XX so the text is safe for logs.  ""
 *                        on the server side (clients show no
 *                        certificate).
 * tls_peer_chain_length(t)  certificates the server sent
 * tls_verified(t)        1 when the server's chain was verified (always
 *                        so after a TLS_VERIFY start), 0 when not
 * tls_verify_error(t)    0, or why it was not (a BR_ERR_X509_ code;
 *                        BR_ERR_X509_BAD_SERVER_NAME also when there
 *                        was no host name to check, only an address)
 *
 * After a failure (or at any time):
 * tls_error(t)           one line: "TLS handshake failed:
 *                        BR_ERR_X509_NOT_TRUSTED (the certificate chain
 *                        does not lead to a trusted CA)", "TLS handshake
 *                        timed out after 60 seconds", "TLS read failed:
 *                        Connection reset by peer", ...; "" when nothing
 *                        failed.
 *
 * Names (tls_names.c), for logs and tests:
 * tls_error_name(code)   BearSSL's name for br_ssl_engine_last_error()
 *                        codes and X.509 codes: "BR_ERR_BAD_MAC",
 *                        "BR_ERR_X509_EXPIRED"; alerts sent or received
 *                        are "BR_ERR_SEND_FATAL_ALERT" and
 *                        "BR_ERR_RECV_FATAL_ALERT"; "BR_ERR_UNKNOWN"
 *                        for a code BearSSL 0.6 does not define.
 * tls_error_text(code)   a short explanation in plain words.
 * tls_error_fmt(s, code) fmt.h style: "NAME (text)", and for an alert
 *                        "BR_ERR_RECV_FATAL_ALERT (the peer sent the
 *                        fatal alert handshake_failure, 40)".  At most
 *                        TLS_ERROR_FMT bytes.
 * tls_suite_name(id)     OpenSSL name of a suite id, "unknown" if not
 *                        one this module offers.
 * tls_dn_format(out, size, der, len)
 *                        the RFC 4514 text of a DER-encoded Name into
 *                        out (NUL-terminated, cut with "..." when it
 *                        does not fit); 1, or 0 (EINVAL, out "") when
 *                        the DER is malformed.
 */
#ifndef TLS_H
#define TLS_H

#include <stddef.h>
#include <sys/types.h>

#include <bearssl.h>

#include "stralloc.h"

#define TLS_CAFILE "/etc/ssl/certs/ca-certificates.crt"

struct tls_chain {
  br_x509_certificate *certs;   /* server's certificate first */
  size_t count;
  stralloc der;                 /* the certificates; certs point here */
  int issuer_key_type;          /* BR_KEYTYPE_ of the first one's signer */
  br_x509_pkey public_key;      /* of the first certificate */
  unsigned char public_key_data[BR_X509_BUFSIZE_KEY];
  char error[128];
};

struct tls_key {
  int type;                     /* BR_KEYTYPE_RSA or BR_KEYTYPE_EC */
  union {
    br_rsa_private_key rsa;
    br_ec_private_key ec;
  } key;
  unsigned char data[3 * BR_X509_BUFSIZE_SIG];
  char error[128];
};

struct tls_anchors {
  br_x509_trust_anchor *list;
  size_t count;
  size_t skipped;               /* certificates that could not be used */
  stralloc data;                /* names and keys; list points here */
  char error[128];
};

#define TLS_CHAIN_ZERO { 0 }
#define TLS_KEY_ZERO { 0 }
#define TLS_ANCHORS_ZERO { 0 }

int tls_chain_parse(struct tls_chain *chain, const char *text, size_t len);
int tls_chain_load(struct tls_chain *chain, const char *path);
void tls_chain_free(struct tls_chain *chain);

int tls_key_parse(struct tls_key *key, const char *text, size_t len);
int tls_key_load(struct tls_key *key, const char *path);
int tls_key_matches(const struct tls_key *key, const struct tls_chain *chain);
void tls_key_free(struct tls_key *key);

int tls_anchors_parse(struct tls_anchors *a, const char *text, size_t len);
int tls_anchors_load(struct tls_anchors *a, const char *path);
void tls_anchors_free(struct tls_anchors *a);

/* The X.509 engine a client uses: BearSSL's minimal engine for the
 * verdict, and a decoder that keeps the server certificate's subject
 * and key whatever the verdict (tls_x509.c). */
#define TLS_DN_MAX 1024
struct tls_x509 {
  const br_x509_class *vtable;
  br_x509_minimal_context minimal;
  br_x509_decoder_context leaf;
  int enforce;                  /* the verdict decides the handshake */
  unsigned int certs;           /* certificates in the chain so far */
  unsigned int verdict;         /* 0 or a BR_ERR_X509_ code */
  unsigned char dn[TLS_DN_MAX]; /* subject of the first certificate */
  size_t dn_len;
  int dn_overflow;
};

void tls_x509_init(struct tls_x509 *x, const struct tls_anchors *anchors,
                   int enforce);

#define TLS_VERIFY 0
#define TLS_OPPORTUNISTIC 1

struct tls {
  unsigned int io_seconds;      /* limit per read or write; may change */

  /* The rest is private to tls.c. */
  union {
    br_ssl_client_context client;
    br_ssl_server_context server;
  } ctx;
  br_ssl_engine_context *eng;
  struct tls_x509 x509;
  int fd_in;
  int fd_out;
  int is_client;
  int verified;
  int eof;                      /* the transport ended without close_notify */
  int failure;                  /* TLS_FAIL_ kind, 0 when none */
  int failure_errno;
  int failure_code;             /* BearSSL error for TLS_FAIL_ENGINE */
  const char *failure_stage;    /* "handshake", "read", "write", "close" */
  const char *failure_text;     /* TLS_FAIL_SETUP: what was wrong */
  unsigned int failure_seconds; /* the limit that ran out */
  char server_name[256];
  char subject[512];
  char errbuf[320];
  unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];
};

int tls_server_start(struct tls *t, int fd_in, int fd_out,
                     const struct tls_chain *chain, const struct tls_key *key,
                     unsigned int handshake_seconds, unsigned int io_seconds);
int tls_client_start(struct tls *t, int fd_in, int fd_out,
                     const char *server_name,
                     const struct tls_anchors *anchors, int mode,
                     unsigned int handshake_seconds, unsigned int io_seconds);

ssize_t tls_bufread(int fd, char *buf, size_t len, void *ctx);
ssize_t tls_bufwrite(int fd, char *buf, size_t len, void *ctx);
size_t tls_pending(const struct tls *t);
int tls_close(struct tls *t);

const char *tls_version_name(const struct tls *t);
const char *tls_cipher_name(const struct tls *t);
const char *tls_server_name(const struct tls *t);
const char *tls_peer_subject(struct tls *t);
unsigned int tls_peer_chain_length(const struct tls *t);
int tls_verified(const struct tls *t);
int tls_verify_error(const struct tls *t);
const char *tls_error(struct tls *t);

#define TLS_ERROR_FMT 200
const char *tls_error_name(int code);
const char *tls_error_text(int code);
size_t tls_error_fmt(char *s, int code);
const char *tls_suite_name(unsigned int id);
int tls_dn_format(char *out, size_t size, const unsigned char *der,
                  size_t len);

#endif
