/* tls_x509.c -- the client's X.509 engine, and subject names as text;
 * see tls.h.
 *
 * BearSSL's minimal engine stops at the first problem and then gives
 * neither the server's key nor its name, which an opportunistic client
 * needs anyway (to encrypt, and to log whom it talked to).  So the
 * engine here feeds every certificate to the minimal engine for the
 * verdict, and the first one also to a plain decoder, which keeps the
 * key and the subject.  With enforce set the verdict decides; without,
 * it is only remembered. */
#include <errno.h>
#include <string.h>

#include "fmt.h"
#include "tls.h"

static struct tls_x509 *
self(const br_x509_class **ctx)
{
  return (struct tls_x509 *)(void *)ctx;
}

static void
keep_dn(void *ctx, const void *buf, size_t len)
{
  struct tls_x509 *x = ctx;

  if (len > sizeof x->dn - x->dn_len) {
    x->dn_overflow = 1;
    return;
  }
  memcpy(x->dn + x->dn_len, buf, len);
  x->dn_len += len;
}

static void
x509_start_chain(const br_x509_class **ctx, const char *server_name)
{
  struct tls_x509 *x = self(ctx);

  x->certs = 0;
  x->verdict = BR_ERR_X509_EMPTY_CHAIN;
  x->dn_len = 0;
  x->dn_overflow = 0;
  x->minimal.vtable->start_chain(&x->minimal.vtable, server_name);
  br_x509_decoder_init(&x->leaf, keep_dn, x);
}

static void
x509_start_cert(const br_x509_class **ctx, uint32_t length)
{
  struct tls_x509 *x = self(ctx);

  x->minimal.vtable->start_cert(&x->minimal.vtable, length);
}

static void
x509_append(const br_x509_class **ctx, const unsigned char *buf, size_t len)
{
  struct tls_x509 *x = self(ctx);

  x->minimal.vtable->append(&x->minimal.vtable, buf, len);
  if (x->certs == 0)
    br_x509_decoder_push(&x->leaf, buf, len);
}

static void
x509_end_cert(const br_x509_class **ctx)
{
  struct tls_x509 *x = self(ctx);

  x->minimal.vtable->end_cert(&x->minimal.vtable);
  ++x->certs;
}

static unsigned
x509_end_chain(const br_x509_class **ctx)
{
  struct tls_x509 *x = self(ctx);
  int leaf_error;

  x->verdict = x->minimal.vtable->end_chain(&x->minimal.vtable);
  if (x->enforce)
    return x->verdict;
  if (x->certs == 0)
    return BR_ERR_X509_EMPTY_CHAIN;
  leaf_error = br_x509_decoder_last_error(&x->leaf);
  return leaf_error ? (unsigned)leaf_error : 0;
}

static const br_x509_pkey *
x509_get_pkey(const br_x509_class *const *ctx, unsigned *usages)
{
  struct tls_x509 *x = (struct tls_x509 *)(void *)ctx;

  if (x->enforce)
    return x->minimal.vtable->get_pkey(&x->minimal.vtable, usages);
  /* The key is taken on trust: any use the suite asks for. */
  if (usages)
    *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
  return br_x509_decoder_get_pkey(&x->leaf);
}

static const br_x509_class x509_vtable = {
  sizeof(struct tls_x509),
  x509_start_chain,
  x509_start_cert,
  x509_append,
  x509_end_cert,
  x509_end_chain,
  x509_get_pkey,
};

void
tls_x509_init(struct tls_x509 *x, const struct tls_anchors *anchors,
              int enforce)
{
  static const struct {
    int id;
    const br_hash_class *impl;
  } hashes[] = {
    { br_sha1_ID, &br_sha1_vtable },
    { br_sha224_ID, &br_sha224_vtable },
    { br_sha256_ID, &br_sha256_vtable },
    { br_sha384_ID, &br_sha384_vtable },
    { br_sha512_ID, &br_sha512_vtable },
  };
  size_t i;

  x->vtable = &x509_vtable;
  br_x509_minimal_init(&x->minimal, &br_sha256_vtable,
                       anchors ? anchors->list : 0,
                       anchors ? anchors->count : 0);
  for (i = 0; i < sizeof hashes / sizeof hashes[0]; ++i)
    br_x509_minimal_set_hash(&x->minimal, hashes[i].id, hashes[i].impl);
  br_x509_minimal_set_rsa(&x->minimal, br_rsa_pkcs1_vrfy_get_default());
  br_x509_minimal_set_ecdsa(&x->minimal, br_ec_get_default(),
                            br_ecdsa_vrfy_asn1_get_default());
  x->enforce = enforce;
  x->certs = 0;
  x->verdict = BR_ERR_X509_EMPTY_CHAIN;
  x->dn_len = 0;
  x->dn_overflow = 0;
}

