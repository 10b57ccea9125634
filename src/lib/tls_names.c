/* tls_names.c -- names of BearSSL's error codes, TLS alerts and cipher
 * suites, for log lines; see tls.h. */
#include <string.h>

#include "fmt.h"
#include "tls.h"

struct code_name {
  int code;
  const char *name;
  const char *text;
};

static const struct code_name errors[] = {
  { BR_ERR_OK, "BR_ERR_OK", "no error" },
  { BR_ERR_BAD_PARAM, "BR_ERR_BAD_PARAM", "invalid parameter given to the TLS engine" },
  { BR_ERR_BAD_STATE, "BR_ERR_BAD_STATE", "operation not possible in the engine's state" },
  { BR_ERR_UNSUPPORTED_VERSION, "BR_ERR_UNSUPPORTED_VERSION", "protocol version not TLS 1.2 (or not TLS at all)" },
  { BR_ERR_BAD_VERSION, "BR_ERR_BAD_VERSION", "record version does not match the negotiated one" },
  { BR_ERR_BAD_LENGTH, "BR_ERR_BAD_LENGTH", "invalid record length (the peer may not be speaking TLS)" },
  { BR_ERR_TOO_LARGE, "BR_ERR_TOO_LARGE", "record or handshake message too large" },
  { BR_ERR_BAD_MAC, "BR_ERR_BAD_MAC", "record failed its integrity check" },
  { BR_ERR_NO_RANDOM, "BR_ERR_NO_RANDOM", "no source of random bytes" },
  { BR_ERR_UNKNOWN_TYPE, "BR_ERR_UNKNOWN_TYPE", "unknown record type (the peer is not speaking TLS)" },
  { BR_ERR_UNEXPECTED, "BR_ERR_UNEXPECTED", "message out of order in the protocol" },
  { BR_ERR_BAD_CCS, "BR_ERR_BAD_CCS", "malformed ChangeCipherSpec" },
  { BR_ERR_BAD_ALERT, "BR_ERR_BAD_ALERT", "malformed alert" },
  { BR_ERR_BAD_HANDSHAKE, "BR_ERR_BAD_HANDSHAKE", "malformed handshake message" },
  { BR_ERR_OVERSIZED_ID, "BR_ERR_OVERSIZED_ID", "session ID longer than 32 bytes" },
  { BR_ERR_BAD_CIPHER_SUITE, "BR_ERR_BAD_CIPHER_SUITE", "no cipher suite in common, or one that was not offered" },
  { BR_ERR_BAD_COMPRESSION, "BR_ERR_BAD_COMPRESSION", "compression method not offered" },
  { BR_ERR_BAD_FRAGLEN, "BR_ERR_BAD_FRAGLEN", "maximum fragment length mismatch" },
  { BR_ERR_BAD_SECRENEG, "BR_ERR_BAD_SECRENEG", "secure renegotiation failed" },
  { BR_ERR_EXTRA_EXTENSION, "BR_ERR_EXTRA_EXTENSION", "extension not asked for, or repeated" },
  { BR_ERR_BAD_SNI, "BR_ERR_BAD_SNI", "malformed server name indication" },
  { BR_ERR_BAD_HELLO_DONE, "BR_ERR_BAD_HELLO_DONE", "malformed ServerHelloDone" },
  { BR_ERR_LIMIT_EXCEEDED, "BR_ERR_LIMIT_EXCEEDED", "an internal limit was exceeded (key too large?)" },
  { BR_ERR_BAD_FINISHED, "BR_ERR_BAD_FINISHED", "Finished message does not match" },
  { BR_ERR_RESUME_MISMATCH, "BR_ERR_RESUME_MISMATCH", "resumed session with other parameters" },
  { BR_ERR_INVALID_ALGORITHM, "BR_ERR_INVALID_ALGORITHM", "unsupported curve, signature or hash algorithm" },
  { BR_ERR_BAD_SIGNATURE, "BR_ERR_BAD_SIGNATURE", "the peer's handshake signature is invalid" },
  { BR_ERR_WRONG_KEY_USAGE, "BR_ERR_WRONG_KEY_USAGE", "the certificate's key may not be used this way" },
  { BR_ERR_NO_CLIENT_AUTH, "BR_ERR_NO_CLIENT_AUTH", "client certificate missing or not accepted" },
  { BR_ERR_IO, "BR_ERR_IO", "I/O error on the connection" },
  { BR_ERR_X509_OK, "BR_ERR_X509_OK", "certificate chain accepted" },
  { BR_ERR_X509_INVALID_VALUE, "BR_ERR_X509_INVALID_VALUE", "invalid value in a certificate" },
  { BR_ERR_X509_TRUNCATED, "BR_ERR_X509_TRUNCATED", "truncated certificate or key" },
  { BR_ERR_X509_EMPTY_CHAIN, "BR_ERR_X509_EMPTY_CHAIN", "the peer sent no certificate" },
  { BR_ERR_X509_INNER_TRUNC, "BR_ERR_X509_INNER_TRUNC", "inner element longer than its container" },
  { BR_ERR_X509_BAD_TAG_CLASS, "BR_ERR_X509_BAD_TAG_CLASS", "unsupported DER tag class" },
  { BR_ERR_X509_BAD_TAG_VALUE, "BR_ERR_X509_BAD_TAG_VALUE", "unsupported DER tag value" },
  { BR_ERR_X509_INDEFINITE_LENGTH, "BR_ERR_X509_INDEFINITE_LENGTH", "indefinite length (BER, not DER)" },
  { BR_ERR_X509_EXTRA_ELEMENT, "BR_ERR_X509_EXTRA_ELEMENT", "unexpected extra element" },
  { BR_ERR_X509_UNEXPECTED, "BR_ERR_X509_UNEXPECTED", "unexpected element (not a certificate or key?)" },
  { BR_ERR_X509_NOT_CONSTRUCTED, "BR_ERR_X509_NOT_CONSTRUCTED", "expected a constructed element" },
  { BR_ERR_X509_NOT_PRIMITIVE, "BR_ERR_X509_NOT_PRIMITIVE", "expected a primitive element" },
  { BR_ERR_X509_PARTIAL_BYTE, "BR_ERR_X509_PARTIAL_BYTE", "BIT STRING with a partial byte" },
  { BR_ERR_X509_BAD_BOOLEAN, "BR_ERR_X509_BAD_BOOLEAN", "malformed BOOLEAN" },
  { BR_ERR_X509_OVERFLOW, "BR_ERR_X509_OVERFLOW", "value too large" },
  { BR_ERR_X509_BAD_DN, "BR_ERR_X509_BAD_DN", "malformed distinguished name" },
  { BR_ERR_X509_BAD_TIME, "BR_ERR_X509_BAD_TIME", "malformed validity date" },
  { BR_ERR_X509_UNSUPPORTED, "BR_ERR_X509_UNSUPPORTED", "unsupported feature in a certificate or key" },
  { BR_ERR_X509_LIMIT_EXCEEDED, "BR_ERR_X509_LIMIT_EXCEEDED", "certificate chain too long or too large" },
  { BR_ERR_X509_WRONG_KEY_TYPE, "BR_ERR_X509_WRONG_KEY_TYPE", "key type does not match the signature" },
  { BR_ERR_X509_BAD_SIGNATURE, "BR_ERR_X509_BAD_SIGNATURE", "a certificate's signature is invalid" },
  { BR_ERR_X509_TIME_UNKNOWN, "BR_ERR_X509_TIME_UNKNOWN", "the current time is not known" },
  { BR_ERR_X509_EXPIRED, "BR_ERR_X509_EXPIRED", "a certificate is expired or not yet valid" },
  { BR_ERR_X509_DN_MISMATCH, "BR_ERR_X509_DN_MISMATCH", "issuer and subject names do not chain" },
  { BR_ERR_X509_BAD_SERVER_NAME, "BR_ERR_X509_BAD_SERVER_NAME", "the certificate is not for the expected host name" },
  { BR_ERR_X509_CRITICAL_EXTENSION, "BR_ERR_X509_CRITICAL_EXTENSION", "unsupported critical extension" },
  { BR_ERR_X509_NOT_CA, "BR_ERR_X509_NOT_CA", "a certificate that is not a CA signed another" },
  { BR_ERR_X509_FORBIDDEN_KEY_USAGE, "BR_ERR_X509_FORBIDDEN_KEY_USAGE", "the key usage extension forbids this use" },
  { BR_ERR_X509_WEAK_PUBLIC_KEY, "BR_ERR_X509_WEAK_PUBLIC_KEY", "public key too small" },
  { BR_ERR_X509_NOT_TRUSTED, "BR_ERR_X509_NOT_TRUSTED", "the certificate chain does not lead to a trusted CA" },
};

