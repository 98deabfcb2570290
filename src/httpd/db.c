/* The store of a request.  See db.h. */
#include "httpd/db.h"

#include <apr_dbd.h>
#include <mod_dbd.h>
#include <apr_time.h>

#include "httpd/counters.h"
#include "httpd/private.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire_fn;

const char *invoice_db_post_config(server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *prepare =
        APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    const invoice_store_statement_t *statements;
    int count;

    dbd_acquire_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    if (prepare == NULL || dbd_acquire_fn == NULL) {
        return "mod_invoice needs mod_dbd: LoadModule dbd_module first";
    }
    /* Statements must reach mod_dbd before it builds connections. */
    statements = invoice_store_statements(&count);
    for (server_rec *sv = s; sv != NULL; sv = sv->next) {
        for (int i = 0; i < count; i++) {
            prepare(sv, statements[i].sql, statements[i].label);
        }
    }
    return NULL;
}

static void *connect_pooled(void *baton)
{
    request_rec *r = baton;
    apr_time_t start = apr_time_now();
    ap_dbd_t *dbd = dbd_acquire_fn ? dbd_acquire_fn(r) : NULL;

    invoice_count_db_acquire(apr_time_now() - start);
    if (dbd == NULL) {
        invoice_count(INVOICE_COUNT_DB_ERRORS, 1);
        /* mod_dbd has logged why, at error level: one line is enough. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, INVLOGNO(00101)
                      "no database connection available (see mod_dbd errors)");
        return NULL;
    }
    return apr_dbd_native_handle(dbd->driver, dbd->handle);
}

static void log_line(void *baton, invoice_log_level_t level, const char *line)
{
    request_rec *r = baton;
    static const int levels[] = {
        [INVOICE_LOG_ERR] = APLOG_ERR, [INVOICE_LOG_WARNING] = APLOG_WARNING,
        [INVOICE_LOG_INFO] = APLOG_INFO, [INVOICE_LOG_DEBUG] = APLOG_DEBUG,
    };

    /* The store's lines carry their own INVLOGNO id. */
    ap_log_rerror(APLOG_MARK, levels[level], 0, r, "%s", line);
}

static void count_failure(void *baton)
{
    invoice_count(INVOICE_COUNT_DB_ERRORS, 1);
}

invoice_store_t *invoice_db_store(request_rec *r)
{
    invoice_store_ctx_t ctx = { r->pool, connect_pooled, log_line,
                                count_failure, r };

    return invoice_store_make(&ctx);
}
