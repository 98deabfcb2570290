/* What the operator's tool mod-invoice-files (tools/) asks of the
 * database, beside what the module asks (store.h): where the rows of a
 * file store's files (store/files.h) say their files are, the rows whose
 * file is to move to another store, the bytes of a file kept in
 * PostgreSQL, and recording a move.  The store is the only place that
 * speaks SQL, so the tool's statements live here too (pg/admin.c).
 *
 * Handles come from invoice_store_make, one per operation: a handle's
 * request deadline covers all of its statements.  Ids are invoice ids in
 * canonical lowercase text, which is also a file's key in its store. */
#ifndef MOD_INVOICE_STORE_ADMIN_H
#define MOD_INVOICE_STORE_ADMIN_H

#include <apr_hash.h>
#include <apr_tables.h>

#include "store/store.h"

/* An invoice whose file may move. */
typedef struct {
    const char *id;
    const char *file_store;         /* NULL: PostgreSQL (invoice_files) */
    apr_off_t size;
    const unsigned char *sha256;    /* 32 bytes */
} invoice_admin_row_t;

/* Which rows a migration takes. */
typedef struct {
    const char *to;                 /* the target store; NULL: PostgreSQL */
    int only_from;                  /* 1: only rows whose file is in from */
    const char *from;               /* NULL: PostgreSQL */
} invoice_admin_move_t;

/** The tools' lock on this database, so that a sweep never runs beside a
 *  migration (which writes files under keys the sweep may be deciding
 *  about): *got is 1 when taken, 0 when another run holds it.  Held until
 *  the connection ends. */
invoice_store_status_t invoice_admin_lock(invoice_store_t *st, int *got);

/** Of ids[0..n), those that have a row, as the keys of *stores, each
 *  with the store its row names ("" for PostgreSQL): one query. */
invoice_store_status_t invoice_admin_stores(invoice_store_t *st,
                                            const char *const *ids, int n,
                                            apr_hash_t **stores);

/** Up to limit rows after id `after` (NULL: from the first), in id order,
 *  whose file is not in move->to (and is in move->from when only_from);
 *  *rows is an array of invoice_admin_row_t living in the handle's pool. */
invoice_store_status_t invoice_admin_rows(invoice_store_t *st,
                                          const invoice_admin_move_t *move,
                                          const char *after, int limit,
                                          apr_array_header_t **rows);

/** The first len bytes of the file of id kept in PostgreSQL, read in
 *  1 MiB chunks and handed to sink one at a time: NOT_FOUND when it has
 *  none, ERROR when it is shorter, ABORTED when the sink refused. */
invoice_store_status_t invoice_admin_pg_read(invoice_store_t *st,
                                             const char *id, apr_off_t len,
                                             invoice_store_sink_fn sink,
                                             void *ctx);

/** The file of id, which was in `from` (NULL: PostgreSQL), is now
 *  durable in the file store `to`: the row names `to` and its copy in
 *  PostgreSQL (if any) is deleted, in one statement, only when the row
 *  still names `from`.  OK, or NOT_FOUND when it does not (deleted, or
 *  moved meanwhile): nothing changed then. */
invoice_store_status_t invoice_admin_moved(invoice_store_t *st,
                                           const char *id, const char *from,
                                           const char *to);

/* A file moving into PostgreSQL, in one transaction: the row is claimed
 * (with the guard of invoice_admin_moved), its bytes follow by COPY, and
 * the end commits both, or neither. */
typedef struct invoice_admin_pg_writer_t invoice_admin_pg_writer_t;

/** Begin moving the file of id, of size bytes, from `from` (a file
 *  store): NOT_FOUND when the row no longer names it (nothing begun).
 *  The writer holds the handle's connection until it ends. */
invoice_store_status_t invoice_admin_pg_begin(invoice_store_t *st,
                                              const char *id,
                                              const char *from,
                                              apr_off_t size,
                                              invoice_admin_pg_writer_t **out);

/** The next bytes; more than size in all is an ERROR. */
invoice_store_status_t invoice_admin_pg_put(invoice_admin_pg_writer_t *w,
                                            const char *data, apr_size_t len);

/** ok (all size bytes given, and verified): COMMIT, whose outcome is
 *  returned; else ROLLBACK (ERROR is returned, nothing changed). */
invoice_store_status_t invoice_admin_pg_end(invoice_admin_pg_writer_t *w,
                                            int ok);

#endif