/* Alert descriptions, RFC 5246 section 7.2 and later registrations. */
static const struct code_name alerts[] = {
  { 0, "close_notify", 0 },
  { 10, "unexpected_message", 0 },
  { 20, "bad_record_mac", 0 },
  { 21, "decryption_failed", 0 },
  { 22, "record_overflow", 0 },
  { 30, "decompression_failure", 0 },
  { 40, "handshake_failure", 0 },
  { 41, "no_certificate", 0 },
  { 42, "bad_certificate", 0 },
  { 43, "unsupported_certificate", 0 },
  { 44, "certificate_revoked", 0 },
  { 45, "certificate_expired", 0 },
  { 46, "certificate_unknown", 0 },
  { 47, "illegal_parameter", 0 },
  { 48, "unknown_ca", 0 },
  { 49, "access_denied", 0 },
  { 50, "decode_error", 0 },
  { 51, "decrypt_error", 0 },
  { 60, "export_restriction", 0 },
  { 70, "protocol_version", 0 },
  { 71, "insufficient_security", 0 },
  { 80, "internal_error", 0 },
  { 86, "inappropriate_fallback", 0 },
  { 90, "user_canceled", 0 },
  { 100, "no_renegotiation", 0 },
  { 109, "missing_extension", 0 },
  { 110, "unsupported_extension", 0 },
  { 112, "unrecognized_name", 0 },
  { 113, "bad_certificate_status_response", 0 },
  { 115, "unknown_psk_identity", 0 },
  { 116, "certificate_required", 0 },
  { 120, "no_application_protocol", 0 },
};

