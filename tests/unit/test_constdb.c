/* Unit tests for constdb: building and reading cdb files, duplicate
 * keys, atomic replacement, and hostile files (truncated, flipped bytes,
 * pointers past the end) that must give errors, never crashes.  Runs in
 * a fresh temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "constdb.h"
#include "stralloc.h"
#include "unit.h"

static char topdir[] = "/tmp/test_constdb.XXXXXX";

/* Unlink and create rather than truncate: some file systems (ext4's
 * auto_da_alloc) flush a file truncated to zero when it is closed,
 * which makes thousands of rewrites slow. */
static void
put_file(const char *path, const char *data, size_t len)
{
  int fd;

  unlink(path);
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

  CHECK(fd != -1);
  if (fd == -1)
    return;
  CHECK(write(fd, data, len) == (ssize_t)len);
  close(fd);
}

static int
get_file(const char *path, stralloc *sa)
{
  char chunk[4096];
  int fd = open(path, O_RDONLY);
  ssize_t r;

  sa->len = 0;
  if (fd == -1)
    return 0;
  while ((r = read(fd, chunk, sizeof chunk)) > 0)
    if (!stralloc_catb(sa, chunk, (size_t)r))
      break;
  close(fd);
  return r == 0;
}

static int
exists(const char *path)
{
  struct stat st;

  return lstat(path, &st) == 0;
}

static void
record_key(stralloc *sa, unsigned int i)
{
  sa->len = 0;
  stralloc_cats(sa, "key");
  stralloc_catulong(sa, i);
}

/* Data of varying length, 0 to 40 bytes, derived from i. */
static void
record_data(stralloc *sa, unsigned int i)
{
  unsigned int n = i % 41, k;

  sa->len = 0;
  for (k = 0; k < n; ++k)
    stralloc_append(sa, (char)(i * 7 + k));
}

static void
test_many_records(void)
{
  struct constdb_make m;
  struct constdb db = CONSTDB_ZERO;
  struct constdb_walk w;
  stralloc key = STRALLOC_ZERO, want = STRALLOC_ZERO, got = STRALLOC_ZERO;
  stralloc wkey = STRALLOC_ZERO;
  unsigned int i, bad = 0;
  struct stat st;
  mode_t old_umask;
  int r;

  old_umask = umask(077);
  CHECK(constdb_make_start(&m, "many.cdb", 0, 0644));
  umask(old_umask);
  CHECK(exists("many.cdb.tmp"));
  for (i = 0; i < 10000; ++i) {
    record_key(&key, i);
    record_data(&want, i);
    if (!constdb_make_add(&m, key.s, key.len, want.s, want.len))
      ++bad;
  }
  CHECK(bad == 0);
  CHECK(!exists("many.cdb"));
  CHECK(constdb_make_finish(&m));
  CHECK(!exists("many.cdb.tmp"));
  CHECK(stat("many.cdb", &st) == 0 && (st.st_mode & 07777) == 0644);

  CHECK(constdb_open(&db, "many.cdb"));
  for (i = 0; i < 10000; ++i) {
    record_key(&key, i);
    record_data(&want, i);
    if (constdb_find(&db, key.s, key.len, &got) != 1 || got.len != want.len ||
        (want.len && memcmp(got.s, want.s, want.len) != 0))
      ++bad;
  }
  CHECK(bad == 0);
  CHECK(stralloc_copys(&got, "keep"));
  for (i = 10000; i < 11000; ++i) {
    record_key(&key, i);
    if (constdb_find(&db, key.s, key.len, &got) != 0)
      ++bad;
  }
  CHECK(bad == 0);
  CHECK_SA(got, "keep");
  CHECK(constdb_find(&db, "key", 3, &got) == 0);
  CHECK(constdb_find(&db, "", 0, &got) == 0);

  /* the walk sees every record once, in the order they were added */
  constdb_walkstart(&w, &db);
  for (i = 0; (r = constdb_walknext(&w, &wkey, &got)) == 1; ++i) {
    record_key(&key, i);
    record_data(&want, i);
    if (wkey.len != key.len || memcmp(wkey.s, key.s, key.len) != 0 ||
        got.len != want.len ||
        (want.len && memcmp(got.s, want.s, want.len) != 0))
      ++bad;
  }
  CHECK(r == 0 && i == 10000 && bad == 0);
  CHECK(constdb_walknext(&w, &wkey, &got) == 0);
  constdb_close(&db);
  constdb_close(&db);
  stralloc_free(&key);
  stralloc_free(&want);
  stralloc_free(&got);
  stralloc_free(&wkey);
}

