/* Unit tests for tls: PEM chains, keys and trust anchors, subject names,
 * error names, and handshakes between a forked server and a client over
 * a socket pair.  Nothing is committed: the keys come from BearSSL's
 * generators at run time (from a fixed seed), and the certificates are
 * assembled here in DER and signed with them. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "stralloc.h"
#include "tls.h"
#include "unit.h"

static br_hmac_drbg_context rng;

/* DER assembly; lengths below 64 KB are all a test needs. */
static void
der_add(stralloc *out, unsigned int tag, const void *content, size_t len)
{
  unsigned char head[4];
  size_t n = 0;

  head[n++] = (unsigned char)tag;
  if (len < 128)
    head[n++] = (unsigned char)len;
  else if (len < 256) {
    head[n++] = 0x81;
    head[n++] = (unsigned char)len;
  } else {
    head[n++] = 0x82;
    head[n++] = (unsigned char)(len >> 8);
    head[n++] = (unsigned char)len;
  }
  if (!stralloc_catb(out, (const char *)head, n)
      || !stralloc_catb(out, content, len))
    abort();
}

static void
der_wrap(stralloc *out, unsigned int tag, const stralloc *inner)
{
  der_add(out, tag, inner->s, inner->len);
}

static void
der_integer(stralloc *out, const unsigned char *v, size_t len)
{
  unsigned char buf[600];

  while (len > 1 && !*v) {
    ++v;
    --len;
  }
  buf[0] = 0;
  memcpy(buf + 1, v, len);
  if (v[0] & 0x80)
    der_add(out, 0x02, buf, len + 1);
  else
    der_add(out, 0x02, buf + 1, len);
}

#define OID_CN "\x55\x04\x03"
#define OID_O "\x55\x04\x0a"
#define OID_OU "\x55\x04\x0b"

/* An AttributeTypeAndValue appended to a SET's contents. */
static void
attribute(stralloc *set, const char *oid, unsigned int tag, const char *value,
          size_t len)
{
  stralloc pair = STRALLOC_ZERO;

  der_add(&pair, 0x06, oid, strlen(oid));
  der_add(&pair, tag, value, len);
  der_wrap(set, 0x30, &pair);
  stralloc_free(&pair);
}

/* One RDN holding one attribute, appended to a Name's contents. */
static void
rdn(stralloc *rdns, const char *oid, unsigned int tag, const char *value,
    size_t len)
{
  stralloc set = STRALLOC_ZERO;

  attribute(&set, oid, tag, value, len);
  der_wrap(rdns, 0x31, &set);
  stralloc_free(&set);
}

/* The Name O=o, CN=cn, in that (encoding) order. */
static void
make_name(stralloc *name, const char *o, const char *cn)
{
  stralloc rdns = STRALLOC_ZERO;

  name->len = 0;
  rdn(&rdns, OID_O, 0x0c, o, strlen(o));
  rdn(&rdns, OID_CN, 0x0c, cn, strlen(cn));
  der_wrap(name, 0x30, &rdns);
  stralloc_free(&rdns);
}

struct eckey {
  br_ec_private_key sk;
  unsigned char x[BR_EC_KBUF_PRIV_MAX_SIZE];
  br_ec_public_key pk;
  unsigned char q[BR_EC_KBUF_PUB_MAX_SIZE];
};

struct rsakey {
  br_rsa_private_key sk;
  unsigned char priv[BR_RSA_KBUF_PRIV_SIZE(1024)];
  br_rsa_public_key pk;
  unsigned char pub[BR_RSA_KBUF_PUB_SIZE(1024)];
  unsigned char d[128];
  size_t dlen;
};

static void
ec_make(struct eckey *k)
{
  if (!br_ec_keygen(&rng.vtable, br_ec_get_default(), &k->sk, k->x,
                    BR_EC_secp256r1)
      || !br_ec_compute_pub(br_ec_get_default(), &k->pk, k->q, &k->sk))
    abort();
}

static void
rsa_make(struct rsakey *k)
{
  if (!br_rsa_keygen_get_default()(&rng.vtable, &k->sk, k->priv, &k->pk,
                                   k->pub, 1024, 65537))
    abort();
  k->dlen = br_rsa_compute_privexp_get_default()(k->d, &k->sk, 65537);
  if (!k->dlen)
    abort();
}

static void
spki_ec(stralloc *out, const br_ec_public_key *pk)
{
  stralloc alg = STRALLOC_ZERO, spki = STRALLOC_ZERO, bits = STRALLOC_ZERO;

  der_add(&alg, 0x06, "\x2a\x86\x48\xce\x3d\x02\x01", 7);
  der_add(&alg, 0x06, "\x2a\x86\x48\xce\x3d\x03\x01\x07", 8);
  der_wrap(&spki, 0x30, &alg);
  stralloc_append(&bits, 0);
  stralloc_catb(&bits, (const char *)pk->q, pk->qlen);
  der_wrap(&spki, 0x03, &bits);
  out->len = 0;
  der_wrap(out, 0x30, &spki);
  stralloc_free(&alg);
  stralloc_free(&spki);
  stralloc_free(&bits);
}

static void
spki_rsa(stralloc *out, const br_rsa_public_key *pk)
{
  stralloc alg = STRALLOC_ZERO, spki = STRALLOC_ZERO, bits = STRALLOC_ZERO;
  stralloc ints = STRALLOC_ZERO;

  der_add(&alg, 0x06, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9);
  der_add(&alg, 0x05, "", 0);
  der_wrap(&spki, 0x30, &alg);
  der_integer(&ints, pk->n, pk->nlen);
  der_integer(&ints, pk->e, pk->elen);
  stralloc_append(&bits, 0);
  der_wrap(&bits, 0x30, &ints);
  der_wrap(&spki, 0x03, &bits);
  out->len = 0;
  der_wrap(out, 0x30, &spki);
  stralloc_free(&alg);
  stralloc_free(&spki);
  stralloc_free(&bits);
  stralloc_free(&ints);
}

/* A version 3 certificate, valid 2000 to 2049, signed with ECDSA and
 * SHA-256 by signer. */