/* Subject names as RFC 4514 text. */

struct der {
  const unsigned char *p;
  size_t len;
};

/* Take the next element off in: its tag byte and its contents.  Only
 * what a Name holds is understood: one-byte tags, definite lengths of
 * at most four length bytes. */
static int
der_next(struct der *in, unsigned int *tag, struct der *value,
         struct der *whole)
{
  size_t len, n, i;
  const unsigned char *start = in->p;

  if (in->len < 2 || (in->p[0] & 0x1f) == 0x1f)
    return 0;
  *tag = in->p[0];
  len = in->p[1];
  n = 2;
  if (len & 0x80) {
    size_t bytes = len & 0x7f;

    if (bytes == 0 || bytes > 4 || in->len < 2 + bytes)
      return 0;
    len = 0;
    for (i = 0; i < bytes; ++i)
      len = (len << 8) | in->p[2 + i];
    n += bytes;
  }
  if (len > in->len - n)
    return 0;
  value->p = in->p + n;
  value->len = len;
  in->p += n + len;
  in->len -= n + len;
  if (whole) {
    whole->p = start;
    whole->len = n + len;
  }
  return 1;
}

struct text {
  char *s;
  size_t len;
  size_t size;      /* room, the NUL included */
  int full;
};

static void
put(struct text *t, const char *s, size_t n)
{
  if (t->full)
    return;
  if (n > t->size - 1 - t->len) {
    t->full = 1;
    return;
  }
  memcpy(t->s + t->len, s, n);
  t->len += n;
}

static void
puts_(struct text *t, const char *s)
{
  put(t, s, strlen(s));
}

static void
put_hexbyte(struct text *t, unsigned int c, int backslash)
{
  static const char hex[] = "0123456789ABCDEF";
  char b[3];
  size_t n = 0;

  if (backslash)
    b[n++] = '\\';
  b[n++] = hex[(c >> 4) & 15];
  b[n++] = hex[c & 15];
  put(t, b, n);
}

/* One byte of an attribute value, escaped as RFC 4514 asks, and every
 * byte outside printable ASCII as \XX so that log lines stay clean. */
static void
put_valuebyte(struct text *t, unsigned char c, int first, int last)
{
  if (c < 0x20 || c >= 0x7f) {
    put_hexbyte(t, c, 1);
    return;
  }
  if (strchr(",+\"\\<>;=", c) || (first && (c == '#' || c == ' '))
      || (last && c == ' '))
    put(t, "\\", 1);
  put(t, (const char *)&c, 1);
}

static void
put_codepoint(struct text *t, unsigned long cp, int first, int last)
{
  unsigned char u[4];
  size_t n, i;

  if (cp < 0x80) {
    put_valuebyte(t, (unsigned char)cp, first, last);
    return;
  }
  if (cp < 0x800) {
    u[0] = 0xc0 | (cp >> 6);
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = 0xe0 | (cp >> 12);
    n = 3;
  } else {
    if (cp > 0x10ffff)
      cp = 0xfffd;
    u[0] = 0xf0 | (cp >> 18);
    n = 4;
  }
  for (i = 1; i < n; ++i)
    u[i] = 0x80 | ((cp >> (6 * (n - 1 - i))) & 0x3f);
  for (i = 0; i < n; ++i)
    put_hexbyte(t, u[i], 1);
}

/* DER string types whose bytes are characters. */
static int
string_width(unsigned int tag)
{
  switch (tag) {
  case 0x0c: /* UTF8String */
  case 0x12: /* NumericString */
  case 0x13: /* PrintableString */
  case 0x14: /* TeletexString */
  case 0x16: /* IA5String */
  case 0x1a: /* VisibleString */
    return 1;
  case 0x1e: /* BMPString */
    return 2;
  case 0x1c: /* UniversalString */
    return 4;
  }
  return 0;
}

static void
put_value(struct text *t, unsigned int tag, const struct der *v,
          const struct der *whole)
{
  int width = string_width(tag);
  size_t i, j;

  if (!width || v->len % (size_t)width) {
    put(t, "#", 1);
    for (i = 0; i < whole->len; ++i)
      put_hexbyte(t, whole->p[i], 0);
    return;
  }
  for (i = 0; i < v->len; i += (size_t)width) {
    unsigned long cp = 0;

    for (j = 0; j < (size_t)width; ++j)
      cp = (cp << 8) | v->p[i + j];
    if (width == 1)
      put_valuebyte(t, (unsigned char)cp, i == 0, i + 1 == v->len);
    else
      put_codepoint(t, cp, i == 0, i + (size_t)width == v->len);
  }
}