/* The same database as Debian's `cdb -c` (tinycdb) or DJB's cdbmake
 * would build from these records, bytes computed by hand: an empty
 * database is 2048 bytes whose 256 table entries all point at 2048. */
static void
test_format_bytes(void)
{
  struct constdb_make m;
  stralloc file = STRALLOC_ZERO;
  unsigned int t, ok = 1;

  CHECK(constdb_make_start(&m, "empty.cdb", 0, 0644));
  CHECK(constdb_make_finish(&m));
  CHECK(get_file("empty.cdb", &file));
  CHECK(file.len == 2048);
  for (t = 0; t < 256 && file.len == 2048; ++t)
    ok &= memcmp(file.s + 8 * t, "\0\10\0\0\0\0\0\0", 8) == 0;
  CHECK(ok);

  /* one record "a" -> "b": hash("a") = (5381 * 33) ^ 'a' = 177604 =
   * 0x0002b5c4; table 0xc4 gets 2 slots at 2048 + 10 = 2058, and the
   * record lands in slot (hash >> 8) % 2 = 1 */
  CHECK(constdb_make_start(&m, "one.cdb", 0, 0644));
  CHECK(constdb_make_add(&m, "a", 1, "b", 1));
  CHECK(constdb_make_finish(&m));
  CHECK(get_file("one.cdb", &file));
  CHECK(file.len == 2048 + 10 + 16);
  if (file.len == 2048 + 10 + 16) {
    CHECK_MEM(file.s + 2048, 10, "\1\0\0\0\1\0\0\0ab", 10);
    CHECK_MEM(file.s + 8 * 0xc4, 8, "\x0a\x08\0\0\2\0\0\0", 8);
    CHECK_MEM(file.s + 8 * 0xc5, 8, "\x1a\x08\0\0\0\0\0\0", 8);
    CHECK_MEM(file.s + 2058, 16,
              "\0\0\0\0\0\0\0\0\xc4\xb5\x02\0\0\x08\0\0", 16);
  }
  stralloc_free(&file);
}

static void
test_duplicates_and_empty(void)
{
  struct constdb_make m;
  struct constdb db = CONSTDB_ZERO;
  struct constdb_find f;
  stralloc got = STRALLOC_ZERO;
  char digit[1];
  int i;

  CHECK(constdb_make_start(&m, "dup.cdb", 0, 0600));
  for (i = 0; i < 5; ++i) {
    digit[0] = (char)('0' + i);
    CHECK(constdb_make_add(&m, "dup", 3, digit, 1));
    CHECK(constdb_make_add(&m, "other", 5, "x", 1));
  }
  CHECK(constdb_make_add(&m, "", 0, "empty key", 9));
  CHECK(constdb_make_add(&m, "nodata", 6, "", 0));
  CHECK(constdb_make_add(&m, "bin\0key", 7, "bin\0data", 8));
  CHECK(constdb_make_finish(&m));

  CHECK(constdb_open(&db, "dup.cdb"));
  constdb_findstart(&f, &db, "dup", 3);
  for (i = 0; i < 5; ++i) {
    CHECK(constdb_findnext(&f, &got) == 1);
    CHECK(got.len == 1 && got.s[0] == '0' + i);
  }
  CHECK(constdb_findnext(&f, &got) == 0);
  CHECK(constdb_findnext(&f, &got) == 0);
  CHECK(constdb_find(&db, "dup", 3, &got) == 1);
  CHECK_SA(got, "0");
  constdb_findstart(&f, &db, "other", 5);
  for (i = 0; constdb_findnext(&f, &got) == 1; ++i)
    ;
  CHECK(i == 5);
  CHECK(constdb_find(&db, "", 0, &got) == 1);
  CHECK_SA(got, "empty key");
  CHECK(constdb_find(&db, "nodata", 6, &got) == 1);
  CHECK(got.len == 0);
  CHECK(constdb_find(&db, "bin\0key", 7, &got) == 1);
  CHECK_MEM(got.s, got.len, "bin\0data", 8);
  CHECK(constdb_find(&db, "bin", 3, &got) == 0);
  constdb_findstart(&f, &db, "absent", 6);
  CHECK(constdb_findnext(&f, &got) == 0);
  constdb_close(&db);
  stralloc_free(&got);
}