static void
make_cert(stralloc *out, const stralloc *subject, const stralloc *issuer,
          const stralloc *spki, int is_ca, const br_ec_private_key *signer)
{
  static unsigned char serial = 1;
  stralloc tbs = STRALLOC_ZERO, body = STRALLOC_ZERO, tmp = STRALLOC_ZERO;
  stralloc alg = STRALLOC_ZERO, bits = STRALLOC_ZERO;
  unsigned char hash[32], sig[160];
  br_sha256_context h;
  size_t siglen;

  der_add(&tmp, 0x02, "\x02", 1);
  der_wrap(&tbs, 0xa0, &tmp);
  der_add(&tbs, 0x02, &serial, 1);
  ++serial;
  der_add(&alg, 0x06, "\x2a\x86\x48\xce\x3d\x04\x03\x02", 8);
  der_wrap(&tbs, 0x30, &alg);
  stralloc_cat(&tbs, issuer);
  tmp.len = 0;
  der_add(&tmp, 0x17, "000101000000Z", 13);
  der_add(&tmp, 0x17, "491231235959Z", 13);
  der_wrap(&tbs, 0x30, &tmp);
  stralloc_cat(&tbs, subject);
  stralloc_cat(&tbs, spki);
  if (is_ca) {
    stralloc ext = STRALLOC_ZERO, exts = STRALLOC_ZERO, seq = STRALLOC_ZERO;

    tmp.len = 0;
    der_add(&tmp, 0x01, "\xff", 1);
    der_wrap(&seq, 0x30, &tmp);               /* BasicConstraints */
    der_add(&ext, 0x06, "\x55\x1d\x13", 3);
    der_add(&ext, 0x01, "\xff", 1);
    der_wrap(&ext, 0x04, &seq);
    der_wrap(&exts, 0x30, &ext);
    tmp.len = 0;
    der_wrap(&tmp, 0x30, &exts);
    der_wrap(&tbs, 0xa3, &tmp);
    stralloc_free(&ext);
    stralloc_free(&exts);
    stralloc_free(&seq);
  }
  der_wrap(&body, 0x30, &tbs);
  br_sha256_init(&h);
  br_sha256_update(&h, body.s, body.len);
  br_sha256_out(&h, hash);
  siglen = br_ecdsa_sign_asn1_get_default()(br_ec_get_default(),
                                            &br_sha256_vtable, hash, signer,
                                            sig);
  if (!siglen)
    abort();
  der_wrap(&body, 0x30, &alg);
  stralloc_append(&bits, 0);
  stralloc_catb(&bits, (const char *)sig, siglen);
  der_wrap(&body, 0x03, &bits);
  out->len = 0;
  der_wrap(out, 0x30, &body);
  stralloc_free(&tbs);
  stralloc_free(&body);
  stralloc_free(&tmp);
  stralloc_free(&alg);
  stralloc_free(&bits);
}

static void
pem_add(stralloc *out, const char *banner, const void *der, size_t len)
{
  size_t n = br_pem_encode(0, der, len, banner, 0);

  if (!stralloc_readyplus(out, n + 1))
    abort();
  br_pem_encode(out->s + out->len, der, len, banner, 0);
  out->len += n;
}

static void
pem_add_sa(stralloc *out, const char *banner, const stralloc *der)
{
  pem_add(out, banner, der->s, der->len);
}

/* The fixture, made once in main. */
static struct eckey ca_key, leaf_key, other_key, wrong_ca_key;
static struct rsakey rsa_key;
static stralloc ca_name, leaf_name, ca_cert, leaf_cert, rsa_cert;
static stralloc wrong_ca_cert;
static stralloc ec_raw, ec_pkcs8, rsa_raw, rsa_pkcs8, other_raw;

/* Private keys in DER, assembled here as for certificates: RFC 8017
 * RSAPrivateKey, RFC 5915 ECPrivateKey, RFC 5958 PKCS#8 around either. */
static void
der_pkcs8(stralloc *out, const char *alg, size_t alglen, const char *param,
          size_t paramlen, unsigned int paramtag, const stralloc *raw)
{
  stralloc body = STRALLOC_ZERO, algid = STRALLOC_ZERO;

  der_add(&body, 0x02, "\0", 1);
  der_add(&algid, 0x06, alg, alglen);
  der_add(&algid, paramtag, param, paramlen);
  der_wrap(&body, 0x30, &algid);
  der_wrap(&body, 0x04, raw);
  out->len = 0;
  der_wrap(out, 0x30, &body);
  stralloc_free(&body);
  stralloc_free(&algid);
}

#define OID_P256 "\x2a\x86\x48\xce\x3d\x03\x01\x07"

static void
der_ec_key(stralloc *out, const struct eckey *k, int pkcs8)
{
  stralloc body = STRALLOC_ZERO, tmp = STRALLOC_ZERO, raw = STRALLOC_ZERO;

  der_add(&body, 0x02, "\x01", 1);
  der_add(&body, 0x04, k->sk.x, k->sk.xlen);
  if (!pkcs8) {
    der_add(&tmp, 0x06, OID_P256, 8);
    der_wrap(&body, 0xa0, &tmp);
  }
  tmp.len = 0;
  stralloc_append(&tmp, 0);
  stralloc_catb(&tmp, (const char *)k->pk.q, k->pk.qlen);
  {
    stralloc bits = STRALLOC_ZERO;

    der_wrap(&bits, 0x03, &tmp);
    der_wrap(&body, 0xa1, &bits);
    stralloc_free(&bits);
  }
  der_wrap(&raw, 0x30, &body);
  if (pkcs8)
    der_pkcs8(out, "\x2a\x86\x48\xce\x3d\x02\x01", 7, OID_P256, 8, 0x06,
              &raw);
  else
    stralloc_copy(out, &raw);
  stralloc_free(&body);
  stralloc_free(&tmp);
  stralloc_free(&raw);
}

static void
der_rsa_key(stralloc *out, const struct rsakey *k, int pkcs8)
{
  stralloc body = STRALLOC_ZERO, raw = STRALLOC_ZERO;

  der_add(&body, 0x02, "\0", 1);
  der_integer(&body, k->pk.n, k->pk.nlen);
  der_integer(&body, k->pk.e, k->pk.elen);
  der_integer(&body, k->d, k->dlen);
  der_integer(&body, k->sk.p, k->sk.plen);
  der_integer(&body, k->sk.q, k->sk.qlen);
  der_integer(&body, k->sk.dp, k->sk.dplen);
  der_integer(&body, k->sk.dq, k->sk.dqlen);
  der_integer(&body, k->sk.iq, k->sk.iqlen);
  der_wrap(&raw, 0x30, &body);
  if (pkcs8)
    der_pkcs8(out, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01", 9, "", 0, 0x05,
              &raw);
  else
    stralloc_copy(out, &raw);
  stralloc_free(&body);
  stralloc_free(&raw);
}

