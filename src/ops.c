/* Operations glue.  See ops.h. */
#include "ops.h"

#include <http_config.h>
#include <http_protocol.h>
#include <http_log.h>
#include <apr_shm.h>
#include <apr_atomic.h>
#include <apr_strings.h>
#include <mod_status.h>

#include "http_io.h"
#include "mod_invoice_private.h"
#include "storage.h"

#define SHM_KEY "mod_invoice.metrics"

invoice_metrics_t *invoice_metrics;

int invoice_ops_is_ours(const char *handler)
{
    return handler != NULL
        && (strcmp(handler, "invoice") == 0
            || strcmp(handler, INVOICE_HEALTH_HANDLER) == 0
            || strcmp(handler, INVOICE_METRICS_HANDLER) == 0);
}

static request_rec *original(request_rec *r)
{
    while (r->main != NULL) {
        r = r->main;
    }
    while (r->prev != NULL) {
        r = r->prev;
    }
    return r;
}

invoice_req_t *invoice_req(request_rec *r)
{
    request_rec *o = original(r);
    invoice_req_t *ctx = ap_get_module_config(o->request_config, &invoice_module);

    if (ctx == NULL) {
        ctx = apr_pcalloc(o->pool, sizeof(*ctx));
        ap_set_module_config(o->request_config, &invoice_module, ctx);
    }
    return ctx;
}

void invoice_req_identify(request_rec *r, int route, invoice_role_t role,
                          int caller, const char *invoice_id)
{
    request_rec *o = original(r);

    invoice_req(r)->route = route;
    apr_table_setn(o->notes, "invoice_route",
                   invoice_metrics_route_name(route));
    if (caller > 0) {
        apr_table_setn(o->notes, "invoice_role",
                       role == INVOICE_ROLE_SENDER ? "sender" : "consumer");
        apr_table_setn(o->notes, "invoice_caller", apr_itoa(o->pool, caller));
    }
    if (invoice_id != NULL && *invoice_id != '\0') {
        apr_table_setn(o->notes, "invoice_id", apr_pstrdup(o->pool, invoice_id));
    }
}

/* ------------------------------------------------------------- tracing */

int invoice_ops_fixups(request_rec *r)
{
    invoice_req_t *ctx;
    unsigned char random[24];
    char header[INVOICE_TRACEPARENT_LEN + 1];

    if (!invoice_ops_is_ours(r->handler)) {
        return DECLINED;
    }
    ctx = invoice_req(r);
    if (ctx->trace.span_id[0] == '\0') {
        if (apr_generate_random_bytes(random, sizeof(random)) != APR_SUCCESS) {
            return DECLINED;    /* no trace rather than no answer */
        }
        invoice_trace_start(apr_table_get(r->headers_in, "traceparent"),
                            random, &ctx->trace);
    }
    invoice_trace_format(&ctx->trace, header);
    /* err_headers_out: kept on error answers too. */
    apr_table_setn(r->err_headers_out, "traceparent", apr_pstrdup(r->pool, header));
    apr_table_setn(r->err_headers_out, "X-Request-Id", ctx->trace.span_id);
    apr_table_setn(original(r)->notes, "invoice_trace_id", ctx->trace.trace_id);
    apr_table_setn(r->notes, "invoice_trace_id", ctx->trace.trace_id);
    apr_table_setn(r->subprocess_env, "INVOICE_TRACE_ID", ctx->trace.trace_id);
    return DECLINED;
}

/* ------------------------------------------------------------- metrics */

apr_status_t invoice_ops_post_config(apr_pool_t *pconf, server_rec *s)
{
    void *base = NULL;
    apr_shm_t *shm;
    apr_status_t rv;

    /* In the process pool, so that the block and its counts outlive
     * graceful restarts (children of every generation add to it). */
    apr_pool_userdata_get(&base, SHM_KEY, s->process->pool);
    if (base == NULL) {
        rv = apr_shm_create(&shm, sizeof(invoice_metrics_t), NULL,
                            s->process->pool);
        if (rv != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, s,
                         "cannot create the metrics shared memory; metrics off");
            return rv;
        }
        base = apr_shm_baseaddr_get(shm);
        memset(base, 0, sizeof(invoice_metrics_t));
        apr_pool_userdata_set(base, SHM_KEY, apr_pool_cleanup_null,
                              s->process->pool);
    }
    apr_atomic_init(pconf);
    invoice_metrics = base;
    return APR_SUCCESS;
}

