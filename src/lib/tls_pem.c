/* tls_pem.c -- reading PEM text, for the key and anchor loaders too
 * (tls_internal.h), and certificate chains; see tls.h.
 *
 * BearSSL decodes PEM and DER without allocating; what is kept lives in
 * one stralloc per object, and the BearSSL structures pointing into it
 * are filled in at the end, once the stralloc no longer moves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "readfile.h"
#include "tls_internal.h"

/* Memory that held a private key is cleared before it is given back;
 * the volatile pointer keeps the compiler from skipping the stores. */
void
tls_pem_wipe(void *p, size_t n)
{
  volatile unsigned char *v = p;

  while (n--)
    *v++ = 0;
}

void
tls_pem_wipe_free(stralloc *sa)
{
  if (sa->s)
    tls_pem_wipe(sa->s, sa->a);
  stralloc_free(sa);
}

/* Messages in the caller's error[128]. */
void
tls_pem_error_cat(char *error, const char *s)
{
  size_t len = strlen(error);
  size_t n = strlen(s);

  if (n > 127 - len)
    n = 127 - len;
  memcpy(error + len, s, n);
  error[len + n] = 0;
}

void
tls_pem_error_num(char *error, unsigned long n)
{
  char num[FMT_ULONG];

  num[fmt_ulong(num, n)] = 0;
  tls_pem_error_cat(error, num);
}

int
tls_pem_invalid(char *error, const char *s1, const char *s2)
{
  error[0] = 0;
  tls_pem_error_cat(error, s1);
  if (s2)
    tls_pem_error_cat(error, s2);
  errno = EINVAL;
  return 0;
}

int
tls_pem_invalid_code(char *error, const char *what, int code)
{
  char text[TLS_ERROR_FMT];

  text[tls_error_fmt(text, code)] = 0;
  return tls_pem_invalid(error, what, text);
}

/* Walking the objects of a PEM text. */

static void
pem_collect(void *ctx, const void *buf, size_t len)
{
  struct tls_pem_walk *w = ctx;

  if (!w->nomem && !stralloc_catb(&w->der, buf, len))
    w->nomem = 1;
}

static int
wanted(const char *const *names, const char *name)
{
  for (; *names; ++names)
    if (strcmp(*names, name) == 0)
      return 1;
  return 0;
}

static unsigned long
line_of(const char *text, size_t pos)
{
  unsigned long line = 1;
  size_t i;

  for (i = 0; i < pos; ++i)
    if (text[i] == '\n')
      ++line;
  return line;
}

/* BearSSL 0.6 leaves the closing dashes in the name when the BEGIN
 * line ends in CR LF ("CERTIFICATE-----"). */
static void
trim_name(char *name)
{
  size_t n = strlen(name);

  while (n && (name[n - 1] == '-' || name[n - 1] == ' '
               || name[n - 1] == '\r'))
    name[--n] = 0;
}

/* Feed text (then one final newline, so that a last END line without
 * one still counts) to BearSSL's PEM decoder; call w->object for every
 * complete object whose name is in w->names.  Returns 1, or 0 with
 * errno set and w->error filled in. */
int
tls_pem_walk(struct tls_pem_walk *w, const char *text, size_t len)
{
  br_pem_decoder_context pem;
  char name[sizeof pem.name];
  size_t pos = 0;
  int in_object = 0, collecting = 0, ended = 0, ok = 1;

  br_pem_decoder_init(&pem);
  w->der.len = 0;
  w->nomem = 0;
  while (ok && !ended) {
    const char *chunk = pos < len ? text + pos : "\n";
    size_t n = pos < len ? len - pos : 1;
    size_t used = br_pem_decoder_push(&pem, chunk, n);
    int event = br_pem_decoder_event(&pem);

    if (pos < len)
      pos += used;
    else if (used)
      ended = 1;
    switch (event) {
    case BR_PEM_BEGIN_OBJ:
      memcpy(name, br_pem_decoder_name(&pem), sizeof name);
      name[sizeof name - 1] = 0;
      trim_name(name);
      in_object = 1;
      collecting = wanted(w->names, name);
      w->der.len = 0;
      w->nomem = 0;
      br_pem_decoder_setdest(&pem, collecting ? pem_collect : 0, w);
      break;
    case BR_PEM_END_OBJ:
      in_object = 0;
      if (!collecting)
        break;
      if (w->nomem) {
        w->error[0] = 0;
        errno = ENOMEM;
        ok = 0;
        break;
      }
      ok = w->object(w->ctx, name, (unsigned char *)w->der.s, w->der.len);
      break;
    case BR_PEM_ERROR:
      w->error[0] = 0;
      tls_pem_error_cat(w->error, "malformed PEM data near line ");
      tls_pem_error_num(w->error, line_of(text, pos));
      errno = EINVAL;
      ok = 0;
      break;
    default:
      if (!used) {    /* cannot happen: no event, nothing taken */
        ok = tls_pem_invalid(w->error, "PEM decoder made no progress", 0);
      }
    }
  }
  if (ok && in_object)
    ok = tls_pem_invalid(w->error, "PEM object has no END line: ", name);
  tls_pem_wipe(&pem, sizeof pem);
  return ok;
}