static void
make_fixture(void)
{
  stralloc spki = STRALLOC_ZERO, name = STRALLOC_ZERO;

  br_hmac_drbg_init(&rng, &br_sha256_vtable, "qmail tls unit test", 19);
  ec_make(&ca_key);
  ec_make(&leaf_key);
  ec_make(&other_key);
  ec_make(&wrong_ca_key);
  rsa_make(&rsa_key);

  make_name(&ca_name, "Test", "Test CA");
  spki_ec(&spki, &ca_key.pk);
  make_cert(&ca_cert, &ca_name, &ca_name, &spki, 1, &ca_key.sk);

  make_name(&leaf_name, "Test", "mail.test");
  spki_ec(&spki, &leaf_key.pk);
  make_cert(&leaf_cert, &leaf_name, &ca_name, &spki, 0, &ca_key.sk);

  spki_rsa(&spki, &rsa_key.pk);
  make_cert(&rsa_cert, &leaf_name, &ca_name, &spki, 0, &ca_key.sk);

  /* same name as the real CA, other key: chains must not verify */
  make_name(&name, "Test", "Test CA");
  spki_ec(&spki, &wrong_ca_key.pk);
  make_cert(&wrong_ca_cert, &name, &name, &spki, 1, &wrong_ca_key.sk);

  der_ec_key(&ec_raw, &leaf_key, 0);
  der_ec_key(&ec_pkcs8, &leaf_key, 1);
  der_ec_key(&other_raw, &other_key, 0);
  der_rsa_key(&rsa_raw, &rsa_key, 0);
  der_rsa_key(&rsa_pkcs8, &rsa_key, 1);
  stralloc_free(&spki);
  stralloc_free(&name);
}

static int
contains(const char *s, const char *part)
{
  return strstr(s, part) != 0;
}

/* PEM texts */

static void
text_chain(stralloc *t, const stralloc *leaf)
{
  t->len = 0;
  pem_add_sa(t, "CERTIFICATE", leaf);
  pem_add_sa(t, "CERTIFICATE", &ca_cert);
}

static void
test_chain_order(void)
{
  struct tls_chain chain = TLS_CHAIN_ZERO;
  stralloc t = STRALLOC_ZERO;

  stralloc_copys(&t, "subject=CN = mail.test\n");
  pem_add_sa(&t, "CERTIFICATE", &leaf_cert);
  pem_add_sa(&t, "EC PRIVATE KEY", &ec_raw);
  stralloc_cats(&t, "Bag Attributes\n    friendlyName: ca\n");
  pem_add_sa(&t, "CERTIFICATE", &ca_cert);
  CHECK(tls_chain_parse(&chain, t.s, t.len) == 1);
  CHECK(chain.count == 2);
  if (chain.count == 2) {
    CHECK_MEM((char *)chain.certs[0].data, chain.certs[0].data_len,
              leaf_cert.s, leaf_cert.len);
    CHECK_MEM((char *)chain.certs[1].data, chain.certs[1].data_len,
              ca_cert.s, ca_cert.len);
  }
  CHECK(chain.public_key.key_type == BR_KEYTYPE_EC);
  CHECK_MEM((char *)chain.public_key.key.ec.q, chain.public_key.key.ec.qlen,
            (char *)leaf_key.pk.q, leaf_key.pk.qlen);
  CHECK(chain.issuer_key_type == BR_KEYTYPE_EC);

  /* parsing again replaces the old contents */
  t.len = 0;
  pem_add_sa(&t, "X509 CERTIFICATE", &rsa_cert);
  CHECK(tls_chain_parse(&chain, t.s, t.len) == 1);
  CHECK(chain.count == 1);
  CHECK(chain.public_key.key_type == BR_KEYTYPE_RSA);
  tls_chain_free(&chain);
  CHECK(chain.count == 0 && chain.certs == 0);
  stralloc_free(&t);
}

static void
test_chain_crlf_and_no_final_newline(void)
{
  struct tls_chain chain = TLS_CHAIN_ZERO;
  stralloc t = STRALLOC_ZERO, crlf = STRALLOC_ZERO;
  size_t i;

  text_chain(&t, &leaf_cert);
  for (i = 0; i < t.len; ++i) {
    if (t.s[i] == '\n')
      stralloc_append(&crlf, '\r');
    stralloc_append(&crlf, t.s[i]);
  }
  CHECK(tls_chain_parse(&chain, crlf.s, crlf.len) == 1);
  CHECK(chain.count == 2);
  /* the last END line without its newline still ends the object */
  CHECK(tls_chain_parse(&chain, t.s, t.len - 1) == 1);
  CHECK(chain.count == 2);
  tls_chain_free(&chain);
  stralloc_free(&t);
  stralloc_free(&crlf);
}

static void
test_chain_errors(void)
{
  struct tls_chain chain = TLS_CHAIN_ZERO;
  stralloc t = STRALLOC_ZERO, bad = STRALLOC_ZERO;
  char junk[2000];
  char *end;

  errno = 0;
  CHECK(tls_chain_parse(&chain, "", 0) == 0);
  CHECK(errno == EINVAL);
  CHECK_STR(chain.error, "no certificate found");

  pem_add_sa(&t, "PRIVATE KEY", &ec_pkcs8);
  CHECK(tls_chain_parse(&chain, t.s, t.len) == 0);
  CHECK_STR(chain.error, "no certificate found");

  stralloc_copys(&t, "# comment\n-----BEGIN CERTIFICATE-----\n!!!!\n"
                 "-----END CERTIFICATE-----\n");
  errno = 0;
  CHECK(tls_chain_parse(&chain, t.s, t.len) == 0);
  CHECK(errno == EINVAL);
  CHECK_STR(chain.error, "malformed PEM data near line 4");

  /* cut before the END line */
  t.len = 0;
  pem_add_sa(&t, "CERTIFICATE", &leaf_cert);
  stralloc_0(&t);
  end = strstr(t.s, "-----END");
  CHECK(end != 0);
  if (end) {
    CHECK(tls_chain_parse(&chain, t.s, (size_t)(end - t.s)) == 0);
    CHECK_STR(chain.error, "PEM object has no END line: CERTIFICATE");
  }

  /* DER cut short, first or second in the file */
  stralloc_copyb(&bad, leaf_cert.s, leaf_cert.len - 10);
  t.len = 0;
  pem_add_sa(&t, "CERTIFICATE", &bad);
  CHECK(tls_chain_parse(&chain, t.s, t.len) == 0);
  CHECK(errno == EINVAL);
  CHECK(contains(chain.error, "certificate 1: BR_ERR_X509_"));
  t.len = 0;
  pem_add_sa(&t, "CERTIFICATE", &leaf_cert);
  pem_add_sa(&t, "CERTIFICATE", &bad);
  CHECK(tls_chain_parse(&chain, t.s, t.len) == 0);
  CHECK(contains(chain.error, "certificate 2: BR_ERR_X509_"));
  CHECK(chain.count == 0 && chain.certs == 0);

  /* not DER at all */
  t.len = 0;
  pem_add(&t, "CERTIFICATE", "hello, world", 12);
  CHECK(tls_chain_parse(&chain, t.s, t.len) == 0);
  CHECK(contains(chain.error, "certificate 1: BR_ERR_"));

  /* binary noise: refused, never a crash */
  unit_rand_fill(junk, sizeof junk, 0);
  CHECK(tls_chain_parse(&chain, junk, sizeof junk) == 0);
  CHECK(errno == EINVAL);
  tls_chain_free(&chain);
  stralloc_free(&t);
  stralloc_free(&bad);
}

