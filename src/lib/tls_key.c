/* tls_key.c -- private keys from PEM text; see tls.h. */
#include <errno.h>
#include <string.h>

#include "readfile.h"
#include "tls_internal.h"

static const char *const key_names[] = {
  "RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY",
  "ENCRYPTED PRIVATE KEY", 0
};

static int
key_usable_curve(int curve)
{
  /* ECDSA needs one of the prime curves the EC code knows */
  if (curve != BR_EC_secp256r1 && curve != BR_EC_secp384r1
      && curve != BR_EC_secp521r1)
    return 0;
  return (br_ec_get_default()->supported_curves >> curve) & 1;
}

static int
key_object(void *ctx, const char *name, const unsigned char *der,
           size_t len)
{
  struct tls_key *key = ctx;
  br_skey_decoder_context dc;
  int err, ok = 1;

  if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0)
    return tls_pem_invalid(key->error, "encrypted private keys are not supported"
                   " (decrypt it: openssl pkey -in KEY -out PLAIN)", 0);
  if (key->type)
    return tls_pem_invalid(key->error, "more than one private key in the file", 0);
  br_skey_decoder_init(&dc);
  br_skey_decoder_push(&dc, der, len);
  err = br_skey_decoder_last_error(&dc);
  if (err)
    ok = tls_pem_invalid_code(key->error, "private key: ", err);
  else if (br_skey_decoder_key_type(&dc) == BR_KEYTYPE_RSA) {
    const br_rsa_private_key *sk = br_skey_decoder_get_rsa(&dc);
    unsigned char *p = key->data;

    /* the decoder's own buffer is no larger than ours */
    if (sk->plen + sk->qlen + sk->dplen + sk->dqlen + sk->iqlen
        > sizeof key->data) {
      tls_pem_wipe(&dc, sizeof dc);
      return tls_pem_invalid(key->error, "private key: RSA key too large", 0);
    }
    key->key.rsa.n_bitlen = sk->n_bitlen;
    memcpy(p, sk->p, sk->plen);
    key->key.rsa.p = p;
    key->key.rsa.plen = sk->plen;
    p += sk->plen;
    memcpy(p, sk->q, sk->qlen);
    key->key.rsa.q = p;
    key->key.rsa.qlen = sk->qlen;
    p += sk->qlen;
    memcpy(p, sk->dp, sk->dplen);
    key->key.rsa.dp = p;
    key->key.rsa.dplen = sk->dplen;
    p += sk->dplen;
    memcpy(p, sk->dq, sk->dqlen);
    key->key.rsa.dq = p;
    key->key.rsa.dqlen = sk->dqlen;
    p += sk->dqlen;
    memcpy(p, sk->iq, sk->iqlen);
    key->key.rsa.iq = p;
    key->key.rsa.iqlen = sk->iqlen;
    key->type = BR_KEYTYPE_RSA;
  } else if (br_skey_decoder_key_type(&dc) == BR_KEYTYPE_EC) {
    const br_ec_private_key *sk = br_skey_decoder_get_ec(&dc);

    if (!key_usable_curve(sk->curve))
      ok = tls_pem_invalid(key->error, "private key: unsupported elliptic curve"
                   " (use P-256, P-384 or P-521)", 0);
    else {
      memcpy(key->data, sk->x, sk->xlen);
      key->key.ec.curve = sk->curve;
      key->key.ec.x = key->data;
      key->key.ec.xlen = sk->xlen;
      key->type = BR_KEYTYPE_EC;
    }
  } else
    ok = tls_pem_invalid(key->error, "private key: unsupported key type", 0);
  tls_pem_wipe(&dc, sizeof dc);
  return ok;
}

void
tls_key_free(struct tls_key *key)
{
  tls_pem_wipe(key, sizeof *key);
}

/* "Proc-Type: 4,ENCRYPTED" headers mark an OpenSSL-encrypted key in the
 * old format; BearSSL's decoder would only call them malformed. */
static int
has_encrypted_header(const char *text, size_t len)
{
  static const char marker[] = "Proc-Type: 4,ENCRYPTED";
  size_t n = sizeof marker - 1, i;

  for (i = 0; i + n <= len; ++i)
    if (text[i] == 'P' && memcmp(text + i, marker, n) == 0)
      return 1;
  return 0;
}

int
tls_key_parse(struct tls_key *key, const char *text, size_t len)
{
  struct tls_pem_walk w;
  int ok;

  tls_key_free(key);
  if (has_encrypted_header(text, len))
    return tls_pem_invalid(key->error, "encrypted private keys are not supported"
                   " (decrypt it: openssl pkey -in KEY -out PLAIN)", 0);
  w.names = key_names;
  w.object = key_object;
  w.ctx = key;
  w.error = key->error;
  w.der = (stralloc)STRALLOC_ZERO;
  ok = tls_pem_walk(&w, text, len);
  tls_pem_wipe_free(&w.der);
  if (ok && !key->type)
    ok = tls_pem_invalid(key->error, "no private key found", 0);
  if (!ok) {
    int saved = errno;
    char error[sizeof key->error];

    memcpy(error, key->error, sizeof error);
    tls_key_free(key);
    memcpy(key->error, error, sizeof error);
    errno = saved;
  }
  return ok;
}

int
tls_key_load(struct tls_key *key, const char *path)
{
  stralloc text = STRALLOC_ZERO;
  int ok = readfile(path, &text);

  if (ok)
    ok = tls_key_parse(key, text.s, text.len);
  else
    key->error[0] = 0;
  tls_pem_wipe_free(&text);
  return ok;
}

static int
same_number(const unsigned char *a, size_t alen, const unsigned char *b,
            size_t blen)
{
  while (alen && !*a) {
    ++a;
    --alen;
  }
  while (blen && !*b) {
    ++b;
    --blen;
  }
  return alen == blen && memcmp(a, b, alen) == 0;
}

int
tls_key_matches(const struct tls_key *key, const struct tls_chain *chain)
{
  const br_x509_pkey *pub = &chain->public_key;
  int ok = 0;

  if (!chain->count || key->type != pub->key_type) {
    errno = EINVAL;
    return 0;
  }
  if (key->type == BR_KEYTYPE_RSA) {
    br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
    unsigned char n[BR_X509_BUFSIZE_KEY];
    size_t nlen = modulus(0, &key->key.rsa);

    if (nlen && nlen <= sizeof n && modulus(n, &key->key.rsa) == nlen)
      ok = same_number(n, nlen, pub->key.rsa.n, pub->key.rsa.nlen);
  } else if (key->type == BR_KEYTYPE_EC) {
    unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
    br_ec_public_key computed;
    size_t qlen = br_ec_compute_pub(br_ec_get_default(), &computed, q,
                                    &key->key.ec);

    ok = qlen && key->key.ec.curve == pub->key.ec.curve
         && qlen == pub->key.ec.qlen && memcmp(q, pub->key.ec.q, qlen) == 0;
  }
  if (!ok)
    errno = EINVAL;
  return ok;
}
