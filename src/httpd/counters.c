/* The shared metrics block and the hooks that count.  See counters.h. */
#include "httpd/counters.h"

#include <apr_atomic.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "httpd/context.h"
#include "httpd/config.h"
#include "httpd/private.h"

#define SHM_KEY "mod_invoice.metrics"

static invoice_metrics_t *shared_block;

void invoice_counters_post_config(server_rec *s)
{
    void *base = NULL;
    apr_shm_t *shm;
    apr_status_t rv;

    /* In the process pool, so that the block and its counts outlive
     * graceful restarts (children of every generation add to it).  Found
     * again by its size too: a restart may load a module whose block is
     * larger, which must not use the old one. */
    const char *key = apr_psprintf(s->process->pool, SHM_KEY ".%" APR_SIZE_T_FMT,
                                   sizeof(invoice_metrics_t));

    apr_pool_userdata_get(&base, key, s->process->pool);
    if (base == NULL) {
        rv = apr_shm_create(&shm, sizeof(invoice_metrics_t), NULL,
                            s->process->pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, INVLOGNO(00301)
                         "cannot create the metrics shared memory; metrics off");
            return;
        }
        base = apr_shm_baseaddr_get(shm);
        memset(base, 0, sizeof(invoice_metrics_t));
        apr_pool_userdata_set(base, key, apr_pool_cleanup_null,
                              s->process->pool);
    }
    apr_atomic_init(s->process->pool);
    shared_block = base;
}

invoice_metrics_t *invoice_counters(void)
{
    return shared_block;
}

void invoice_count(invoice_counter_t c, apr_uint64_t n)
{
    if (shared_block != NULL) {
        invoice_metrics_add(shared_block, c, n);
    }
}

void invoice_count_db_acquire(apr_int64_t duration_us)
{
    if (shared_block != NULL) {
        invoice_metrics_db_acquire(shared_block, duration_us);
    }
}

void invoice_count_store_op(const char *scheme, invoice_store_op_t op,
                            apr_int64_t duration_us, int failed)
{
    if (shared_block != NULL) {
        invoice_metrics_store_op(shared_block, strcmp(scheme, "s3") == 0
                                                   ? INVOICE_STORE_BACKEND_S3
                                                   : INVOICE_STORE_BACKEND_FILE,
                                 op, duration_us, failed);
    }
}

int invoice_counters_log_transaction(request_rec *r)
{
    request_rec *last = r;
    invoice_req_t *ctx;

    if (shared_block == NULL) {
        return DECLINED;
    }
    while (last->next != NULL) {
        last = last->next;  /* an ErrorDocument redirect has the final status */
    }
    if (!invoice_config_handler_is_ours(r->handler) && !invoice_config_handler_is_ours(last->handler)) {
        return DECLINED;
    }
    ctx = invoice_req(r);
    invoice_metrics_request(shared_block, ctx->action, last->status,
                            apr_time_now() - r->request_time);
    /* Counted here, where the bytes actually sent (a range, or none for
     * HEAD) are known. */
    if (ctx->action == INVOICE_ACTION_CONSUMER_FILE && !r->header_only
        && (last->status == HTTP_OK || last->status == HTTP_PARTIAL_CONTENT)) {
        invoice_count(INVOICE_COUNT_DOWNLOADED, 1);
        invoice_count(INVOICE_COUNT_BYTES_DOWNLOADED,
                      (apr_uint64_t)last->bytes_sent);
    }
    return DECLINED;
}