static void
test_key_formats(void)
{
  static const struct {
    const char *banner;
    const stralloc *der;
    int type;
  } keys[] = {
    { "EC PRIVATE KEY", &ec_raw, BR_KEYTYPE_EC },
    { "PRIVATE KEY", &ec_pkcs8, BR_KEYTYPE_EC },
    { "RSA PRIVATE KEY", &rsa_raw, BR_KEYTYPE_RSA },
    { "PRIVATE KEY", &rsa_pkcs8, BR_KEYTYPE_RSA },
  };
  struct tls_chain ec_chain = TLS_CHAIN_ZERO, rsa_chain = TLS_CHAIN_ZERO;
  struct tls_key key = TLS_KEY_ZERO;
  stralloc t = STRALLOC_ZERO;
  size_t i;

  text_chain(&t, &leaf_cert);
  CHECK(tls_chain_parse(&ec_chain, t.s, t.len));
  text_chain(&t, &rsa_cert);
  CHECK(tls_chain_parse(&rsa_chain, t.s, t.len));
  for (i = 0; i < sizeof keys / sizeof keys[0]; ++i) {
    const struct tls_chain *mine, *theirs;

    t.len = 0;
    pem_add_sa(&t, "CERTIFICATE", &leaf_cert);
    pem_add_sa(&t, keys[i].banner, keys[i].der);
    CHECK(tls_key_parse(&key, t.s, t.len) == 1);
    CHECK(key.type == keys[i].type);
    mine = keys[i].type == BR_KEYTYPE_EC ? &ec_chain : &rsa_chain;
    theirs = keys[i].type == BR_KEYTYPE_EC ? &rsa_chain : &ec_chain;
    CHECK(tls_key_matches(&key, mine) == 1);
    errno = 0;
    CHECK(tls_key_matches(&key, theirs) == 0);
    CHECK(errno == EINVAL);
  }
  CHECK(key.key.rsa.n_bitlen == 1024);

  /* an EC key of the same curve that is not the certificate's */
  t.len = 0;
  pem_add_sa(&t, "EC PRIVATE KEY", &other_raw);
  CHECK(tls_key_parse(&key, t.s, t.len) == 1);
  CHECK(tls_key_matches(&key, &ec_chain) == 0);
  tls_key_free(&key);
  tls_chain_free(&ec_chain);
  tls_chain_free(&rsa_chain);
  stralloc_free(&t);
}

static void
test_key_errors(void)
{
  struct tls_key key = TLS_KEY_ZERO;
  stralloc t = STRALLOC_ZERO, bad = STRALLOC_ZERO;

  CHECK(tls_key_parse(&key, "", 0) == 0);
  CHECK(errno == EINVAL);
  CHECK_STR(key.error, "no private key found");

  pem_add_sa(&t, "CERTIFICATE", &leaf_cert);
  CHECK(tls_key_parse(&key, t.s, t.len) == 0);
  CHECK_STR(key.error, "no private key found");

  t.len = 0;
  pem_add_sa(&t, "EC PRIVATE KEY", &ec_raw);
  pem_add_sa(&t, "PRIVATE KEY", &rsa_pkcs8);
  CHECK(tls_key_parse(&key, t.s, t.len) == 0);
  CHECK_STR(key.error, "more than one private key in the file");
  CHECK(key.type == 0);

  t.len = 0;
  pem_add(&t, "ENCRYPTED PRIVATE KEY", "0123456789", 10);
  CHECK(tls_key_parse(&key, t.s, t.len) == 0);
  CHECK(contains(key.error, "encrypted private keys are not supported"));

  stralloc_copys(&t, "-----BEGIN RSA PRIVATE KEY-----\n"
                 "Proc-Type: 4,ENCRYPTED\n"
                 "DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n"
                 "AAAA\n-----END RSA PRIVATE KEY-----\n");
  CHECK(tls_key_parse(&key, t.s, t.len) == 0);
  CHECK(contains(key.error, "encrypted private keys are not supported"));

  stralloc_copyb(&bad, ec_raw.s, ec_raw.len - 5);
  t.len = 0;
  pem_add_sa(&t, "EC PRIVATE KEY", &bad);
  CHECK(tls_key_parse(&key, t.s, t.len) == 0);
  CHECK(contains(key.error, "private key: BR_ERR_X509_"));

  stralloc_copyb(&bad, rsa_raw.s, rsa_raw.len - 1);
  t.len = 0;
  pem_add_sa(&t, "RSA PRIVATE KEY", &bad);
  CHECK(tls_key_parse(&key, t.s, t.len) == 0);
  CHECK(contains(key.error, "private key: BR_ERR_X509_"));

  /* a certificate's bytes under a key banner */
  t.len = 0;
  pem_add_sa(&t, "PRIVATE KEY", &leaf_cert);
  CHECK(tls_key_parse(&key, t.s, t.len) == 0);
  CHECK(contains(key.error, "private key: BR_ERR_"));
  stralloc_free(&t);
  stralloc_free(&bad);
}

