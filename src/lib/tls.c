/* tls.c -- TLS connections over a pair of descriptors, offered to the
 * buffers as read and write operations; see tls.h.
 *
 * BearSSL's engine is a state machine that never touches a descriptor:
 * it says whether it has records to send, wants records, has decrypted
 * data, or can take data to encrypt.  engine_run() below moves the
 * records between the engine and the descriptors, waiting with poll(2)
 * against a deadline, until the engine reaches the state the caller
 * wants; everything else is built on it. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fmt.h"
#include "timeoutio.h"
#include "tls_internal.h"

#define FAIL_SETUP 1    /* bad arguments; failure_text says which */
#define FAIL_ENGINE 2   /* BearSSL failed; failure_code */
#define FAIL_TIMEOUT 3  /* the deadline passed; failure_seconds */
#define FAIL_EOF 4      /* the peer closed during the handshake */
#define FAIL_SYS 5      /* read/write/poll failed; failure_errno */

/* What engine_run ends with. */
#define RUN_FAILED 0
#define RUN_READY 1     /* the wanted state was reached */
#define RUN_END 2       /* the peer closed (close_notify or end of file) */

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

static long long
deadline_after(unsigned int seconds)
{
  return timeout_now_ms() + (long long)seconds * 1000;
}

/* A write that cannot kill the process with SIGPIPE when fd is a
 * socket whose peer has gone. */
static ssize_t
send_bytes(int fd, const unsigned char *p, size_t n)
{
#ifdef MSG_NOSIGNAL
  ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

  if (w != -1 || errno != ENOTSOCK)
    return w;
#endif
  return write(fd, p, n);
}

/* Failures.  The first one sticks: later calls report it again. */

static int
errno_of(const struct tls *t)
{
  switch (t->failure) {
  case FAIL_SETUP: return EINVAL;
  case FAIL_ENGINE: return EPROTO;
  case FAIL_TIMEOUT: return ETIMEDOUT;
  case FAIL_EOF: return ECONNRESET;
  }
  return t->failure_errno;
}

static int
fail(struct tls *t, int kind, const char *stage)
{
  if (!t->failure) {
    t->failure_errno = errno;
    t->failure = kind;
    t->failure_stage = stage;
  }
  errno = errno_of(t);
  return RUN_FAILED;
}

int
tls_engine_setup_failed(struct tls *t, const char *why)
{
  t->failure_text = why;
  return fail(t, FAIL_SETUP, "setup");
}

int
tls_engine_failed(struct tls *t, const char *stage)
{
  int code = br_ssl_engine_last_error(t->eng);

  if (!t->failure)
    t->failure_code = code ? code : BR_ERR_BAD_STATE;
  return fail(t, FAIL_ENGINE, stage);
}

static int
fail_wait(struct tls *t, const char *stage, unsigned int seconds,
          const char *call)
{
  if (errno != ETIMEDOUT) {
    if (!t->failure)
      t->failure_text = call;
    return fail(t, FAIL_SYS, stage);
  }
  if (!t->failure)
    t->failure_seconds = seconds;
  return fail(t, FAIL_TIMEOUT, stage);
}

static int
fail_sys(struct tls *t, const char *stage, const char *call)
{
  if (!t->failure)
    t->failure_text = call;
  return fail(t, FAIL_SYS, stage);
}

/* Move records until the engine is in one of the states in want
 * (BR_SSL_SENDAPP, BR_SSL_RECVAPP), or, with want 0, until it has
 * nothing left to send.  Gives RUN_READY, RUN_END when the peer closed,
 * or RUN_FAILED with errno set and t->failure recorded. */
