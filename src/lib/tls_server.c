/* tls_server.c -- the server side of a TLS connection; see tls.h.
 * Apart from tls.c so that a program that only serves (qmail-smtpd)
 * carries none of BearSSL's client and certificate-checking code. */
#include "tls_internal.h"

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

/* Suites in order of preference, which the server enforces: forward
 * secrecy and AEAD first; CBC and (with an RSA key) RSA key exchange
 * remain for old clients. */
static const uint16_t suites_rsa[] = {
  BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
  BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
  BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
  BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
  BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384,
  BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
  BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
  BR_TLS_RSA_WITH_AES_128_GCM_SHA256,
  BR_TLS_RSA_WITH_AES_256_GCM_SHA384,
  BR_TLS_RSA_WITH_AES_128_CBC_SHA256,
  BR_TLS_RSA_WITH_AES_256_CBC_SHA256,
  BR_TLS_RSA_WITH_AES_128_CBC_SHA,
  BR_TLS_RSA_WITH_AES_256_CBC_SHA,
};

static const uint16_t suites_ec[] = {
  BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
  BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
  BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
  BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256,
  BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384,
  BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
  BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA,
};

int
tls_server_start(struct tls *t, int fd_in, int fd_out,
                 const struct tls_chain *chain, const struct tls_key *key,
                 unsigned int handshake_seconds, unsigned int io_seconds)
{
  br_ssl_server_context *sc = &t->ctx.server;

  tls_engine_begin(t, fd_in, fd_out, io_seconds);
  t->is_client = 0;
  if (!chain->count)
    return tls_engine_setup_failed(t, "no server certificate");
  if (key->type != BR_KEYTYPE_RSA && key->type != BR_KEYTYPE_EC)
    return tls_engine_setup_failed(t, "no private key");
  br_ssl_server_zero(sc);
  t->eng = &sc->eng;
  tls_engine_configure(t->eng);
  if (key->type == BR_KEYTYPE_RSA) {
    br_ssl_engine_set_suites(t->eng, suites_rsa, COUNT(suites_rsa));
    br_ssl_server_set_single_rsa(sc, chain->certs, chain->count,
                                 &key->key.rsa,
                                 BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN,
                                 br_rsa_private_get_default(),
                                 br_rsa_pkcs1_sign_get_default());
  } else {
    br_ssl_engine_set_suites(t->eng, suites_ec, COUNT(suites_ec));
    br_ssl_server_set_single_ec(sc, chain->certs, chain->count,
                                &key->key.ec, BR_KEYTYPE_SIGN,
                                chain->issuer_key_type ? (unsigned)
                                chain->issuer_key_type : BR_KEYTYPE_EC,
                                br_ec_get_default(),
                                br_ecdsa_sign_asn1_get_default());
  }
  br_ssl_engine_add_flags(t->eng, BR_OPT_ENFORCE_SERVER_PREFERENCES);
  br_ssl_engine_set_buffer(t->eng, t->iobuf, sizeof t->iobuf, 1);
  tls_engine_seed(t->eng);
  if (!br_ssl_server_reset(sc))
    return tls_engine_failed(t, "setup");
  return tls_engine_handshake(t, handshake_seconds);
}