static void
test_key_free_wipes(void)
{
  static struct tls_key key;
  stralloc t = STRALLOC_ZERO;
  size_t i, nonzero = 0;
  const unsigned char *p = (const unsigned char *)&key;

  pem_add_sa(&t, "RSA PRIVATE KEY", &rsa_raw);
  CHECK(tls_key_parse(&key, t.s, t.len) == 1);
  tls_key_free(&key);
  for (i = 0; i < sizeof key; ++i)
    nonzero += p[i] != 0;
  CHECK(nonzero == 0);
  stralloc_free(&t);
}

static void
test_anchors(void)
{
  struct tls_anchors a = TLS_ANCHORS_ZERO;
  stralloc t = STRALLOC_ZERO, bad = STRALLOC_ZERO;

  pem_add_sa(&t, "CERTIFICATE", &ca_cert);
  stralloc_copyb(&bad, ca_cert.s, ca_cert.len / 2);
  pem_add_sa(&t, "CERTIFICATE", &bad);
  pem_add_sa(&t, "CERTIFICATE", &rsa_cert);
  CHECK(tls_anchors_parse(&a, t.s, t.len) == 1);
  CHECK(a.count == 2);
  CHECK(a.skipped == 1);
  if (a.count == 2) {
    CHECK(a.list[0].flags == BR_X509_TA_CA);
    CHECK_MEM((char *)a.list[0].dn.data, a.list[0].dn.len, ca_name.s,
              ca_name.len);
    CHECK(a.list[0].pkey.key_type == BR_KEYTYPE_EC);
    CHECK_MEM((char *)a.list[0].pkey.key.ec.q, a.list[0].pkey.key.ec.qlen,
              (char *)ca_key.pk.q, ca_key.pk.qlen);
    CHECK(a.list[1].flags == 0);
    CHECK(a.list[1].pkey.key_type == BR_KEYTYPE_RSA);
    CHECK_MEM((char *)a.list[1].dn.data, a.list[1].dn.len, leaf_name.s,
              leaf_name.len);
  }

  t.len = 0;
  pem_add_sa(&t, "CERTIFICATE", &bad);
  CHECK(tls_anchors_parse(&a, t.s, t.len) == 0);
  CHECK(errno == EINVAL);
  CHECK_STR(a.error, "no usable CA certificate found"
            " (1 skipped: unsupported or malformed)");
  CHECK(a.count == 0 && a.list == 0);
  CHECK(tls_anchors_parse(&a, "", 0) == 0);
  CHECK_STR(a.error, "no usable CA certificate found");
  tls_anchors_free(&a);
  stralloc_free(&t);
  stralloc_free(&bad);
}

static int
write_file(const char *path, const stralloc *sa)
{
  FILE *f = fopen(path, "w");

  if (!f)
    return 0;
  fwrite(sa->s, 1, sa->len, f);
  return fclose(f) == 0;
}

static void
test_load_files(void)
{
  char dir[] = "/tmp/test_tls.XXXXXX", path[64];
  struct tls_chain chain = TLS_CHAIN_ZERO;
  struct tls_key key = TLS_KEY_ZERO;
  struct tls_anchors a = TLS_ANCHORS_ZERO;
  stralloc t = STRALLOC_ZERO;

  CHECK(mkdtemp(dir) != 0);
  text_chain(&t, &leaf_cert);
  pem_add_sa(&t, "PRIVATE KEY", &ec_pkcs8);
  snprintf(path, sizeof path, "%s/servercert.pem", dir);
  CHECK(write_file(path, &t));
  CHECK(tls_chain_load(&chain, path) == 1 && chain.count == 2);
  CHECK(tls_key_load(&key, path) == 1 && key.type == BR_KEYTYPE_EC);
  CHECK(tls_key_matches(&key, &chain) == 1);
  CHECK(tls_anchors_load(&a, path) == 1 && a.count == 2);

  snprintf(path, sizeof path, "%s/missing.pem", dir);
  errno = 0;
  CHECK(tls_chain_load(&chain, path) == 0 && errno == ENOENT);
  CHECK_STR(chain.error, "");
  errno = 0;
  CHECK(tls_key_load(&key, path) == 0 && errno == ENOENT);
  errno = 0;
  CHECK(tls_anchors_load(&a, path) == 0 && errno == ENOENT);
  tls_chain_free(&chain);
  tls_key_free(&key);
  tls_anchors_free(&a);
  stralloc_free(&t);
  CHECK(unit_rmtree(dir));
}

/* Subject names */

static const char *
dn_text(const stralloc *name)
{
  static char out[512];

  if (!tls_dn_format(out, sizeof out, (const unsigned char *)name->s,
                     name->len))
    return "(failed)";
  return out;
}

static void
test_dn_format(void)
{
  stralloc rdns = STRALLOC_ZERO, name = STRALLOC_ZERO, set = STRALLOC_ZERO;
  char small[12];

  CHECK_STR(dn_text(&leaf_name), "CN=mail.test,O=Test");

  rdn(&rdns, OID_CN, 0x0c, "a,b+c\"d\\e<f>g;h=i", 17);
  der_wrap(&name, 0x30, &rdns);
  CHECK_STR(dn_text(&name), "CN=a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h\\=i");

  rdns.len = name.len = 0;
  rdn(&rdns, OID_CN, 0x13, " #x ", 4);
  rdn(&rdns, OID_O, 0x16, "#y", 2);
  der_wrap(&name, 0x30, &rdns);
  CHECK_STR(dn_text(&name), "O=\\#y,CN=\\ #x\\ ");

  /* control bytes and UTF-8 as \XX; BMPString converted to UTF-8 */
  rdns.len = name.len = 0;
  rdn(&rdns, OID_CN, 0x0c, "a\x01\xc3\xa9\n", 5);
  rdn(&rdns, OID_O, 0x1e, "\0\xe9\0A", 4);
  der_wrap(&name, 0x30, &rdns);
  CHECK_STR(dn_text(&name), "O=\\C3\\A9A,CN=a\\01\\C3\\A9\\0A");

  /* a multi-valued RDN, an unknown type, a value that is no string */
  rdns.len = name.len = 0;
  attribute(&set, OID_OU, 0x0c, "x", 1);
  attribute(&set, OID_CN, 0x0c, "y", 1);
  der_wrap(&rdns, 0x31, &set);
  rdn(&rdns, "\x2a\x03\x04", 0x0c, "v", 1);
  rdn(&rdns, OID_CN, 0x02, "\x05", 1);
  der_wrap(&name, 0x30, &rdns);
  CHECK_STR(dn_text(&name), "CN=#020105,1.2.3.4=v,OU=x+CN=y");

  /* long values (long-form lengths) and cutting to fit */
  {
    char big[300];

    memset(big, 'z', sizeof big);
    rdns.len = name.len = 0;
    rdn(&rdns, OID_CN, 0x0c, big, sizeof big);
    der_wrap(&name, 0x30, &rdns);
    CHECK(strlen(dn_text(&name)) == 303);
    CHECK(tls_dn_format(small, sizeof small, (unsigned char *)name.s,
                        name.len) == 1);
    CHECK_STR(small, "CN=zzzzz...");
    CHECK(tls_dn_format(small, 1, (unsigned char *)name.s, name.len) == 1);
    CHECK_STR(small, "");
  }

  /* empty and malformed names */
  CHECK(tls_dn_format(small, sizeof small, (unsigned char *)"\x30\x00", 2)
        == 1);
  CHECK_STR(small, "");
  errno = 0;
  CHECK(tls_dn_format(small, sizeof small, (unsigned char *)"\x30\x05\x31",
                      3) == 0);
  CHECK(errno == EINVAL);
  CHECK_STR(small, "");
  CHECK(tls_dn_format(small, sizeof small,
                      (unsigned char *)"\x30\x02\x30\x00", 4) == 0);
  CHECK(tls_dn_format(small, sizeof small,
                      (unsigned char *)"\x30\x84\xff\xff\xff\xff", 6) == 0);
  CHECK(tls_dn_format(small, sizeof small,
                      (unsigned char *)"\x30\x02\x31\x00\x00", 5) == 0);
  stralloc_free(&rdns);
  stralloc_free(&name);
  stralloc_free(&set);
}

