/* Trace context.  See tracing.h. */
#include "httpd/tracing.h"

#include <apr_strings.h>

#include "httpd/config.h"
#include "httpd/context.h"

int invoice_tracing_fixups(request_rec *r)
{
    if (invoice_config_handler_is_ours(r->handler)) {
        invoice_tracing_apply(r);
    }
    return DECLINED;
}

void invoice_tracing_apply(request_rec *r)
{
    invoice_req_t *ctx = invoice_req(r);
    unsigned char random[24];
    char header[INVOICE_TRACEPARENT_LEN + 1];

    if (ctx->trace.span_id[0] == '\0') {
        if (apr_generate_random_bytes(random, sizeof(random)) != APR_SUCCESS) {
            return;     /* no trace rather than no answer */
        }
        invoice_trace_start(apr_table_get(r->headers_in, "traceparent"),
                            random, &ctx->trace);
    }
    invoice_trace_format(&ctx->trace, header);
    /* err_headers_out: kept on error answers too. */
    apr_table_setn(r->err_headers_out, "traceparent", apr_pstrdup(r->pool, header));
    apr_table_setn(r->err_headers_out, "X-Request-Id", ctx->trace.span_id);
    apr_table_setn(invoice_req_original(r)->notes, "invoice_trace_id",
                   ctx->trace.trace_id);
    apr_table_setn(r->notes, "invoice_trace_id", ctx->trace.trace_id);
    apr_table_setn(r->subprocess_env, "INVOICE_TRACE_ID", ctx->trace.trace_id);
}