struct suite_name {
  unsigned int id;
  const char *name;
};

static const struct suite_name suites[] = {
  { BR_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256" },
  { BR_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384" },
  { BR_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA-CHACHA20-POLY1305" },
  { BR_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256" },
  { BR_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384" },
  { BR_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA-CHACHA20-POLY1305" },
  { BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA-AES128-SHA256" },
  { BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, "ECDHE-ECDSA-AES256-SHA384" },
  { BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256" },
  { BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384, "ECDHE-RSA-AES256-SHA384" },
  { BR_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA-AES128-SHA" },
  { BR_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA-AES256-SHA" },
  { BR_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA-AES128-SHA" },
  { BR_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA-AES256-SHA" },
  { BR_TLS_RSA_WITH_AES_128_GCM_SHA256, "AES128-GCM-SHA256" },
  { BR_TLS_RSA_WITH_AES_256_GCM_SHA384, "AES256-GCM-SHA384" },
  { BR_TLS_RSA_WITH_AES_128_CBC_SHA256, "AES128-SHA256" },
  { BR_TLS_RSA_WITH_AES_256_CBC_SHA256, "AES256-SHA256" },
  { BR_TLS_RSA_WITH_AES_128_CBC_SHA, "AES128-SHA" },
  { BR_TLS_RSA_WITH_AES_256_CBC_SHA, "AES256-SHA" },
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static const struct code_name *
find(const struct code_name *table, size_t n, int code)
{
  size_t i;

  for (i = 0; i < n; ++i)
    if (table[i].code == code)
      return &table[i];
  return 0;
}

static int
is_alert(int code, int base)
{
  return code >= base && code < base + 256;
}

const char *
tls_error_name(int code)
{
  const struct code_name *e;

  if (is_alert(code, BR_ERR_RECV_FATAL_ALERT))
    return "BR_ERR_RECV_FATAL_ALERT";
  if (is_alert(code, BR_ERR_SEND_FATAL_ALERT))
    return "BR_ERR_SEND_FATAL_ALERT";
  e = find(errors, COUNT(errors), code);
  return e ? e->name : "BR_ERR_UNKNOWN";
}

const char *
tls_error_text(int code)
{
  const struct code_name *e;

  if (is_alert(code, BR_ERR_RECV_FATAL_ALERT))
    return "the peer sent a fatal alert";
  if (is_alert(code, BR_ERR_SEND_FATAL_ALERT))
    return "a fatal alert was sent to the peer";
  e = find(errors, COUNT(errors), code);
  return e ? e->text : "error code not known to BearSSL 0.6";
}

size_t
tls_error_fmt(char *s, int code)
{
  const struct code_name *alert = 0;
  const char *what = 0;
  size_t len = 0;
  int number = 0;

  if (is_alert(code, BR_ERR_RECV_FATAL_ALERT)) {
    number = code - BR_ERR_RECV_FATAL_ALERT;
    what = " (the peer sent the fatal alert ";
  } else if (is_alert(code, BR_ERR_SEND_FATAL_ALERT)) {
    number = code - BR_ERR_SEND_FATAL_ALERT;
    what = " (sent the peer the fatal alert ";
  }
  len += fmt_str(s ? s + len : 0, tls_error_name(code));
  if (!what) {
    len += fmt_str(s ? s + len : 0, " (");
    len += fmt_str(s ? s + len : 0, tls_error_text(code));
    if (!find(errors, COUNT(errors), code)) {
      len += fmt_str(s ? s + len : 0, ": ");
      if (code < 0) {
        len += fmt_str(s ? s + len : 0, "-");
        len += fmt_ulong(s ? s + len : 0, -(unsigned long)code);
      } else
        len += fmt_ulong(s ? s + len : 0, (unsigned long)code);
    }
    len += fmt_str(s ? s + len : 0, ")");
    return len;
  }
  len += fmt_str(s ? s + len : 0, what);
  alert = find(alerts, COUNT(alerts), number);
  if (alert) {
    len += fmt_str(s ? s + len : 0, alert->name);
    len += fmt_str(s ? s + len : 0, ", ");
  }
  len += fmt_ulong(s ? s + len : 0, (unsigned long)number);
  len += fmt_str(s ? s + len : 0, ")");
  return len;
}

const char *
tls_suite_name(unsigned int id)
{
  size_t i;

  for (i = 0; i < COUNT(suites); ++i)
    if (suites[i].id == id)
      return suites[i].name;
  return "unknown";
}
