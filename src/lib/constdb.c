/* constdb.c -- constant databases over tinycdb; see constdb.h.
 *
 * tinycdb checks most positions it reads, with two gaps this file
 * closes: cdb_findnext() compares the search key against a record
 * without first checking that a key of that length fits in the file,
 * and cdb_seqnext() lets a huge length wrap its position around.  So
 * lookups refuse keys longer than the file before asking tinycdb, the
 * walk is done here with its own checks, and every access to record
 * bytes goes through cdb_get(), which checks against the file size.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>   /* for rename() only */
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "constdb.h"

/* The format stores every length and position in 32 bits. */
#define CONSTDB_MAX 0xffffffffULL
#define CONSTDB_TOC 2048

static int copy_bytes(const struct cdb *cdb, unsigned int pos,
                      unsigned int len, stralloc *out);
static int open_locked(const char *path, unsigned int mode);
static int sync_directory_of(const char *path);
static void unlink_keep_errno(const char *path);

/* Copy len bytes at pos of the file into out; -1 with EPROTO if they
 * are not all inside the file. */
static int
copy_bytes(const struct cdb *cdb, unsigned int pos, unsigned int len,
           stralloc *out)
{
  const char *p = cdb_get(cdb, len, pos);

  if (!p) {
    errno = EPROTO;
    return -1;
  }
  return stralloc_copyb(out, p, len) ? 1 : -1;
}

int
constdb_open(struct constdb *db, const char *path)
{
  int fd;

  memset(&db->cdb, 0, sizeof db->cdb);
  db->fd = -1;
  /* O_NONBLOCK: a FIFO under the database's name must not hang us */
  fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd == -1)
    return 0;
  if (cdb_init(&db->cdb, fd) == -1) {
    int saved = errno;

    close(fd);
    memset(&db->cdb, 0, sizeof db->cdb);
    errno = saved;
    return 0;
  }
  db->fd = fd;
  return 1;
}

void
constdb_close(struct constdb *db)
{
  int saved = errno;

  if (db->fd != -1) {
    cdb_free(&db->cdb);
    close(db->fd);
  }
  memset(&db->cdb, 0, sizeof db->cdb);
  db->fd = -1;
  errno = saved;
}

void
constdb_findstart(struct constdb_find *f, struct constdb *db,
                  const char *key, size_t klen)
{
  int r;

  f->db = db;
  if (db->fd == -1) {
    f->state = -1;
    return;
  }
  /* A key longer than the file cannot be in it; tinycdb must not see
   * one (see the top of this file). */
  if (klen > UINT_MAX || !cdb_get(&db->cdb, (unsigned int)klen, 0)) {
    f->state = 2;
    return;
  }
  r = cdb_findinit(&f->find, &db->cdb, key, (unsigned int)klen);
  f->state = r == 1 ? 1 : r == 0 ? 2 : -1;
}

int
constdb_findnext(struct constdb_find *f, stralloc *out)
{
  struct cdb *cdb = &f->db->cdb;
  int r;

  if (f->state == -1) {
    errno = f->db->fd == -1 ? EBADF : EPROTO;
    return -1;
  }
  if (f->state != 1)
    return 0;
  r = cdb_findnext(&f->find);
  if (r == 0) {
    f->state = 2;
    return 0;
  }
  if (r == 1)
    r = copy_bytes(cdb, cdb_datapos(cdb), cdb_datalen(cdb), out);
  if (r == -1 && errno == EPROTO)
    f->state = -1;
  return r;
}

int
constdb_find(struct constdb *db, const char *key, size_t klen,
             stralloc *out)
{
  struct constdb_find f;

  constdb_findstart(&f, db, key, klen);
  return constdb_findnext(&f, out);
}

void
constdb_walkstart(struct constdb_walk *w, struct constdb *db)
{
  w->db = db;
  w->pos = CONSTDB_TOC;
  w->end = 0;
}

int
constdb_walknext(struct constdb_walk *w, stralloc *key, stralloc *data)
{
  const struct cdb *cdb = &w->db->cdb;
  const unsigned char *p;
  unsigned int klen, dlen, room;

  if (w->db->fd == -1) {
    errno = EBADF;
    return -1;
  }
  if (w->pos < CONSTDB_TOC)
    goto corrupt;
  if (!w->end) {
    /* the records end where the first hash table begins */
    p = cdb_get(cdb, 4, 0);
    if (!p)
      goto corrupt;
    w->end = cdb_unpack(p);
    if (w->end < CONSTDB_TOC || !cdb_get(cdb, 0, w->end))
      goto corrupt;
  }
  if (w->pos == w->end)
    return 0;
  if (w->pos > w->end || w->end - w->pos < 8)
    goto corrupt;
  p = cdb_get(cdb, 8, w->pos);
  if (!p)
    goto corrupt;
  klen = cdb_unpack(p);
  dlen = cdb_unpack(p + 4);
  room = w->end - w->pos - 8;
  if (klen > room || dlen > room - klen)
    goto corrupt;
  if (copy_bytes(cdb, w->pos + 8, klen, key) == -1 ||
      copy_bytes(cdb, w->pos + 8 + klen, dlen, data) == -1)
    return -1;
  w->pos += 8 + klen + dlen;
  return 1;

corrupt:
  w->pos = 0;                 /* below CONSTDB_TOC: stays corrupt */
  errno = EPROTO;
  return -1;
}

/* Open path for writing under an exclusive lock, making sure the file
 * locked is still the one named path: a maker that just renamed it into
 * place may have released it after we opened it. */