static void
test_replace_and_abort(void)
{
  struct constdb_make m, second;
  struct constdb old = CONSTDB_ZERO, now = CONSTDB_ZERO;
  stralloc got = STRALLOC_ZERO;

  CHECK(constdb_make_start(&m, "rep.cdb", "rep.building", 0644));
  CHECK(constdb_make_add(&m, "k", 1, "old", 3));
  CHECK(exists("rep.building") && !exists("rep.cdb.tmp"));
  CHECK(constdb_make_finish(&m));
  CHECK(!exists("rep.building"));
  CHECK(constdb_open(&old, "rep.cdb"));

  /* a second maker of the same temporary file is refused */
  CHECK(constdb_make_start(&m, "rep.cdb", 0, 0644));
  CHECK(constdb_make_add(&m, "k", 1, "new", 3));
  errno = 0;
  CHECK(!constdb_make_start(&second, "rep.cdb", 0, 0644));
  CHECK(errno == EWOULDBLOCK || errno == EAGAIN);
  CHECK(constdb_make_finish(&m));

  /* the open reader keeps the old file; a new open sees the new one */
  CHECK(constdb_find(&old, "k", 1, &got) == 1);
  CHECK_SA(got, "old");
  CHECK(constdb_open(&now, "rep.cdb"));
  CHECK(constdb_find(&now, "k", 1, &got) == 1);
  CHECK_SA(got, "new");
  constdb_close(&now);
  constdb_close(&old);

  /* abort leaves the database alone and removes the temporary file */
  CHECK(constdb_make_start(&m, "rep.cdb", 0, 0644));
  CHECK(constdb_make_add(&m, "k", 1, "aborted", 7));
  constdb_make_abort(&m);
  constdb_make_abort(&m);
  CHECK(!exists("rep.cdb.tmp"));
  CHECK(constdb_open(&now, "rep.cdb"));
  CHECK(constdb_find(&now, "k", 1, &got) == 1);
  CHECK_SA(got, "new");
  constdb_close(&now);

  /* used after finishing: refused */
  errno = 0;
  CHECK(!constdb_make_add(&m, "k", 1, "x", 1));
  CHECK(errno == EINVAL);
  CHECK(!constdb_make_finish(&m));

  /* records too large for the format, refused before any byte is read
   * (the pointers here could not back such lengths) */
  CHECK(constdb_make_start(&m, "big.cdb", 0, 0644));
  errno = 0;
  CHECK(!constdb_make_add(&m, "k", 1, "x", 0xfffffff0u));
  CHECK(errno == EFBIG);
  if (sizeof(size_t) > 4) {
    errno = 0;
    CHECK(!constdb_make_add(&m, "k", (size_t)UINT_MAX + 1, "x", 1));
    CHECK(errno == EFBIG);
  }
  CHECK(constdb_make_add(&m, "k", 1, "fine", 4));
  CHECK(constdb_make_finish(&m));
  CHECK(constdb_open(&now, "big.cdb"));
  CHECK(constdb_find(&now, "k", 1, &got) == 1);
  CHECK_SA(got, "fine");
  constdb_close(&now);

  /* a symbolic link planted at the temporary name is not followed */
  CHECK(symlink("victim", "sym.cdb.tmp") == 0);
  errno = 0;
  CHECK(!constdb_make_start(&m, "sym.cdb", 0, 0644));
  CHECK(errno == ELOOP);
  CHECK(!exists("victim"));

  errno = 0;
  CHECK(!constdb_make_start(&m, "nodir/x.cdb", 0, 0644));
  CHECK(errno == ENOENT);
  stralloc_free(&got);
}