/* Public keys are copied out of the decoder that found them. */
static int
copy_public_key(br_x509_pkey *to, unsigned char *data, size_t size,
                const br_x509_pkey *from)
{
  to->key_type = from->key_type;
  if (from->key_type == BR_KEYTYPE_RSA) {
    const br_rsa_public_key *k = &from->key.rsa;

    if (k->nlen > size || k->elen > size - k->nlen)
      return 0;
    memcpy(data, k->n, k->nlen);
    memcpy(data + k->nlen, k->e, k->elen);
    to->key.rsa.n = data;
    to->key.rsa.nlen = k->nlen;
    to->key.rsa.e = data + k->nlen;
    to->key.rsa.elen = k->elen;
    return 1;
  }
  if (from->key_type == BR_KEYTYPE_EC) {
    const br_ec_public_key *k = &from->key.ec;

    if (k->qlen > size)
      return 0;
    memcpy(data, k->q, k->qlen);
    to->key.ec.curve = k->curve;
    to->key.ec.q = data;
    to->key.ec.qlen = k->qlen;
    return 1;
  }
  return 0;
}

/* Certificate chains. */

const char *const tls_pem_certificate_names[] = {
  "CERTIFICATE", "X509 CERTIFICATE", 0
};

struct chain_build {
  struct tls_chain *chain;
  stralloc offsets;             /* size_t pairs: start, length */
};

static int
chain_object(void *ctx, const char *name, const unsigned char *der,
             size_t len)
{
  struct chain_build *b = ctx;
  struct tls_chain *chain = b->chain;
  br_x509_decoder_context dc;
  size_t where[2];
  int err;

  (void)name;
  br_x509_decoder_init(&dc, 0, 0);
  br_x509_decoder_push(&dc, der, len);
  err = br_x509_decoder_last_error(&dc);
  if (err) {
    char what[128];

    what[0] = 0;
    tls_pem_error_cat(what, "certificate ");
    tls_pem_error_num(what, chain->count + 1);
    tls_pem_error_cat(what, ": ");
    return tls_pem_invalid_code(chain->error, what, err);
  }
  if (chain->count == 0) {
    if (!copy_public_key(&chain->public_key, chain->public_key_data,
                         sizeof chain->public_key_data,
                         br_x509_decoder_get_pkey(&dc)))
      return tls_pem_invalid(chain->error, "certificate 1: unsupported public key", 0);
    chain->issuer_key_type = br_x509_decoder_get_signer_key_type(&dc);
  }
  where[0] = chain->der.len;
  where[1] = len;
  if (!stralloc_catb(&chain->der, (const char *)der, len)
      || !stralloc_catb(&b->offsets, (const char *)where, sizeof where))
    return 0;
  ++chain->count;
  return 1;
}

void
tls_chain_free(struct tls_chain *chain)
{
  free(chain->certs);
  stralloc_free(&chain->der);
  memset(chain, 0, sizeof *chain);
}

int
tls_chain_parse(struct tls_chain *chain, const char *text, size_t len)
{
  struct chain_build b;
  struct tls_pem_walk w;
  const size_t *where;
  size_t i;
  int ok;

  tls_chain_free(chain);
  b.chain = chain;
  b.offsets = (stralloc)STRALLOC_ZERO;
  w.names = tls_pem_certificate_names;
  w.object = chain_object;
  w.ctx = &b;
  w.error = chain->error;
  w.der = (stralloc)STRALLOC_ZERO;
  ok = tls_pem_walk(&w, text, len);
  stralloc_free(&w.der);
  if (ok && chain->count == 0)
    ok = tls_pem_invalid(chain->error, "no certificate found", 0);
  if (ok) {
    chain->certs = malloc(chain->count * sizeof *chain->certs);
    if (!chain->certs) {
      errno = ENOMEM;
      ok = 0;
    }
  }
  if (ok) {
    where = (const size_t *)(void *)b.offsets.s;
    for (i = 0; i < chain->count; ++i) {
      chain->certs[i].data = (unsigned char *)chain->der.s + where[2 * i];
      chain->certs[i].data_len = where[2 * i + 1];
    }
  }
  stralloc_free(&b.offsets);
  if (!ok) {
    int saved = errno;
    char error[sizeof chain->error];

    memcpy(error, chain->error, sizeof error);
    tls_chain_free(chain);
    memcpy(chain->error, error, sizeof error);
    errno = saved;
  }
  return ok;
}

int
tls_chain_load(struct tls_chain *chain, const char *path)
{
  stralloc text = STRALLOC_ZERO;
  int ok = readfile(path, &text);

  if (ok)
    ok = tls_chain_parse(chain, text.s, text.len);
  else
    chain->error[0] = 0;
  stralloc_free(&text);
  return ok;
}

