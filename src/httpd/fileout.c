/* A new invoice's file on its way to a file store.  See fileout.h. */
#include "httpd/fileout.h"

#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/private.h"
#include "httpd/respond.h"

struct invoice_file_out_t {
    request_rec *r;
    const invoice_filestore_t *fs;
    const char *key;
    void *writer;                   /* until committed or discarded */
    int committed;
    invoice_files_status_t status;  /* of the first failure */
    const char *why;
};

int invoice_file_store_failure(request_rec *r, invoice_files_status_t status,
                               const char *why)
{
    int misconfigured = status == INVOICE_FILES_MISCONFIGURED;

    ap_log_rerror(APLOG_MARK, misconfigured ? APLOG_ERR : APLOG_WARNING, 0, r,
                  INVLOGNO(00421) "file store: %s", why ? why : "failed");
    invoice_count(INVOICE_COUNT_UNAVAILABLE, 1);
    return invoice_send_unavailable(r, misconfigured
        ? "the service is misconfigured (its file store); its operator has "
          "been told (error log, /readyz)"
        : "the file store is unavailable; retry later",
        misconfigured ? "misconfiguration" : "outage");
}

int invoice_file_out_begin(request_rec *r, const char *id,
                           invoice_file_out_t **out)
{
    const char *name = invoice_config_file_store(r);
    invoice_file_out_t *fo;

    *out = NULL;
    if (name == NULL) {
        return OK;
    }
    fo = apr_pcalloc(r->pool, sizeof(*fo));
    fo->r = r;
    fo->key = id;
    fo->fs = invoice_filestores_get(r, name);
    if (fo->fs == NULL) {
        return invoice_file_store_failure(r, INVOICE_FILES_MISCONFIGURED,
                                          "the store cannot be used");
    }
    fo->status = fo->fs->ops->begin(fo->fs->state, r->pool, id, &fo->writer,
                                    &fo->why);
    if (fo->status != INVOICE_FILES_OK) {
        return invoice_file_store_failure(r, fo->status, fo->why);
    }
    *out = fo;
    return OK;
}

const char *invoice_file_out_sink(void *ctx, const char *data, size_t len)
{
    invoice_file_out_t *fo = ctx;

    if (fo->status == INVOICE_FILES_OK) {
        fo->status = fo->fs->ops->put(fo->writer, data, len, &fo->why);
    }
    return fo->status == INVOICE_FILES_OK ? NULL : "the file store failed";
}

int invoice_file_out_failed(const invoice_file_out_t *out)
{
    return out != NULL && out->status != INVOICE_FILES_OK;
}

int invoice_file_out_refused(invoice_file_out_t *fo)
{
    invoice_file_out_discard(fo);
    return invoice_file_store_failure(fo->r, fo->status, fo->why);
}

int invoice_file_out_commit(invoice_file_out_t *fo, const unsigned char *sha256,
                            apr_off_t size)
{
    if (fo->status == INVOICE_FILES_OK) {
        apr_time_t start = apr_time_now();

        fo->status = fo->fs->ops->commit(fo->writer, sha256, size, &fo->why);
        invoice_count_store_op(fo->fs->ops->scheme, INVOICE_STORE_OP_WRITE,
                               apr_time_now() - start,
                               fo->status != INVOICE_FILES_OK);
    }
    if (fo->status != INVOICE_FILES_OK) {
        return invoice_file_out_refused(fo);
    }
    fo->committed = 1;
    return OK;
}

const char *invoice_file_out_store(const invoice_file_out_t *out)
{
    return out ? out->fs->name : NULL;
}

static int removed(invoice_files_status_t st)
{
    return st == INVOICE_FILES_OK || st == INVOICE_FILES_NOT_FOUND;
}

void invoice_file_out_discard(invoice_file_out_t *fo)
{
    const char *why = NULL;

    if (fo == NULL || fo->writer == NULL) {
        return;
    }
    if (!fo->committed) {
        fo->fs->ops->abort(fo->writer);
    }
    else if (!removed(fo->fs->ops->remove(fo->fs->state, fo->r->pool,
                                          fo->key, &why))) {
        /* An orphan now: the sweep removes it later. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, fo->r, INVLOGNO(00422)
                      "file store: the file of %s, which has no row, stays "
                      "for the sweep: %s", fo->key, why ? why : "");
    }
    fo->writer = NULL;
}