static void
test_open_errors(void)
{
  struct constdb db = CONSTDB_ZERO;
  struct constdb_walk w;
  stralloc got = STRALLOC_ZERO, key = STRALLOC_ZERO;

  errno = 0;
  CHECK(!constdb_open(&db, "missing.cdb"));
  CHECK(errno == ENOENT);
  put_file("empty", "", 0);
  errno = 0;
  CHECK(!constdb_open(&db, "empty"));
  CHECK(errno == EPROTO);
  CHECK(mkdir("dir.cdb", 0755) == 0);
  CHECK(!constdb_open(&db, "dir.cdb"));
  /* a closed database answers with errors */
  errno = 0;
  CHECK(constdb_find(&db, "k", 1, &got) == -1);
  CHECK(errno == EBADF);
  constdb_walkstart(&w, &db);
  CHECK(constdb_walknext(&w, &key, &got) == -1);
  constdb_close(&db);
  stralloc_free(&got);
  stralloc_free(&key);
}

/* A small database for the hostile tests, with its records. */
#define SMALL_RECORDS 24

static void
small_record(unsigned int i, stralloc *key, stralloc *data)
{
  key->len = 0;
  stralloc_cats(key, i % 6 == 5 ? "dup" : "k");
  if (i % 6 != 5)
    stralloc_catulong(key, i);
  record_data(data, i);
}

static void
make_small(stralloc *file)
{
  struct constdb_make m;
  stralloc key = STRALLOC_ZERO, data = STRALLOC_ZERO;
  unsigned int i;

  CHECK(constdb_make_start(&m, "small.cdb", 0, 0644));
  for (i = 0; i < SMALL_RECORDS; ++i) {
    small_record(i, &key, &data);
    CHECK(constdb_make_add(&m, key.s, key.len, data.s, data.len));
  }
  CHECK(constdb_make_finish(&m));
  CHECK(get_file("small.cdb", file));
  stralloc_free(&key);
  stralloc_free(&data);
}

struct damage {
  unsigned int wrong;         /* answers that cannot come from the file */
  unsigned int errors;        /* -1 answers, all with EPROTO */
  unsigned int found;
};

/* Query everything in a damaged copy of the small database.  With
 * exact set, every answer must be an error or the true one (a truncated
 * file still has correct bytes); otherwise only the shape of the
 * answers is checked. */
static void
probe(const char *path, int exact, struct damage *d)
{
  struct constdb db = CONSTDB_ZERO;
  struct constdb_find f;
  struct constdb_walk w;
  stralloc key = STRALLOC_ZERO, want = STRALLOC_ZERO, got = STRALLOC_ZERO;
  stralloc wkey = STRALLOC_ZERO;
  unsigned int i, n;
  int r;

  if (!constdb_open(&db, path)) {
    if (errno != EPROTO)
      ++d->wrong;
    ++d->errors;
    return;
  }
  for (i = 0; i < SMALL_RECORDS + 4; ++i) {
    small_record(i, &key, &want);
    if (i % 6 == 5)
      continue;
    r = constdb_find(&db, key.s, key.len, &got);
    if (r == -1) {
      d->errors++;
      if (errno != EPROTO)
        ++d->wrong;
    } else if (r == 1) {
      d->found++;
      if (exact && (i >= SMALL_RECORDS || got.len != want.len ||
                    (want.len && memcmp(got.s, want.s, want.len))))
        ++d->wrong;
    } else if (r != 0 || (exact && i < SMALL_RECORDS)) {
      ++d->wrong;
    }
  }
  /* the duplicates come in order, records 5, 11, 17, 23 */
  constdb_findstart(&f, &db, "dup", 3);
  for (n = 0; (r = constdb_findnext(&f, &got)) == 1; ++n) {
    record_data(&want, 5 + 6 * n);
    if (exact && (n >= 4 || got.len != want.len ||
                  (want.len && memcmp(got.s, want.s, want.len))))
      ++d->wrong;
    if (n > 1000) {
      ++d->wrong;
      break;
    }
  }
  if (r == -1 && errno != EPROTO)
    ++d->wrong;
  /* the walk gives a prefix of the records, then an end or an error */
  constdb_walkstart(&w, &db);
  for (n = 0; (r = constdb_walknext(&w, &wkey, &got)) == 1; ++n) {
    small_record(n, &key, &want);
    if (exact && (n >= SMALL_RECORDS || wkey.len != key.len ||
                  memcmp(wkey.s, key.s, key.len) || got.len != want.len ||
                  (want.len && memcmp(got.s, want.s, want.len))))
      ++d->wrong;
    if (n > 100000) {
      ++d->wrong;
      break;
    }
  }
  if ((r == -1 && errno != EPROTO) || (exact && r == 0 && n != SMALL_RECORDS))
    ++d->wrong;
  constdb_close(&db);
  stralloc_free(&key);
  stralloc_free(&want);
  stralloc_free(&got);
  stralloc_free(&wkey);
}