static int
engine_run(struct tls *t, unsigned int want, long long deadline,
           unsigned int seconds, const char *stage)
{
  br_ssl_engine_context *eng = t->eng;

  for (;;) {
    unsigned int state = br_ssl_engine_current_state(eng);
    unsigned char *p;
    size_t n;
    ssize_t r;

    if (state & BR_SSL_CLOSED) {
      if (br_ssl_engine_last_error(eng) != BR_ERR_OK)
        return tls_engine_failed(t, stage);
      return RUN_END;
    }
    if (state & BR_SSL_SENDREC) {
      p = br_ssl_engine_sendrec_buf(eng, &n);
      if (!timeout_wait(t->fd_out, POLLOUT, deadline))
        return fail_wait(t, stage, seconds, "poll");
      r = send_bytes(t->fd_out, p, n);
      if (r == -1) {
        if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
          continue;
        /* a reader whose peer has gone (often while answering its
         * close_notify) has reached the end, not an error */
        if (want != BR_SSL_SENDAPP && (errno == EPIPE || errno == ECONNRESET)
            && strcmp(stage, "handshake") != 0) {
          t->eof = 1;
          return RUN_END;
        }
        return fail_sys(t, stage, "write");
      }
      if (r == 0) {
        errno = EIO;
        return fail_sys(t, stage, "write");
      }
      br_ssl_engine_sendrec_ack(eng, (size_t)r);
      continue;
    }
    if (!want || (state & want))
      return RUN_READY;
    if (t->eof)
      return RUN_END;
    if (!(state & BR_SSL_RECVREC)) {
      /* nothing to send, nothing to receive, not what we want: the
       * engine waits for the caller, who waits for the engine */
      if (!t->failure)
        t->failure_code = BR_ERR_BAD_STATE;
      return fail(t, FAIL_ENGINE, stage);
    }
    p = br_ssl_engine_recvrec_buf(eng, &n);
    if (!timeout_wait(t->fd_in, POLLIN, deadline))
      return fail_wait(t, stage, seconds, "poll");
    r = read(t->fd_in, p, n);
    if (r == -1) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
        continue;
      return fail_sys(t, stage, "read");
    }
    if (r == 0) {
      t->eof = 1;
      return RUN_END;
    }
    br_ssl_engine_recvrec_ack(eng, (size_t)r);
  }
}

/* Settings both sides share. */
void
tls_engine_configure(br_ssl_engine_context *eng)
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

  br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
  for (i = 0; i < COUNT(hashes); ++i)
    br_ssl_engine_set_hash(eng, hashes[i].id, hashes[i].impl);
  br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
  br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
  br_ssl_engine_set_default_aes_gcm(eng);
  br_ssl_engine_set_default_chapol(eng);
  br_ssl_engine_set_default_aes_cbc(eng);
  br_ssl_engine_set_default_ec(eng);
  br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
}

/* BearSSL seeds itself from the system (/dev/urandom); bytes from the
 * kernel are added so that a chroot without /dev works too. */
void
tls_engine_seed(br_ssl_engine_context *eng)
{
  unsigned char seed[32];

  if (getentropy(seed, sizeof seed) == 0)
    br_ssl_engine_inject_entropy(eng, seed, sizeof seed);
  memset(seed, 0, sizeof seed);
}

void
tls_engine_begin(struct tls *t, int fd_in, int fd_out, unsigned int io_seconds)
{
  t->io_seconds = io_seconds;
  t->eng = 0;
  t->fd_in = fd_in;
  t->fd_out = fd_out;
  t->verified = 0;
  t->eof = 0;
  t->failure = 0;
  t->failure_errno = 0;
  t->failure_code = 0;
  t->failure_stage = 0;
  t->failure_text = 0;
  t->failure_seconds = 0;
  t->server_name[0] = 0;
  t->subject[0] = 0;
  t->errbuf[0] = 0;
  t->x509.dn_len = 0;
  t->x509.certs = 0;
}

int
tls_engine_handshake(struct tls *t, unsigned int seconds)
{
  int r = engine_run(t, BR_SSL_SENDAPP, deadline_after(seconds), seconds,
                     "handshake");

  if (r == RUN_END) {
    t->eof = 1;
    return fail(t, FAIL_EOF, "handshake");
  }
  if (r == RUN_FAILED)
    return 0;
  if (!t->is_client) {
    /* the client's bytes, bound for log lines: printable or '?' */
    const char *sni = br_ssl_engine_get_server_name(t->eng);
    size_t i;

    for (i = 0; sni[i] && i < sizeof t->server_name - 1; ++i)
      t->server_name[i] = sni[i] > 0x20 && sni[i] < 0x7f ? sni[i] : '?';
    t->server_name[i] = 0;
  }
  return 1;
}

ssize_t
tls_bufread(int fd, char *buf, size_t len, void *ctx)
{
  struct tls *t = ctx;
  unsigned char *p;
  size_t n;
  int r;

  (void)fd;
  if (t->failure) {
    errno = errno_of(t);
    return -1;
  }
  if (!len)
    return 0;
  r = engine_run(t, BR_SSL_RECVAPP, deadline_after(t->io_seconds),
                 t->io_seconds, "read");
  if (r == RUN_FAILED)
    return -1;
  if (r == RUN_END)
    return 0;
  p = br_ssl_engine_recvapp_buf(t->eng, &n);
  if (n > len)
    n = len;
  memcpy(buf, p, n);
  br_ssl_engine_recvapp_ack(t->eng, n);
  return (ssize_t)n;
}