static int
open_locked(const char *path, unsigned int mode)
{
  int tries;

  for (tries = 0; tries < 5; ++tries) {
    struct stat opened, named;
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
                  (mode_t)(mode & 07777));

    if (fd == -1)
      return -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == -1)
      goto fail;
    if (fstat(fd, &opened) == -1)
      goto fail;
    if (lstat(path, &named) == 0 && named.st_dev == opened.st_dev &&
        named.st_ino == opened.st_ino) {
      if (ftruncate(fd, 0) == -1 || fchmod(fd, (mode_t)(mode & 07777)) == -1)
        goto fail;
      return fd;
    }
    close(fd);
    continue;
fail:
    {
      int saved = errno;

      close(fd);
      errno = saved;
      return -1;
    }
  }
  errno = EAGAIN;
  return -1;
}

int
constdb_make_start(struct constdb_make *m, const char *final_path,
                   const char *tmp_path, unsigned int mode)
{
  int fd;

  memset(m, 0, sizeof *m);
  if (!stralloc_copys(&m->final_path, final_path) ||
      !stralloc_0(&m->final_path))
    goto fail;
  if (tmp_path) {
    if (!stralloc_copys(&m->tmp_path, tmp_path))
      goto fail;
  } else if (!stralloc_copys(&m->tmp_path, final_path) ||
             !stralloc_cats(&m->tmp_path, ".tmp")) {
    goto fail;
  }
  if (!stralloc_0(&m->tmp_path))
    goto fail;
  fd = open_locked(m->tmp_path.s, mode);
  if (fd == -1)
    goto fail;
  cdb_make_start(&m->make, fd);
  m->bytes = CONSTDB_TOC;
  m->active = 1;
  return 1;

fail:
  {
    int saved = errno;

    stralloc_free(&m->final_path);
    stralloc_free(&m->tmp_path);
    errno = saved;
  }
  return 0;
}

int
constdb_make_add(struct constdb_make *m, const char *key, size_t klen,
                 const char *data, size_t dlen)
{
  unsigned long long grown;

  if (!m->active) {
    errno = EINVAL;
    return 0;
  }
  if (m->failed) {
    errno = m->error;
    return 0;
  }
  /* the record (8 + klen + dlen) plus its two hash-table slots (16) */
  if (klen > CONSTDB_MAX || dlen > CONSTDB_MAX) {
    errno = EFBIG;
    return 0;
  }
  grown = m->bytes + 24 + (unsigned long long)klen + dlen;
  if (grown > CONSTDB_MAX) {
    errno = EFBIG;
    return 0;
  }
  if (cdb_make_add(&m->make, key, (unsigned int)klen, data,
                   (unsigned int)dlen) == -1) {
    m->failed = 1;
    m->error = errno;
    return 0;
  }
  m->bytes = grown;
  return 1;
}

/* fsync the directory holding path, so a rename into it is durable. */
static int
sync_directory_of(const char *path)
{
  stralloc dir = STRALLOC_ZERO;
  const char *slash = strrchr(path, '/');
  int fd, r = 0;

  if (!slash)
    r = stralloc_copys(&dir, ".");
  else if (slash == path)
    r = stralloc_copys(&dir, "/");
  else
    r = stralloc_copyb(&dir, path, (size_t)(slash - path));
  if (!r || !stralloc_0(&dir)) {
    stralloc_free(&dir);
    return 0;
  }
  fd = open(dir.s, O_RDONLY | O_CLOEXEC);
  stralloc_free(&dir);
  if (fd == -1)
    return 0;
  r = fsync(fd) == 0 || errno == EINVAL;
  {
    int saved = errno;

    close(fd);
    errno = saved;
  }
  return r;
}

static void
unlink_keep_errno(const char *path)
{
  int saved = errno;

  unlink(path);
  errno = saved;
}

int
constdb_make_finish(struct constdb_make *m)
{
  int fd = m->make.cdb_fd;
  int ok = 0;

  if (!m->active) {
    errno = EINVAL;
    return 0;
  }
  if (m->failed) {
    int saved = m->error;

    constdb_make_abort(m);
    errno = saved;
    return 0;
  }
  m->active = 0;
  if (cdb_make_finish(&m->make) == -1) {
    /* tinycdb 0.78 reports its one malloc failure here as ENOENT */
    if (errno == ENOENT)
      errno = ENOMEM;
    goto cleanup;
  }
  if (fsync(fd) == -1)
    goto cleanup;
  /* rename while still holding the lock; see open_locked() */
  if (rename(m->tmp_path.s, m->final_path.s) == -1)
    goto cleanup;
  close(fd);
  ok = sync_directory_of(m->final_path.s);
  fd = -1;

cleanup:
  if (fd != -1) {
    unlink_keep_errno(m->tmp_path.s);
    {
      int saved = errno;

      close(fd);
      errno = saved;
    }
  }
  {
    int saved = errno;

    stralloc_free(&m->final_path);
    stralloc_free(&m->tmp_path);
    errno = saved;
  }
  return ok;
}

void
constdb_make_abort(struct constdb_make *m)
{
  int saved = errno;

  if (m->active) {
    int fd = m->make.cdb_fd;

    /* cdb_make_finish() is tinycdb's only way to free a maker; on a
     * descriptor of -1 its writes fail at once and it just frees. */
    m->make.cdb_fd = -1;
    cdb_make_finish(&m->make);
    unlink(m->tmp_path.s);
    close(fd);
    m->active = 0;
  }
  stralloc_free(&m->final_path);
  stralloc_free(&m->tmp_path);
  errno = saved;
}