static void
test_truncated_files(void)
{
  stralloc file = STRALLOC_ZERO;
  struct damage d = { 0, 0, 0 };
  struct damage whole = { 0, 0, 0 };
  size_t len;

  make_small(&file);
  CHECK(file.len > 2048 + 24 * 8);
  probe("small.cdb", 1, &whole);
  CHECK(whole.wrong == 0 && whole.errors == 0);
  CHECK(whole.found == SMALL_RECORDS - 4);
  for (len = 0; len < file.len; ++len) {
    put_file("cut.cdb", file.s, len);
    probe("cut.cdb", 1, &d);
  }
  CHECK(d.wrong == 0);
  CHECK(d.errors > file.len);
  stralloc_free(&file);
}

static void
test_flipped_bytes(void)
{
  stralloc file = STRALLOC_ZERO, copy = STRALLOC_ZERO;
  struct damage d = { 0, 0, 0 };
  unsigned int i;

  make_small(&file);
  for (i = 0; i < 3000 && file.len > 2048; ++i) {
    unsigned int flips = 1 + unit_rand() % 4, k;

    CHECK(stralloc_copy(&copy, &file));
    for (k = 0; k < flips; ++k) {
      /* half the damage hits the table of contents or a length */
      size_t at = unit_rand() % (unit_rand() % 2 ? copy.len : 2048 + 64);

      if (unit_rand() % 3)
        copy.s[at] ^= (char)(1u << (unit_rand() % 8));
      else
        unit_rand_fill(copy.s + at, 1, 0);
    }
    put_file("flip.cdb", copy.s, copy.len);
    probe("flip.cdb", 0, &d);
  }
  CHECK(d.wrong == 0);
  CHECK(d.errors > 100);
  CHECK(d.found > 1000);
  /* files of pure noise */
  for (i = 0; i < 200; ++i) {
    size_t len = 2048 + unit_rand() % 2048;

    CHECK(stralloc_ready(&copy, len));
    unit_rand_fill(copy.s, len, i % 2 ? 0 : "\0\0\0\1\10\377");
    put_file("noise.cdb", copy.s, len);
    probe("noise.cdb", 0, &d);
  }
  CHECK(d.wrong == 0);
  stralloc_free(&file);
  stralloc_free(&copy);
}

/* Little-endian 32-bit store. */
static void
pack(unsigned char *p, unsigned int n)
{
  p[0] = (unsigned char)n;
  p[1] = (unsigned char)(n >> 8);
  p[2] = (unsigned char)(n >> 16);
  p[3] = (unsigned char)(n >> 24);
}

/* A file of len bytes: a table of contents whose every entry is
 * (2048, 0), a single hash table of one slot at 2048 that the key's
 * hash selects and that points at a record at 2056 with the given
 * lengths; the rest is zero. */
static void
forge(unsigned char *file, size_t len, const char *key, size_t klen,
      unsigned int rec_klen, unsigned int rec_dlen)
{
  unsigned int h = cdb_hash(key, (unsigned int)klen), t;

  memset(file, 0, len);
  for (t = 0; t < 256; ++t)
    pack(file + 8 * t, 2048);
  pack(file + 8 * (h & 255) + 4, 1);
  pack(file + 2048, h);
  pack(file + 2052, 2056);
  pack(file + 2056, rec_klen);
  pack(file + 2060, rec_dlen);
}

/* A file of len bytes whose records end at end (every table of contents
 * entry is (end, 0)), with one record header at 2048; the rest is zero. */
static void
forge_records(unsigned char *file, size_t len, unsigned int end,
              unsigned int rec_klen, unsigned int rec_dlen)
{
  unsigned int t;

  memset(file, 0, len);
  for (t = 0; t < 256; ++t)
    pack(file + 8 * t, end);
  pack(file + 2048, rec_klen);
  pack(file + 2052, rec_dlen);
}

