/* An invoice's file in a file store, for a download.  See filein.h. */
#include "httpd/filein.h"

#include <http_protocol.h>

#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/fileout.h"
#include "httpd/private.h"
#include "httpd/respond.h"
#include "httpd/spool.h"

/* A row whose file is not in its store: the rule "file before row" was
 * broken (a store restored from an old backup, a file removed by hand). */
static int missing(request_rec *r, const char *store, const char *id)
{
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, INVLOGNO(00423)
                  "the file of invoice %s is not in its store %s", id, store);
    return invoice_send_problem(r, HTTP_INTERNAL_SERVER_ERROR,
                                "internal error", NULL);
}

/* How a file not in its store is answered: an error (the row says it is
 * there), or DECLINED, unanswered (a kept entry said so: filecache.h). */
typedef enum { MISSING_IS_ERROR, MISSING_DECLINES } missing_t;

static int failed(request_rec *r, const char *store, const char *id,
                  invoice_files_status_t st, const char *why, missing_t m)
{
    if (st == INVOICE_FILES_NOT_FOUND) {
        return m == MISSING_DECLINES ? DECLINED : missing(r, store, id);
    }
    return invoice_file_store_failure(r, st, why);
}

/* The bytes through a spool: a temporary file sent like a local one. */
static int spooled(request_rec *r, const invoice_filestore_t *fs,
                   const char *id, apr_off_t start, apr_off_t len,
                   apr_file_t **file, apr_off_t *offset, missing_t m)
{
    invoice_spool_t sp;
    const char *why = NULL;
    invoice_files_status_t st;
    apr_time_t began;

    if (!invoice_spool_open(r, &sp)) {
        return invoice_send_unavailable(r, "the file cannot be prepared for "
                                        "sending now; retry later", NULL);
    }
    began = apr_time_now();
    st = fs->ops->read(fs->state, r->pool, id, start, len,
                       invoice_spool_write, &sp, &why);
    invoice_count_store_op(fs->ops->scheme, INVOICE_STORE_OP_READ,
                           apr_time_now() - began, st != INVOICE_FILES_OK);
    if (st == INVOICE_FILES_ABORTED || (st == INVOICE_FILES_OK && sp.len != len)) {
        st = INVOICE_FILES_UNAVAILABLE;
        why = sp.error ? "the spool failed" : "the store returned fewer bytes";
    }
    if (st != INVOICE_FILES_OK) {
        return failed(r, fs->name, id, st, why, m);
    }
    *file = sp.file;
    *offset = 0;
    return OK;
}

static int open_in(request_rec *r, const char *store, const char *id,
                   apr_off_t start, apr_off_t len, apr_file_t **file,
                   apr_off_t *offset, missing_t m)
{
    const invoice_filestore_t *fs = invoice_filestores_get(r, store);
    const char *why = NULL;
    invoice_files_status_t st;
    apr_time_t began;

    if (fs == NULL) {
        return invoice_file_store_failure(r, INVOICE_FILES_MISCONFIGURED,
                                          "the store cannot be used");
    }
    if (fs->ops->open == NULL) {
        return spooled(r, fs, id, start, len, file, offset, m);
    }
    began = apr_time_now();
    st = fs->ops->open(fs->state, r->pool, id, file, &why);
    invoice_count_store_op(fs->ops->scheme, INVOICE_STORE_OP_READ,
                           apr_time_now() - began, st != INVOICE_FILES_OK);
    if (st != INVOICE_FILES_OK) {
        return failed(r, store, id, st, why, m);
    }
    *offset = start;
    return OK;
}

int invoice_file_in_open(request_rec *r, const char *store, const char *id,
                         apr_off_t start, apr_off_t len, apr_file_t **file,
                         apr_off_t *offset)
{
    return open_in(r, store, id, start, len, file, offset, MISSING_IS_ERROR);
}

int invoice_file_in_open_kept(request_rec *r, const char *store,
                              const char *id, apr_off_t start, apr_off_t len,
                              apr_file_t **file, apr_off_t *offset)
{
    return open_in(r, store, id, start, len, file, offset, MISSING_DECLINES);
}

const char *invoice_file_in_redirect(request_rec *r, const char *store,
                                     const char *id)
{
    const invoice_filestore_t *fs;

    if (!invoice_config_s3_redirect()
        || (fs = invoice_filestores_get(r, store)) == NULL
        || fs->ops->presign == NULL) {
        return NULL;
    }
    return fs->ops->presign(fs->state, r->pool, id,
                            invoice_config_s3_presign_seconds());
}