int invoice_ops_log_transaction(request_rec *r)
{
    request_rec *last = r;
    invoice_req_t *ctx;

    if (invoice_metrics == NULL) {
        return DECLINED;
    }
    while (last->next != NULL) {
        last = last->next;  /* an ErrorDocument redirect has the final status */
    }
    if (!invoice_ops_is_ours(r->handler) && !invoice_ops_is_ours(last->handler)) {
        return DECLINED;
    }
    ctx = invoice_req(r);
    invoice_metrics_request(invoice_metrics, ctx->route, last->status,
                            apr_time_now() - r->request_time);
    /* Counted here, where the bytes actually sent (a range, or none for
     * HEAD) are known. */
    if (ctx->route == INVOICE_ACTION_CONSUMER_FILE && !r->header_only
        && (last->status == HTTP_OK || last->status == HTTP_PARTIAL_CONTENT)) {
        invoice_metrics_add(invoice_metrics, INVOICE_COUNT_DOWNLOADED, 1);
        invoice_metrics_add(invoice_metrics, INVOICE_COUNT_BYTES_DOWNLOADED,
                            (apr_uint64_t)last->bytes_sent);
    }
    return DECLINED;
}

int invoice_ops_metrics(request_rec *r)
{
    const char *body;

    invoice_req_identify(r, INVOICE_METRIC_ROUTE_METRICS, 0, 0, NULL);
    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD");
        return invoice_http_send_problem(r, HTTP_METHOD_NOT_ALLOWED,
                                         "/metrics allows GET, HEAD", NULL);
    }
    if (invoice_metrics == NULL) {
        return invoice_http_send_problem(r, HTTP_SERVICE_UNAVAILABLE,
                                         "metrics are not available", NULL);
    }
    body = invoice_metrics_render(r->pool, invoice_metrics);
    r->status = HTTP_OK;
    ap_set_content_type(r, "text/plain; version=0.0.4; charset=utf-8");
    ap_set_content_length(r, (apr_off_t)strlen(body));
    if (!r->header_only) {
        ap_rputs(body, r);
    }
    return DONE;
}

int invoice_ops_status_hook(request_rec *r, int flags)
{
    const char *summary;

    if (invoice_metrics == NULL) {
        return OK;
    }
    summary = invoice_metrics_summary(r->pool, invoice_metrics);
    if (flags & AP_STATUS_SHORT) {
        ap_rputs(summary, r);
    }
    else {
        ap_rputs("<hr /><h2>mod_invoice</h2><pre>", r);
        ap_rputs(summary, r);   /* our own numbers: nothing to escape */
        ap_rputs("</pre>", r);
    }
    return OK;
}

/* -------------------------------------------------------------- health */

static int send_status(request_rec *r, int status, const char *word)
{
    const char *body = apr_psprintf(r->pool, "{\"status\":\"%s\"}", word);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return invoice_http_send_json(r, status, body, strlen(body));
}

int invoice_ops_health(request_rec *r)
{
    int ready = strcmp(r->uri, "/readyz") == 0;

    invoice_req_identify(r, ready ? INVOICE_METRIC_ROUTE_READYZ
                                  : INVOICE_METRIC_ROUTE_HEALTHZ, 0, 0, NULL);
    if (r->method_number != M_GET) {
        apr_table_setn(r->err_headers_out, "Allow", "GET, HEAD");
        return invoice_http_send_problem(r, HTTP_METHOD_NOT_ALLOWED,
                                         "health checks allow GET, HEAD", NULL);
    }
    if (!ready) {
        return send_status(r, HTTP_OK, "ok");   /* liveness: no database */
    }
    if (invoice_storage_ping(r) != INVOICE_DB_OK) {
        apr_table_setn(r->err_headers_out, "Retry-After", "2");
        return invoice_http_send_problem(r, HTTP_SERVICE_UNAVAILABLE,
            "the database is unavailable", NULL);
    }
    return send_status(r, HTTP_OK, "ready");
}