/* Names of errors and suites */

static void
test_error_names(void)
{
  char s[TLS_ERROR_FMT + 1];
  int code;

  CHECK_STR(tls_error_name(BR_ERR_X509_NOT_TRUSTED), "BR_ERR_X509_NOT_TRUSTED");
  CHECK_STR(tls_error_name(BR_ERR_X509_BAD_SERVER_NAME),
            "BR_ERR_X509_BAD_SERVER_NAME");
  CHECK_STR(tls_error_name(BR_ERR_BAD_MAC), "BR_ERR_BAD_MAC");
  CHECK_STR(tls_error_name(BR_ERR_OK), "BR_ERR_OK");
  CHECK_STR(tls_error_name(11), "BR_ERR_UNKNOWN");
  CHECK_STR(tls_error_name(BR_ERR_RECV_FATAL_ALERT + 40),
            "BR_ERR_RECV_FATAL_ALERT");
  CHECK_STR(tls_error_name(BR_ERR_SEND_FATAL_ALERT + 70),
            "BR_ERR_SEND_FATAL_ALERT");
  CHECK_STR(tls_error_text(BR_ERR_X509_EXPIRED),
            "a certificate is expired or not yet valid");

  s[tls_error_fmt(s, BR_ERR_X509_NOT_TRUSTED)] = 0;
  CHECK_STR(s, "BR_ERR_X509_NOT_TRUSTED (the certificate chain does not"
            " lead to a trusted CA)");
  s[tls_error_fmt(s, BR_ERR_RECV_FATAL_ALERT + 40)] = 0;
  CHECK_STR(s, "BR_ERR_RECV_FATAL_ALERT (the peer sent the fatal alert"
            " handshake_failure, 40)");
  s[tls_error_fmt(s, BR_ERR_SEND_FATAL_ALERT + 200)] = 0;
  CHECK_STR(s, "BR_ERR_SEND_FATAL_ALERT (sent the peer the fatal alert"
            " 200)");
  s[tls_error_fmt(s, 999)] = 0;
  CHECK_STR(s, "BR_ERR_UNKNOWN (error code not known to BearSSL 0.6: 999)");
  s[tls_error_fmt(s, -5)] = 0;
  CHECK_STR(s, "BR_ERR_UNKNOWN (error code not known to BearSSL 0.6: -5)");

  /* every code fits, and a null s measures exactly */
  for (code = -2; code < 1100; ++code) {
    size_t n = tls_error_fmt(0, code);

    CHECK(n <= TLS_ERROR_FMT);
    if (n <= TLS_ERROR_FMT)
      CHECK(tls_error_fmt(s, code) == n);
  }
  /* the X.509 codes BearSSL defines all have names */
  for (code = BR_ERR_X509_OK; code <= BR_ERR_X509_NOT_TRUSTED; ++code)
    if (code != 61)
      CHECK(strcmp(tls_error_name(code), "BR_ERR_UNKNOWN") != 0);
}

static void
test_suite_names(void)
{
  CHECK_STR(tls_suite_name(BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256),
            "ECDHE-RSA-AES128-GCM-SHA256");
  CHECK_STR(tls_suite_name(BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256),
            "ECDHE-ECDSA-CHACHA20-POLY1305");
  CHECK_STR(tls_suite_name(BR_TLS_RSA_WITH_AES_256_CBC_SHA), "AES256-SHA");
  CHECK_STR(tls_suite_name(BR_TLS_RSA_WITH_RC4_128_SHA), "unknown");
}

/* Handshakes: a server in a child process on one end of a socket pair,
 * the client here on the other. */

static struct tls tls;
static struct tls_chain ec_chain, rsa_chain;
static struct tls_key ec_key, rsa_priv;
static struct tls_anchors ca_anchors, wrong_anchors;

#define SERVER_ECHO 0       /* echo lines until the end */
#define SERVER_CLOSE 1      /* close_notify at once */
#define SERVER_VANISH 2     /* exit without close_notify */
#define SERVER_SILENT 3     /* say nothing for 3 seconds */

/* The child's exit status: 0 fine, 1 EPROTO, 2 ETIMEDOUT, 3 ECONNRESET,
 * 4 anything else. */
