/* Operations glue: request context (trace, route, caller) for logs and
 * metrics, the shared-memory metrics block, /healthz, /readyz, /metrics
 * and the mod_status section. */
#ifndef MOD_INVOICE_OPS_H
#define MOD_INVOICE_OPS_H

#include <httpd.h>

#include "auth.h"
#include "metrics.h"
#include "trace.h"

#define INVOICE_HEALTH_HANDLER "invoice-health"
#define INVOICE_METRICS_HANDLER "invoice-metrics"

/* What the logs and metrics need to know about one request. */
typedef struct {
    int route;                  /* invoice_action_t or invoice_metric_route_t */
    invoice_trace_t trace;
} invoice_req_t;

/* The metrics block all children share; NULL until post_config made it. */
extern invoice_metrics_t *invoice_metrics;

/** The request's context, created on first use (for r->main / r->prev the
 *  original request's context is shared). */
invoice_req_t *invoice_req(request_rec *r);

/** Record route, role, caller and invoice id for the access log. */
void invoice_req_identify(request_rec *r, int route, invoice_role_t role,
                          int caller, const char *invoice_id);

/** Create (or find again after a restart) the shared metrics block. */
apr_status_t invoice_ops_post_config(apr_pool_t *pconf, server_rec *s);

/** Hooks: fixups (trace headers), log_transaction (metrics), status. */
int invoice_ops_fixups(request_rec *r);
int invoice_ops_log_transaction(request_rec *r);
int invoice_ops_status_hook(request_rec *r, int flags);

/** Handlers for /healthz + /readyz and /metrics; both return DONE. */
int invoice_ops_health(request_rec *r);
int invoice_ops_metrics(request_rec *r);

/** True for the module's own handler names. */
int invoice_ops_is_ours(const char *handler);

#endif
