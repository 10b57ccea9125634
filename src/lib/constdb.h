/* constdb.h -- constant databases (cdb) for lookups that must be fast
 * and for files that are replaced, never edited: users/cdb,
 * control/morercpthosts.cdb, tcprules databases, fastforward tables.
 *
 * Format.  The files are D. J. Bernstein's public cdb format
 * (https://cr.yp.to/cdb/cdb.txt): a 2048-byte table of 256 (position,
 * slot count) pairs, the records (key length, data length, key, data),
 * then 256 open-addressing hash tables of (hash, record position) pairs;
 * every number is 32 bits little-endian and the hash is cdb's
 * h = ((h << 5) + h) ^ c from 5381.  Files are built and read with
 * tinycdb, so a file made by constdb_make_* is readable by Debian's
 * `cdb -q`/`cdb -d` (package tinycdb) and `cdbget`/`cdbdump` (freecdb,
 * DJB's cdb-0.75), and files made by qmail-newu, qmail-newmrh, tcprules,
 * fastforward's setmaillist/newaliases or `cdb -c` are readable here.
 * Records keep the order they were added in; duplicate keys are allowed
 * and are found in that order.  Keys and data may be empty and may hold
 * any bytes.  A file is limited to 4 GB by the format.
 *
 * Trust.  A database may be truncated, corrupt or hostile.  Every
 * function here checks each position and length against the file size
 * and reports such a file as an error with errno EPROTO; none reads
 * outside the file or loops forever.  The file is mapped into memory,
 * so it must be replaced by rename (as constdb_make_finish does), never
 * rewritten or truncated in place while a reader has it open.
 *
 * Results: constdb_open, constdb_make_* return 1 on success and 0 with
 * errno set.  Lookups and walks return 1 found / 0 not found or end /
 * -1 error with errno set (EPROTO for a corrupt file, ENOMEM).
 */
#ifndef CONSTDB_H
#define CONSTDB_H

#include <stddef.h>

#include <cdb.h>

#include "stralloc.h"

struct constdb {
  struct cdb cdb;
  int fd;                     /* -1 when closed */
};

#define CONSTDB_ZERO { CDB_STATIC_INIT, -1 }

/* Open and map the database at path.  Returns 1, or 0 with errno set:
 * ENOENT when the file does not exist (callers decide whether that
 * means "no database"), EPROTO when it is too short to be a cdb (under
 * 2048 bytes, e.g. an empty or half-written file), or the errno of
 * open/fstat/mmap. */
int constdb_open(struct constdb *db, const char *path);

/* Unmap and close; safe on a closed or zeroed constdb. */
void constdb_close(struct constdb *db);

/* Look up the first record whose key is key[0..klen) and copy its data
 * into out (replacing the contents).  Returns 1 found, 0 not found (out
 * unchanged), -1 error. */
int constdb_find(struct constdb *db, const char *key, size_t klen,
                 stralloc *out);

/* Iterate over all records with one key, in the order they were added:
 *
 *     struct constdb_find f;
 *     constdb_findstart(&f, db, key, klen);
 *     while ((r = constdb_findnext(&f, &data)) == 1) use(data);
 *     if (r == -1) error;
 *
 * key must stay valid and unchanged until the iteration ends.
 * constdb_findnext copies the next record's data into out and returns 1,
 * returns 0 when there are no more, -1 on error; after -1 abandon the
 * iteration (a corrupt file keeps answering -1).  findstart cannot
 * fail; a corrupt file shows in the first findnext. */
struct constdb_find {
  struct constdb *db;
  struct cdb_find find;
  int state;                  /* 0 start, 1 going, 2 done, -1 corrupt */
};

void constdb_findstart(struct constdb_find *f, struct constdb *db,
                       const char *key, size_t klen);
int constdb_findnext(struct constdb_find *f, stralloc *out);

/* Walk over every record in file order, for dumping tools:
 *
 *     struct constdb_walk w;
 *     constdb_walkstart(&w, db);
 *     while ((r = constdb_walknext(&w, &key, &data)) == 1) ...
 *
 * constdb_walknext copies the next record's key and data (replacing
 * their contents) and returns 1, 0 after the last record, -1 on error. */
struct constdb_walk {
  struct constdb *db;
  unsigned int pos;           /* offset of the next record */
  unsigned int end;           /* end of the records; 0 before the first */
};

void constdb_walkstart(struct constdb_walk *w, struct constdb *db);
int constdb_walknext(struct constdb_walk *w, stralloc *key, stralloc *data);

/* Build a database under a temporary name and move it into place
 * atomically, so readers see the old file or the complete new one:
 *
 *     struct constdb_make m;
 *     if (!constdb_make_start(&m, "users/cdb", 0, 0644)) die;
 *     for (...) if (!constdb_make_add(&m, k, klen, d, dlen)) die;
 *     if (!constdb_make_finish(&m)) die;
 *
 * constdb_make_start creates tmp_path, or final_path with ".tmp"
 * appended when tmp_path is null (users/cdb.tmp, as qmail's tools do;
 * tcprules-style tools pass the name their user gave).  It must lie in
 * the same file system as final_path.  The file gets exactly the
 * permission bits mode, whatever the umask.  A maker holds an exclusive
 * flock(2) on its temporary file, so a second maker for the same
 * temporary name fails with EWOULDBLOCK instead of writing over it.
 *
 * constdb_make_add appends one record; keys and data over 4 GB, or a
 * file that would pass 4 GB, fail with EFBIG.
 *
 * constdb_make_finish writes the hash tables, fsyncs the file, renames
 * it onto final_path and fsyncs the directory, so that the new database
 * survives a crash once it returns 1.  If only the directory sync fails
 * (0 returned), the new database is in place but may not survive a
 * crash; file systems that cannot sync directories (EINVAL) count as
 * success.
 *
 * After any failure of constdb_make_add, call constdb_make_abort (or
 * constdb_make_finish, which then fails too).  constdb_make_abort
 * removes the temporary file and frees the memory; it is harmless after
 * constdb_make_finish.  constdb_make_finish cleans up by itself, on
 * success and failure. */
struct constdb_make {
  struct cdb_make make;
  stralloc final_path;        /* NUL-terminated */
  stralloc tmp_path;          /* NUL-terminated */
  unsigned long long bytes;   /* file size once finished, so far */
  int active;                 /* started and neither finished nor aborted */
  int failed;                 /* an add failed; its errno is in error */
  int error;
};

int constdb_make_start(struct constdb_make *m, const char *final_path,
                       const char *tmp_path, unsigned int mode);
int constdb_make_add(struct constdb_make *m, const char *key, size_t klen,
                     const char *data, size_t dlen);
int constdb_make_finish(struct constdb_make *m);
void constdb_make_abort(struct constdb_make *m);

#endif