ssize_t
tls_bufwrite(int fd, char *buf, size_t len, void *ctx)
{
  struct tls *t = ctx;
  long long deadline = deadline_after(t->io_seconds);
  unsigned char *p;
  size_t n;
  int r;

  (void)fd;
  if (t->failure) {
    errno = errno_of(t);
    return -1;
  }
  r = engine_run(t, BR_SSL_SENDAPP, deadline, t->io_seconds, "write");
  if (r == RUN_END) {
    errno = EPIPE;
    return fail_sys(t, "write", "write"), -1;
  }
  if (r == RUN_FAILED)
    return -1;
  p = br_ssl_engine_sendapp_buf(t->eng, &n);
  if (n > len)
    n = len;
  memcpy(p, buf, n);
  br_ssl_engine_sendapp_ack(t->eng, n);
  br_ssl_engine_flush(t->eng, 0);
  r = engine_run(t, 0, deadline, t->io_seconds, "write");
  if (r == RUN_END) {
    errno = EPIPE;
    return fail_sys(t, "write", "write"), -1;
  }
  if (r == RUN_FAILED)
    return -1;
  return (ssize_t)n;
}

size_t
tls_pending(const struct tls *t)
{
  size_t n = 0;

  if (t->eng && !t->failure)
    br_ssl_engine_recvapp_buf(t->eng, &n);
  return n;
}

int
tls_close(struct tls *t)
{
  if (!t->eng) {
    errno = EINVAL;
    return 0;
  }
  if (t->failure) {
    errno = errno_of(t);
    return 0;
  }
  br_ssl_engine_close(t->eng);
  if (engine_run(t, 0, deadline_after(t->io_seconds), t->io_seconds,
                 "close") == RUN_FAILED)
    return 0;
  return 1;
}

const char *
tls_version_name(const struct tls *t)
{
  if (!t->eng)
    return "none";
  switch (br_ssl_engine_get_version(t->eng)) {
  case BR_TLS12: return "TLSv1.2";
  case BR_TLS11: return "TLSv1.1";
  case BR_TLS10: return "TLSv1";
  }
  return "unknown";
}

const char *
tls_cipher_name(const struct tls *t)
{
  br_ssl_session_parameters session;
  unsigned int suite;

  if (!t->eng)
    return "none";
  br_ssl_engine_get_session_parameters(t->eng, &session);
  suite = session.cipher_suite;
  memset(&session, 0, sizeof session);
  return tls_suite_name(suite);
}

const char *
tls_server_name(const struct tls *t)
{
  return t->server_name;
}

/* Append s to t->errbuf, cutting it short at the end of the space. */
static void
error_cat(struct tls *t, const char *s)
{
  size_t len = strlen(t->errbuf);
  size_t n = strlen(s);

  if (n > sizeof t->errbuf - 1 - len)
    n = sizeof t->errbuf - 1 - len;
  memcpy(t->errbuf + len, s, n);
  t->errbuf[len + n] = 0;
}

const char *
tls_error(struct tls *t)
{
  char text[TLS_ERROR_FMT > FMT_ULONG ? TLS_ERROR_FMT : FMT_ULONG];

  t->errbuf[0] = 0;
  if (!t->failure)
    return t->errbuf;
  error_cat(t, "TLS ");
  error_cat(t, t->failure_stage ? t->failure_stage : "connection");
  switch (t->failure) {
  case FAIL_SETUP:
    error_cat(t, " failed: ");
    error_cat(t, t->failure_text ? t->failure_text : "invalid arguments");
    break;
  case FAIL_ENGINE:
    error_cat(t, " failed: ");
    text[tls_error_fmt(text, t->failure_code)] = 0;
    error_cat(t, text);
    break;
  case FAIL_TIMEOUT:
    error_cat(t, " timed out after ");
    text[fmt_uint(text, t->failure_seconds)] = 0;
    error_cat(t, text);
    error_cat(t, t->failure_seconds == 1 ? " second" : " seconds");
    break;
  case FAIL_EOF:
    error_cat(t, " failed: the peer closed the connection");
    break;
  default:
    error_cat(t, " failed: ");
    if (t->failure_text) {
      error_cat(t, t->failure_text);
      error_cat(t, ": ");
    }
    error_cat(t, strerror(t->failure_errno));
  }
  return t->errbuf;
}
