/* The store of a request.  See db.h. */
#include "httpd/db.h"

#include <apr_dbd.h>
#include <mod_dbd.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/private.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire_fn;

/* The store's statements, registered once per mod_dbd configuration of a
 * server with a mount: mod_dbd warns about a label registered twice, and
 * vhosts without DBD directives share the main server's configuration.
 * (A pool that lacks them, because its server has no mount of its own,
 * gets them on first use: the store prepares what is missing.) */
void invoice_db_post_config(apr_pool_t *ptemp, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *prepare =
        APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    module *dbd = ap_find_linked_module("mod_dbd.c");
    apr_hash_t *seen = apr_hash_make(ptemp);
    const invoice_store_statement_t *statements;
    int count;

    dbd_acquire_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    statements = invoice_store_statements(&count);
    for (server_rec *sv = s; prepare && dbd && sv != NULL; sv = sv->next) {
        const invoice_srv_conf_t *sc = invoice_config_srv(sv);
        void *dbd_conf = ap_get_module_config(sv->module_config, dbd);

        if (sc == NULL || sc->mounts == NULL
            || apr_hash_get(seen, &dbd_conf, sizeof(dbd_conf)) != NULL) {
            continue;
        }
        apr_hash_set(seen, apr_pmemdup(ptemp, &dbd_conf, sizeof(dbd_conf)),
                     sizeof(dbd_conf), "");
        for (int i = 0; i < count; i++) {
            prepare(sv, statements[i].sql, statements[i].label);
        }
    }
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

static int ap_level(invoice_log_level_t level)
{
    static const int levels[] = {
        [INVOICE_LOG_ERR] = APLOG_ERR, [INVOICE_LOG_WARNING] = APLOG_WARNING,
        [INVOICE_LOG_INFO] = APLOG_INFO, [INVOICE_LOG_DEBUG] = APLOG_DEBUG,
    };

    return levels[level];
}

/* The store's lines carry their own INVLOGNO id. */
static void log_line(void *baton, invoice_log_level_t level, const char *line)
{
    request_rec *r = baton;

    ap_log_rerror(APLOG_MARK, ap_level(level), 0, r, "%s", line);
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

/* A background task's borrowed connection. */
typedef struct {
    server_rec *s;
    ap_dbd_t *dbd;
} borrowed_t;

static void *connect_borrowed(void *baton)
{
    borrowed_t *b = baton;

    return b->dbd ? apr_dbd_native_handle(b->dbd->driver, b->dbd->handle)
                  : NULL;
}

static void log_server_line(void *baton, invoice_log_level_t level,
                            const char *line)
{
    ap_log_error(APLOG_MARK, ap_level(level), 0, ((borrowed_t *)baton)->s,
                 "%s", line);
}

/* Batches of this many keys, at most this many batches a round: the
 * purge keeps up with creates without a long statement. */
#define PURGE_BATCH 500
#define PURGE_BATCHES 20

void invoice_db_maintain(server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_open) *open = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    APR_OPTIONAL_FN_TYPE(ap_dbd_close) *close = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    borrowed_t b = { s, NULL };
    apr_pool_t *p;
    invoice_store_t *st;

    if (open == NULL || close == NULL || apr_pool_create(&p, NULL) != APR_SUCCESS) {
        return;
    }
    b.dbd = open(p, s);
    if (b.dbd != NULL) {
        invoice_store_ctx_t ctx = { p, connect_borrowed, log_server_line,
                                    count_failure, &b };
        st = invoice_store_make(&ctx);
        for (int i = 0; i < PURGE_BATCHES
                        && invoice_store_purge_keys(st, PURGE_BATCH) == PURGE_BATCH;
             i++) {
        }
        close(s, b.dbd);
    }
    apr_pool_destroy(p);
}
