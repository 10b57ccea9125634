/* tls_anchors.c -- trust anchors from a PEM CA bundle; see tls.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "readfile.h"
#include "tls_internal.h"

struct anchor_record {
  size_t dn, dn_len;
  size_t k1, k1_len;    /* RSA modulus, or EC point */
  size_t k2, k2_len;    /* RSA exponent */
  int key_type;
  int curve;
  unsigned int flags;
};

struct anchors_build {
  struct tls_anchors *a;
  stralloc records;
  int nomem;
};

static void
anchor_keep_dn(void *ctx, const void *buf, size_t len)
{
  struct anchors_build *b = ctx;

  if (!b->nomem && !stralloc_catb(&b->a->data, buf, len))
    b->nomem = 1;
}

static int
anchor_object(void *ctx, const char *name, const unsigned char *der,
              size_t len)
{
  struct anchors_build *b = ctx;
  struct tls_anchors *a = b->a;
  br_x509_decoder_context dc;
  const br_x509_pkey *pk;
  struct anchor_record r;

  (void)name;
  memset(&r, 0, sizeof r);
  r.dn = a->data.len;
  b->nomem = 0;
  br_x509_decoder_init(&dc, anchor_keep_dn, b);
  br_x509_decoder_push(&dc, der, len);
  if (b->nomem) {
    errno = ENOMEM;
    return 0;
  }
  pk = br_x509_decoder_get_pkey(&dc);
  if (!pk || (pk->key_type != BR_KEYTYPE_RSA && pk->key_type != BR_KEYTYPE_EC)) {
    a->data.len = r.dn;
    ++a->skipped;
    return 1;
  }
  r.dn_len = a->data.len - r.dn;
  r.key_type = pk->key_type;
  r.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
  r.k1 = a->data.len;
  if (pk->key_type == BR_KEYTYPE_RSA) {
    r.k1_len = pk->key.rsa.nlen;
    r.k2 = r.k1 + r.k1_len;
    r.k2_len = pk->key.rsa.elen;
    if (!stralloc_catb(&a->data, (const char *)pk->key.rsa.n, r.k1_len)
        || !stralloc_catb(&a->data, (const char *)pk->key.rsa.e, r.k2_len))
      return 0;
  } else {
    r.curve = pk->key.ec.curve;
    r.k1_len = pk->key.ec.qlen;
    if (!stralloc_catb(&a->data, (const char *)pk->key.ec.q, r.k1_len))
      return 0;
  }
  if (!stralloc_catb(&b->records, (const char *)&r, sizeof r))
    return 0;
  ++a->count;
  return 1;
}

void
tls_anchors_free(struct tls_anchors *a)
{
  free(a->list);
  stralloc_free(&a->data);
  memset(a, 0, sizeof *a);
}

int
tls_anchors_parse(struct tls_anchors *a, const char *text, size_t len)
{
  struct anchors_build b;
  struct tls_pem_walk w;
  size_t i;
  int ok;

  tls_anchors_free(a);
  b.a = a;
  b.records = (stralloc)STRALLOC_ZERO;
  b.nomem = 0;
  w.names = tls_pem_certificate_names;
  w.object = anchor_object;
  w.ctx = &b;
  w.error = a->error;
  w.der = (stralloc)STRALLOC_ZERO;
  ok = tls_pem_walk(&w, text, len);
  stralloc_free(&w.der);
  if (ok && a->count == 0) {
    a->error[0] = 0;
    tls_pem_error_cat(a->error, "no usable CA certificate found");
    if (a->skipped) {
      tls_pem_error_cat(a->error, " (");
      tls_pem_error_num(a->error, a->skipped);
      tls_pem_error_cat(a->error, " skipped: unsupported or malformed)");
    }
    errno = EINVAL;
    ok = 0;
  }
  if (ok) {
    a->list = malloc(a->count * sizeof *a->list);
    if (!a->list) {
      errno = ENOMEM;
      ok = 0;
    }
  }
  for (i = 0; ok && i < a->count; ++i) {
    struct anchor_record r;
    br_x509_trust_anchor *ta = &a->list[i];
    unsigned char *base = (unsigned char *)a->data.s;

    memcpy(&r, b.records.s + i * sizeof r, sizeof r);
    ta->dn.data = base + r.dn;
    ta->dn.len = r.dn_len;
    ta->flags = r.flags;
    ta->pkey.key_type = (unsigned char)r.key_type;
    if (r.key_type == BR_KEYTYPE_RSA) {
      ta->pkey.key.rsa.n = base + r.k1;
      ta->pkey.key.rsa.nlen = r.k1_len;
      ta->pkey.key.rsa.e = base + r.k2;
      ta->pkey.key.rsa.elen = r.k2_len;
    } else {
      ta->pkey.key.ec.curve = r.curve;
      ta->pkey.key.ec.q = base + r.k1;
      ta->pkey.key.ec.qlen = r.k1_len;
    }
  }
  stralloc_free(&b.records);
  if (!ok) {
    int saved = errno;
    char error[sizeof a->error];

    memcpy(error, a->error, sizeof error);
    tls_anchors_free(a);
    memcpy(a->error, error, sizeof error);
    errno = saved;
  }
  return ok;
}

int
tls_anchors_load(struct tls_anchors *a, const char *path)
{
  stralloc text = STRALLOC_ZERO;
  int ok = readfile(path, &text);

  if (ok)
    ok = tls_anchors_parse(a, text.s, text.len);
  else
    a->error[0] = 0;
  stralloc_free(&text);
  return ok;
}