static void
test_pointers_past_end(void)
{
  static unsigned char file[4096];
  struct constdb db = CONSTDB_ZERO;
  struct constdb_walk w;
  stralloc got = STRALLOC_ZERO, key = STRALLOC_ZERO;
  unsigned int h;

  /* the forged record itself is sound: "k" -> "v" */
  forge(file, 2066, "k", 1, 1, 1);
  file[2064] = 'k';
  file[2065] = 'v';
  pack(file, 2048);                     /* records end... */
  put_file("forged.cdb", (char *)file, 2066);
  CHECK(constdb_open(&db, "forged.cdb"));
  CHECK(constdb_find(&db, "k", 1, &got) == 1);
  CHECK_SA(got, "v");
  constdb_close(&db);

  /* data length past the end of the file */
  forge(file, 2066, "k", 1, 1, 3);
  file[2064] = 'k';
  put_file("forged.cdb", (char *)file, 2066);
  CHECK(constdb_open(&db, "forged.cdb"));
  errno = 0;
  CHECK(constdb_find(&db, "k", 1, &got) == -1);
  CHECK(errno == EPROTO);
  constdb_close(&db);

  /* record position past the end */
  forge(file, 2064, "k", 1, 1, 1);
  pack(file + 2052, 0x7ffffff0);
  put_file("forged.cdb", (char *)file, 2064);
  CHECK(constdb_open(&db, "forged.cdb"));
  CHECK(constdb_find(&db, "k", 1, &got) == -1);
  constdb_close(&db);

  /* hash table past the end, or absurdly long */
  forge(file, 2064, "k", 1, 1, 1);
  h = cdb_hash("k", 1);
  pack(file + 8 * (h & 255), 4000);
  put_file("forged.cdb", (char *)file, 2064);
  CHECK(constdb_open(&db, "forged.cdb"));
  CHECK(constdb_find(&db, "k", 1, &got) == -1);
  constdb_close(&db);
  pack(file + 8 * (h & 255), 2048);
  pack(file + 8 * (h & 255) + 4, 0xffffffff);
  put_file("forged.cdb", (char *)file, 2064);
  CHECK(constdb_open(&db, "forged.cdb"));
  CHECK(constdb_find(&db, "k", 1, &got) == -1);
  constdb_close(&db);

  /* every slot matching the hash, all pointing at one wrong record:
   * the search must end */
  forge(file, 4096, "k", 1, 1, 1);
  h = cdb_hash("k", 1);
  pack(file + 8 * (h & 255), 2064);
  pack(file + 8 * (h & 255) + 4, 200);
  {
    unsigned int s;

    for (s = 0; s < 200; ++s) {
      pack(file + 2064 + 8 * s, h);
      pack(file + 2064 + 8 * s + 4, 2048);
    }
  }
  pack(file + 2048, 1);                 /* record at 2048: "x" -> "" */
  pack(file + 2052, 0);
  file[2056] = 'x';
  put_file("forged.cdb", (char *)file, 4096);
  CHECK(constdb_open(&db, "forged.cdb"));
  CHECK(constdb_find(&db, "k", 1, &got) == 0);
  constdb_close(&db);

  /* walks: a key length that would wrap the position around */
  forge_records(file, 2064, 2064, 0xfffffff8u, 0);
  put_file("forged.cdb", (char *)file, 2064);
  CHECK(constdb_open(&db, "forged.cdb"));
  constdb_walkstart(&w, &db);
  errno = 0;
  CHECK(constdb_walknext(&w, &key, &got) == -1);
  CHECK(errno == EPROTO);
  CHECK(constdb_walknext(&w, &key, &got) == -1);
  constdb_close(&db);
  /* a data length running past the end of the records */
  forge_records(file, 4096, 2064, 0, 9);
  put_file("forged.cdb", (char *)file, 4096);
  CHECK(constdb_open(&db, "forged.cdb"));
  constdb_walkstart(&w, &db);
  CHECK(constdb_walknext(&w, &key, &got) == -1);
  constdb_close(&db);
  /* the end of the records past the file, or inside the contents */
  forge_records(file, 2064, 9000, 0, 0);
  put_file("forged.cdb", (char *)file, 2064);
  CHECK(constdb_open(&db, "forged.cdb"));
  constdb_walkstart(&w, &db);
  CHECK(constdb_walknext(&w, &key, &got) == -1);
  constdb_close(&db);
  forge_records(file, 2064, 100, 0, 0);
  put_file("forged.cdb", (char *)file, 2064);
  CHECK(constdb_open(&db, "forged.cdb"));
  constdb_walkstart(&w, &db);
  CHECK(constdb_walknext(&w, &key, &got) == -1);
  constdb_close(&db);
  /* records ending in the middle of the second header */
  forge_records(file, 2064, 2060, 0, 0);
  put_file("forged.cdb", (char *)file, 2064);
  CHECK(constdb_open(&db, "forged.cdb"));
  constdb_walkstart(&w, &db);
  CHECK(constdb_walknext(&w, &key, &got) == 1);
  CHECK(key.len == 0 && got.len == 0);
  CHECK(constdb_walknext(&w, &key, &got) == -1);
  constdb_close(&db);
  /* and a sound one: two records, then the end */
  forge_records(file, 2068, 2068, 1, 1);
  memcpy(file + 2056, "ab", 2);
  pack(file + 2058, 2);
  pack(file + 2062, 0);
  memcpy(file + 2066, "cd", 2);
  put_file("forged.cdb", (char *)file, 2068);
  CHECK(constdb_open(&db, "forged.cdb"));
  constdb_walkstart(&w, &db);
  CHECK(constdb_walknext(&w, &key, &got) == 1);
  CHECK_SA(key, "a");
  CHECK_SA(got, "b");
  CHECK(constdb_walknext(&w, &key, &got) == 1);
  CHECK_SA(key, "cd");
  CHECK(got.len == 0);
  CHECK(constdb_walknext(&w, &key, &got) == 0);
  constdb_close(&db);
  stralloc_free(&got);
  stralloc_free(&key);
}