static pid_t
server_start(const int sv[2], const struct tls_chain *chain,
             const struct tls_key *key, int behaviour)
{
  int fd = sv[1];
  pid_t pid;

  fflush(stdout);
  pid = fork();
  if (pid != 0) {
    close(sv[1]);
    return pid;
  }
  close(sv[0]);
  alarm(20);
  if (!tls_server_start(&tls, fd, fd, chain, key, 5, 5))
    _exit(errno == EPROTO ? 1 : errno == ETIMEDOUT ? 2
          : errno == ECONNRESET ? 3 : 4);
  if (behaviour == SERVER_CLOSE)
    _exit(tls_close(&tls) ? 0 : 4);
  if (behaviour == SERVER_VANISH)
    _exit(0);
  if (behaviour == SERVER_SILENT) {
    sleep(3);
    _exit(0);
  }
  {
    char inspace[256], outspace[256];
    buffer in = BUFFER_INIT(tls_bufread, fd, &tls, inspace, sizeof inspace);
    buffer out = BUFFER_INIT(tls_bufwrite, fd, &tls, outspace,
                             sizeof outspace);
    stralloc line = STRALLOC_ZERO;
    int r;

    while ((r = buffer_getline(&in, &line, '\n')) == 1) {
      if (!buffer_putflush(&out, line.s, line.len))
        _exit(4);
      line.len = 0;
    }
    _exit(r == 0 && tls_close(&tls) ? 0 : 4);
  }
}

static int
server_status(pid_t pid)
{
  int status;

  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
    return -1;
  return WEXITSTATUS(status);
}

static int
pair(int sv[2])
{
  return socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0;
}

static void
test_handshake_verified(void)
{
  char inspace[64], outspace[64];
  stralloc line = STRALLOC_ZERO;
  int sv[2];
  pid_t pid;

  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  pid = server_start(sv, &ec_chain, &ec_key, SERVER_ECHO);
  CHECK(tls_client_start(&tls, sv[0], sv[0], "mail.test", &ca_anchors,
                         TLS_VERIFY, 5, 5) == 1);
  CHECK_STR(tls_error(&tls), "");
  CHECK(tls_verified(&tls) == 1 && tls_verify_error(&tls) == 0);
  CHECK_STR(tls_version_name(&tls), "TLSv1.2");
  CHECK_STR(tls_cipher_name(&tls), "ECDHE-ECDSA-AES128-GCM-SHA256");
  CHECK_STR(tls_peer_subject(&tls), "CN=mail.test,O=Test");
  CHECK_STR(tls_server_name(&tls), "mail.test");
  CHECK(tls_peer_chain_length(&tls) == 2);
  {
    buffer in = BUFFER_INIT(tls_bufread, sv[0], &tls, inspace,
                            sizeof inspace);
    buffer out = BUFFER_INIT(tls_bufwrite, sv[0], &tls, outspace,
                             sizeof outspace);

    CHECK(buffer_putsflush(&out, "hello\nworld\n"));
    CHECK(buffer_getline(&in, &line, '\n') == 1);
    CHECK_SA(line, "hello\n");
    line.len = 0;
    CHECK(buffer_getline(&in, &line, '\n') == 1);
    CHECK_SA(line, "world\n");
    CHECK(tls_close(&tls) == 1);
    line.len = 0;
    CHECK(buffer_getline(&in, &line, '\n') == 0);
  }
  close(sv[0]);
  CHECK(server_status(pid) == 0);
  stralloc_free(&line);
}

static void
test_handshake_rsa(void)
{
  int sv[2];
  pid_t pid;

  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  pid = server_start(sv, &rsa_chain, &rsa_priv, SERVER_CLOSE);
  CHECK(tls_client_start(&tls, sv[0], sv[0], "mail.test", &ca_anchors,
                         TLS_VERIFY, 5, 5) == 1);
  CHECK_STR(tls_cipher_name(&tls), "ECDHE-RSA-AES128-GCM-SHA256");
  {
    char c;

    /* close_notify from the server reads as the end */
    CHECK(tls_bufread(sv[0], &c, 1, &tls) == 0);
    CHECK_STR(tls_error(&tls), "");
  }
  close(sv[0]);
  CHECK(server_status(pid) == 0);
}

/* A client start that must fail with errno want and an error naming
 * what. */
static void
client_fails(const char *name, const struct tls_anchors *anchors, int mode,
             int want, const char *what)
{
  int sv[2];
  pid_t pid;

  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  pid = server_start(sv, &ec_chain, &ec_key, SERVER_ECHO);
  errno = 0;
  CHECK(tls_client_start(&tls, sv[0], sv[0], name, anchors, mode, 5, 5)
        == 0);
  CHECK(errno == want);
  CHECK(contains(tls_error(&tls), what));
  if (!contains(tls_error(&tls), what))
    printf("# error was: %s\n", tls_error(&tls));
  /* later I/O reports the same failure */
  {
    char c;

    errno = 0;
    CHECK(tls_bufread(sv[0], &c, 1, &tls) == -1 && errno == want);
  }
  close(sv[0]);
  CHECK(server_status(pid) == 3);
}

static void
test_handshake_refused(void)
{
  client_fails("other.test", &ca_anchors, TLS_VERIFY, EPROTO,
               "TLS handshake failed: BR_ERR_X509_BAD_SERVER_NAME (");
  client_fails("mail.test", &wrong_anchors, TLS_VERIFY, EPROTO,
               "TLS handshake failed: BR_ERR_X509_NOT_TRUSTED (");
}

static void
test_handshake_opportunistic(void)
{
  int sv[2];
  pid_t pid;

  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  pid = server_start(sv, &ec_chain, &ec_key, SERVER_CLOSE);
  CHECK(tls_client_start(&tls, sv[0], sv[0], "mail.test", &wrong_anchors,
                         TLS_OPPORTUNISTIC, 5, 5) == 1);
  CHECK(tls_verified(&tls) == 0);
  CHECK(tls_verify_error(&tls) == BR_ERR_X509_NOT_TRUSTED);
  CHECK_STR(tls_peer_subject(&tls), "CN=mail.test,O=Test");
  close(sv[0]);
  CHECK(server_status(pid) == 0);

  /* no anchors at all, and an address for a name: no SNI, no check */
  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  pid = server_start(sv, &rsa_chain, &rsa_priv, SERVER_CLOSE);
  CHECK(tls_client_start(&tls, sv[0], sv[0], "192.0.2.1", 0,
                         TLS_OPPORTUNISTIC, 5, 5) == 1);
  CHECK(tls_verified(&tls) == 0);
  CHECK(tls_verify_error(&tls) == BR_ERR_X509_NOT_TRUSTED);
  CHECK_STR(tls_server_name(&tls), "192.0.2.1");
  close(sv[0]);
  CHECK(server_status(pid) == 0);
}

