/* tls_client.c -- the client side of a TLS connection; see tls.h.
 * Apart from tls.c so that a program that only serves carries none of
 * BearSSL's client and certificate-checking code. */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "tls_internal.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

/* The client's offer, in order of preference; CBC and RSA key exchange
 * remain for old mail servers, which opportunistic SMTP still has to
 * reach. */
static const uint16_t suites_client[] = {
  BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
  BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
  BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
  BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
  BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
  BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
  BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
  BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
  BR_TLS_RSA_WITH_AES_128_GCM_SHA256,
  BR_TLS_RSA_WITH_AES_256_GCM_SHA384,
  BR_TLS_RSA_WITH_AES_128_CBC_SHA256,
  BR_TLS_RSA_WITH_AES_256_CBC_SHA256,
  BR_TLS_RSA_WITH_AES_128_CBC_SHA,
  BR_TLS_RSA_WITH_AES_256_CBC_SHA,
};

/* An address literal: no SNI for it (RFC 6066), and BearSSL cannot
 * match it against a certificate. */
static int
is_address(const char *name)
{
  unsigned char a[16];

  return name[0] == '[' || inet_pton(AF_INET, name, a) == 1
         || inet_pton(AF_INET6, name, a) == 1;
}

int
tls_client_start(struct tls *t, int fd_in, int fd_out,
                 const char *server_name, const struct tls_anchors *anchors,
                 int mode, unsigned int handshake_seconds,
                 unsigned int io_seconds)
{
  br_ssl_client_context *cc = &t->ctx.client;
  const char *check_name = 0;

  tls_engine_begin(t, fd_in, fd_out, io_seconds);
  t->is_client = 1;
  if (mode != TLS_VERIFY && mode != TLS_OPPORTUNISTIC)
    return tls_engine_setup_failed(t, "unknown mode");
  if (server_name && *server_name) {
    if (strlen(server_name) >= sizeof t->server_name)
      return tls_engine_setup_failed(t, "server name too long");
    memcpy(t->server_name, server_name, strlen(server_name) + 1);
    if (!is_address(server_name))
      check_name = t->server_name;
  }
  if (mode == TLS_VERIFY && !check_name)
    return tls_engine_setup_failed(t, "verification needs the server's host name");
  if (mode == TLS_VERIFY && (!anchors || !anchors->count))
    return tls_engine_setup_failed(t, "verification needs trust anchors");
  br_ssl_client_zero(cc);
  t->eng = &cc->eng;
  tls_engine_configure(t->eng);
  br_ssl_engine_set_suites(t->eng, suites_client, COUNT(suites_client));
  br_ssl_client_set_default_rsapub(cc);
  br_ssl_engine_set_default_rsavrfy(t->eng);
  br_ssl_engine_set_default_ecdsa(t->eng);
  tls_x509_init(&t->x509, anchors, mode == TLS_VERIFY);
  br_ssl_engine_set_x509(t->eng, &t->x509.vtable);
  br_ssl_engine_set_buffer(t->eng, t->iobuf, sizeof t->iobuf, 1);
  tls_engine_seed(t->eng);
  if (!br_ssl_client_reset(cc, check_name, 0))
    return tls_engine_failed(t, "setup");
  if (!tls_engine_handshake(t, handshake_seconds))
    return 0;
  t->verified = t->x509.verdict == 0 && check_name;
  return 1;
}

const char *
tls_peer_subject(struct tls *t)
{
  if (!t->is_client || !t->x509.dn_len)
    return "";
  if (t->x509.dn_overflow)
    return "(subject name too long)";
  if (!tls_dn_format(t->subject, sizeof t->subject, t->x509.dn,
                     t->x509.dn_len))
    return "(malformed subject name)";
  return t->subject;
}

unsigned int
tls_peer_chain_length(const struct tls *t)
{
  return t->is_client ? t->x509.certs : 0;
}

int
tls_verified(const struct tls *t)
{
  return t->verified;
}

int
tls_verify_error(const struct tls *t)
{
  if (!t->is_client || t->verified)
    return 0;
  return t->x509.verdict ? (int)t->x509.verdict : BR_ERR_X509_BAD_SERVER_NAME;
}