/* A record claiming a key as long as ours, longer than the file:
 * comparing would read past the mapping (tinycdb 0.78 does not check
 * this itself).  The bytes after the file in its last page are zero
 * like the key, so such a comparison would run on into the next page;
 * an inaccessible guard region placed there makes it crash for sure.
 * The database's mapping goes into the highest free hole, so each
 * attempt leaves its database open to fill the hole it took, until one
 * lands just below a guard. */
#define GUARD_TRIES 64

static void
test_key_longer_than_file(void)
{
  static unsigned char file[2064];
  static char longkey[20000];
  static struct constdb db[GUARD_TRIES];
  static char *areas[GUARD_TRIES];
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  size_t guard = 1 + (sizeof longkey + page - 1) / page;
  stralloc got = STRALLOC_ZERO;
  int tries, placed = 0, i;

  forge(file, sizeof file, longkey, sizeof longkey, sizeof longkey, 0);
  put_file("long.cdb", (char *)file, sizeof file);
  for (tries = 0; tries < GUARD_TRIES && !placed; ++tries) {
    char *area = mmap(0, (guard + 1) * page, PROT_NONE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

    areas[tries] = area == MAP_FAILED ? 0 : area;
    if (!areas[tries])
      break;
    munmap(area, page);
    if (!constdb_open(&db[tries], "long.cdb"))
      break;
    placed = cdb_get(&db[tries].cdb, 0, 0) == (const void *)area;
  }
  CHECK(placed);
  if (placed)
    CHECK(constdb_find(&db[tries - 1], longkey, sizeof longkey, &got) == 0);
  for (i = 0; i < tries; ++i) {
    constdb_close(&db[i]);
    if (areas[i])
      munmap(areas[i] + page, guard * page);
  }
  stralloc_free(&got);
}

int
main(void)
{
  int status;

  if (!mkdtemp(topdir) || chdir(topdir) == -1) {
    perror("test_constdb: cannot set up a temporary directory");
    return 1;
  }
  RUN(test_many_records);
  RUN(test_format_bytes);
  RUN(test_duplicates_and_empty);
  RUN(test_replace_and_abort);
  RUN(test_open_errors);
  RUN(test_truncated_files);
  RUN(test_flipped_bytes);
  RUN(test_pointers_past_end);
  RUN(test_key_longer_than_file);
  status = unit_done();
  if (chdir("/") == 0)
    unit_rmtree(topdir);
  return status;
}