static void
test_client_arguments(void)
{
  errno = 0;
  CHECK(tls_client_start(&tls, -1, -1, 0, &ca_anchors, TLS_VERIFY, 1, 1)
        == 0);
  CHECK(errno == EINVAL);
  CHECK_STR(tls_error(&tls),
            "TLS setup failed: verification needs the server's host name");
  CHECK(tls_client_start(&tls, -1, -1, "[192.0.2.1]", &ca_anchors,
                         TLS_VERIFY, 1, 1) == 0);
  CHECK(errno == EINVAL);
  CHECK(tls_client_start(&tls, -1, -1, "2001:db8::1", &ca_anchors,
                         TLS_VERIFY, 1, 1) == 0);
  CHECK(tls_client_start(&tls, -1, -1, "mail.test", 0, TLS_VERIFY, 1, 1)
        == 0);
  CHECK_STR(tls_error(&tls),
            "TLS setup failed: verification needs trust anchors");
  CHECK(tls_client_start(&tls, -1, -1, "mail.test", &ca_anchors, 7, 1, 1)
        == 0);
  CHECK(errno == EINVAL);
}

static long long
elapsed_ms(const struct timespec *start)
{
  struct timespec now;

  clock_gettime(CLOCK_MONOTONIC, &now);
  return (now.tv_sec - start->tv_sec) * 1000LL
         + (now.tv_nsec - start->tv_nsec) / 1000000;
}

static void
test_server_timeout(void)
{
  struct timespec start;
  long long ms;
  int sv[2];

  /* the client sends half a ClientHello record header and stops */
  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  CHECK(write(sv[0], "\x16\x03\x01\x02", 4) == 4);
  clock_gettime(CLOCK_MONOTONIC, &start);
  errno = 0;
  CHECK(tls_server_start(&tls, sv[1], sv[1], &ec_chain, &ec_key, 1, 1)
        == 0);
  ms = elapsed_ms(&start);
  CHECK(errno == ETIMEDOUT);
  CHECK(ms >= 900 && ms < 3000);
  CHECK_STR(tls_error(&tls), "TLS handshake timed out after 1 second");
  close(sv[0]);
  close(sv[1]);
}

static void
test_server_garbage(void)
{
  int sv[2];

  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  CHECK(write(sv[0], "EHLO example.org\r\nMAIL FROM:<a@b>\r\n", 35) == 35);
  errno = 0;
  CHECK(tls_server_start(&tls, sv[1], sv[1], &ec_chain, &ec_key, 2, 2)
        == 0);
  CHECK(errno == EPROTO);
  CHECK(contains(tls_error(&tls), "TLS handshake failed: BR_ERR_"));
  close(sv[0]);
  close(sv[1]);

  /* a peer that closes before saying anything */
  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  close(sv[0]);
  errno = 0;
  CHECK(tls_server_start(&tls, sv[1], sv[1], &ec_chain, &ec_key, 2, 2)
        == 0);
  CHECK(errno == ECONNRESET);
  CHECK_STR(tls_error(&tls),
            "TLS handshake failed: the peer closed the connection");
  close(sv[1]);
}

static void
test_read_timeout_and_vanishing_peer(void)
{
  struct timespec start;
  char c;
  int sv[2];
  pid_t pid;

  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  pid = server_start(sv, &ec_chain, &ec_key, SERVER_SILENT);
  CHECK(tls_client_start(&tls, sv[0], sv[0], "mail.test", &ca_anchors,
                         TLS_VERIFY, 5, 1) == 1);
  clock_gettime(CLOCK_MONOTONIC, &start);
  errno = 0;
  CHECK(tls_bufread(sv[0], &c, 1, &tls) == -1);
  CHECK(errno == ETIMEDOUT);
  CHECK(elapsed_ms(&start) < 2500);
  CHECK_STR(tls_error(&tls), "TLS read timed out after 1 second");
  errno = 0;
  CHECK(tls_bufwrite(sv[0], "x", 1, &tls) == -1 && errno == ETIMEDOUT);
  close(sv[0]);
  CHECK(server_status(pid) == 0);

  /* the end of the connection without close_notify also reads as 0 */
  if (!pair(sv)) {
    CHECK(0);
    return;
  }
  pid = server_start(sv, &ec_chain, &ec_key, SERVER_VANISH);
  CHECK(tls_client_start(&tls, sv[0], sv[0], "mail.test", &ca_anchors,
                         TLS_VERIFY, 5, 5) == 1);
  CHECK(tls_bufread(sv[0], &c, 1, &tls) == 0);
  CHECK(tls_bufread(sv[0], &c, 1, &tls) == 0);
  errno = 0;
  CHECK(tls_bufwrite(sv[0], "x", 1, &tls) == -1);
  close(sv[0]);
  CHECK(server_status(pid) == 0);
}

static void
load_handshake_fixture(void)
{
  stralloc t = STRALLOC_ZERO;

  text_chain(&t, &leaf_cert);
  pem_add_sa(&t, "EC PRIVATE KEY", &ec_raw);
  if (!tls_chain_parse(&ec_chain, t.s, t.len)
      || !tls_key_parse(&ec_key, t.s, t.len))
    abort();
  text_chain(&t, &rsa_cert);
  pem_add_sa(&t, "RSA PRIVATE KEY", &rsa_raw);
  if (!tls_chain_parse(&rsa_chain, t.s, t.len)
      || !tls_key_parse(&rsa_priv, t.s, t.len))
    abort();
  t.len = 0;
  pem_add_sa(&t, "CERTIFICATE", &ca_cert);
  if (!tls_anchors_parse(&ca_anchors, t.s, t.len))
    abort();
  t.len = 0;
  pem_add_sa(&t, "CERTIFICATE", &wrong_ca_cert);
  if (!tls_anchors_parse(&wrong_anchors, t.s, t.len))
    abort();
  stralloc_free(&t);
}

int
main(void)
{
  signal(SIGPIPE, SIG_IGN);
  make_fixture();
  RUN(test_chain_order);
  RUN(test_chain_crlf_and_no_final_newline);
  RUN(test_chain_errors);
  RUN(test_key_formats);
  RUN(test_key_errors);
  RUN(test_key_free_wipes);
  RUN(test_anchors);
  RUN(test_load_files);
  RUN(test_dn_format);
  RUN(test_error_names);
  RUN(test_suite_names);
  load_handshake_fixture();
  RUN(test_handshake_verified);
  RUN(test_handshake_rsa);
  RUN(test_handshake_refused);
  RUN(test_handshake_opportunistic);
  RUN(test_client_arguments);
  RUN(test_server_timeout);
  RUN(test_server_garbage);
  RUN(test_read_timeout_and_vanishing_peer);
  return unit_done();
}