struct attribute_name {
  const char *oid;      /* DER contents of the OBJECT IDENTIFIER */
  size_t len;
  const char *name;
};

#define OID(s) s, sizeof s - 1
static const struct attribute_name attribute_names[] = {
  { OID("\x55\x04\x03"), "CN" },
  { OID("\x55\x04\x05"), "serialNumber" },
  { OID("\x55\x04\x06"), "C" },
  { OID("\x55\x04\x07"), "L" },
  { OID("\x55\x04\x08"), "ST" },
  { OID("\x55\x04\x09"), "STREET" },
  { OID("\x55\x04\x0a"), "O" },
  { OID("\x55\x04\x0b"), "OU" },
  { OID("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01"), "UID" },
  { OID("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19"), "DC" },
  { OID("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01"), "emailAddress" },
};

/* An attribute type: its short name, or the OID in dotted decimal. */
static int
put_type(struct text *t, const struct der *oid)
{
  char num[FMT_ULONG];
  unsigned long arc = 0;
  size_t i;
  int first = 1;

  for (i = 0; i < sizeof attribute_names / sizeof attribute_names[0]; ++i)
    if (oid->len == attribute_names[i].len
        && memcmp(oid->p, attribute_names[i].oid, oid->len) == 0) {
      puts_(t, attribute_names[i].name);
      return 1;
    }
  if (oid->len == 0 || (oid->p[oid->len - 1] & 0x80))
    return 0;
  for (i = 0; i < oid->len; ++i) {
    if (arc > (~0UL >> 7))
      return 0;
    arc = (arc << 7) | (oid->p[i] & 0x7f);
    if (oid->p[i] & 0x80)
      continue;
    if (first) {
      unsigned long top = arc < 80 ? arc / 40 : 2;

      put(t, num, fmt_ulong(num, top));
      put(t, ".", 1);
      put(t, num, fmt_ulong(num, arc - top * 40));
      first = 0;
    } else {
      put(t, ".", 1);
      put(t, num, fmt_ulong(num, arc));
    }
    arc = 0;
  }
  return 1;
}

/* One RelativeDistinguishedName: a SET of type-value pairs, joined
 * with '+'. */
static int
put_rdn(struct text *t, struct der set)
{
  int first = 1;

  while (set.len) {
    struct der pair, oid, value, whole;
    unsigned int tag;

    if (!der_next(&set, &tag, &pair, 0) || tag != 0x30)
      return 0;
    if (!der_next(&pair, &tag, &oid, 0) || tag != 0x06)
      return 0;
    if (!der_next(&pair, &tag, &value, &whole) || pair.len)
      return 0;
    if (!first)
      put(t, "+", 1);
    if (!put_type(t, &oid))
      return 0;
    put(t, "=", 1);
    put_value(t, tag, &value, &whole);
    first = 0;
  }
  return !first;
}

#define RDN_MAX 64

int
tls_dn_format(char *out, size_t size, const unsigned char *der, size_t len)
{
  struct der in, name, rdns[RDN_MAX];
  struct text t;
  size_t n = 0;
  unsigned int tag;

  if (!size) {
    errno = EINVAL;
    return 0;
  }
  out[0] = 0;
  in.p = der;
  in.len = len;
  if (!der_next(&in, &tag, &name, 0) || tag != 0x30 || in.len)
    goto malformed;
  while (name.len) {
    if (n == RDN_MAX)
      goto malformed;
    if (!der_next(&name, &tag, &rdns[n], 0) || tag != 0x31)
      goto malformed;
    ++n;
  }
  t.s = out;
  t.len = 0;
  t.size = size;
  t.full = 0;
  /* most specific first: the reverse of the encoding (RFC 4514 2.1) */
  while (n-- > 0) {
    if (!put_rdn(&t, rdns[n]))
      goto malformed;
    if (n)
      put(&t, ",", 1);
  }
  if (t.full) {
    size_t keep = size - 1 < 3 ? 0 : size - 1 - 3;
    int dots = 0;

    if (t.len > keep)
      t.len = keep;
    while (t.len < size - 1 && dots++ < 3)
      t.s[t.len++] = '.';
  }
  out[t.len] = 0;
  return 1;

malformed:
  out[0] = 0;
  errno = EINVAL;
  return 0;
}
