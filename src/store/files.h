/* Where invoice files live when they are not in PostgreSQL: one backend
 * per scheme, one file each under store/files/ (file: a directory, s3: a
 * bucket).  An operator names a store "scheme:where" (InvoiceFileStore
 * file:/var/lib/mod_invoice/files, s3:https://host/bucket); the backend
 * configures an instance from "where" and then writes, reads and removes
 * files under keys (an invoice's id).  Every invoice row records the store
 * it was written to, so old files stay readable after a switch.
 *
 * The rule every caller follows: a file is written and durable (commit)
 * before the row that names it is committed; a failed row removes it
 * (best effort); a crash in between leaves an orphan file, which the sweep
 * (list + the rows) removes later, never a row without its file.
 *
 * No request_rec, no libpq: the module and the command-line tool
 * (mod-invoice-files: sweep, migrate) use the same backends. */
#ifndef MOD_INVOICE_STORE_FILES_H
#define MOD_INVOICE_STORE_FILES_H

#include <apr_file_io.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "store/store.h"

typedef enum {
    INVOICE_FILES_OK = 0,
    INVOICE_FILES_NOT_FOUND,        /* no such file */
    INVOICE_FILES_UNAVAILABLE,      /* an outage: retry later (503) */
    INVOICE_FILES_MISCONFIGURED,    /* bad credentials, no bucket, a
                                     * directory we may not write: an
                                     * operator must act (503, logged) */
    INVOICE_FILES_ABORTED,          /* the caller's sink refused the bytes */
} invoice_files_status_t;

/* What a store needs beyond its "where" (from directives or the command
 * line). */
typedef struct {
    const char *s3_region;          /* NULL: AWS_REGION, AWS_DEFAULT_REGION,
                                     * else us-east-1 */
    const char *s3_credentials_file;/* AWS shared-credentials format; NULL:
                                     * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
                                     * (and AWS_SESSION_TOKEN) */
    const char *s3_profile;         /* the file's section; NULL: AWS_PROFILE,
                                     * else "default" */
    apr_interval_time_t timeout;    /* connect, and no progress for this
                                     * long: UNAVAILABLE */
} invoice_files_settings_t;

/* A backend.  `why` outputs are allocated from the pool given, in words
 * an operator understands (they go to the error log and /readyz). */
typedef struct {
    const char *scheme;             /* "file", "s3" */

    /** An instance for `where` (the text after "scheme:"), at
     *  configuration time, in the parent: syntax and settings only (a
     *  credentials file may be read), no network.  NULL, or an error. */
    const char *(*configure)(apr_pool_t *p, const char *where,
                             const invoice_files_settings_t *settings,
                             void **state);

    /** In each process that uses the instance, before its first use
     *  (may be NULL). */
    void (*child_init)(void *state, apr_pool_t *pchild);

    /** Write a new file under key: begin, its bytes in order by put, then
     *  commit (durable when it returns OK; sha256 is the digest of all the
     *  bytes, known by then) or abort (nothing is left behind).  The
     *  writer lives in p. */
    invoice_files_status_t (*begin)(void *state, apr_pool_t *p,
                                    const char *key, void **writer,
                                    const char **why);
    invoice_files_status_t (*put)(void *writer, const char *data,
                                  apr_size_t len, const char **why);
    invoice_files_status_t (*commit)(void *writer, const unsigned char *sha256,
                                     apr_off_t size, const char **why);
    void (*abort)(void *writer);

    /** Bytes [start, start+len) of key, handed to sink in pieces. */
    invoice_files_status_t (*read)(void *state, apr_pool_t *p,
                                   const char *key, apr_off_t start,
                                   apr_off_t len, invoice_store_sink_fn sink,
                                   void *ctx, const char **why);

    /** The file itself, opened for sendfile and living in p (NULL when
     *  the backend has no local files: read is used). */
    invoice_files_status_t (*open)(void *state, apr_pool_t *p,
                                   const char *key, apr_file_t **out,
                                   const char **why);

    /** A URL that lets its holder GET key for `seconds` (NULL when the
     *  backend cannot give one). */
    const char *(*presign)(void *state, apr_pool_t *p, const char *key,
                           int seconds);

    /** Remove key; NOT_FOUND is no failure to a caller cleaning up. */
    invoice_files_status_t (*remove)(void *state, apr_pool_t *p,
                                     const char *key, const char **why);

    /** Each key written before `before`, to each(ctx, key) (which returns
     *  0 to stop): for the sweep of orphans. */
    invoice_files_status_t (*list)(void *state, apr_pool_t *p,
                                   apr_time_t before,
                                   int (*each)(void *ctx, const char *key),
                                   void *ctx, const char **why);

    /** Can files be written and read now?  For /readyz and the diagnosis:
     *  OK, UNAVAILABLE or MISCONFIGURED with why. */
    invoice_files_status_t (*check)(void *state, apr_pool_t *p,
                                    const char **why);
} invoice_files_ops_t;

/* The backends (store/files/dir.c, store/files/s3.c). */
extern const invoice_files_ops_t invoice_files_dir;
extern const invoice_files_ops_t invoice_files_s3;

#endif
