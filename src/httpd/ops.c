/* The metrics endpoint and the mod_status section.  See ops.h. */
#include "httpd/ops.h"

#include <http_protocol.h>
#include <mod_status.h>

#include "core/routes.h"
#include "httpd/context.h"
#include "httpd/counters.h"
#include "httpd/respond.h"
#include "httpd/version.h"

int invoice_ops_metrics(request_rec *r)
{
    invoice_metrics_t *m = invoice_counters();
    const char *body;

    invoice_req_identify(r, INVOICE_ACTION_METRICS, NULL, NULL);
    if (r->method_number != M_GET) {
        return invoice_send_not_allowed(r, "GET, HEAD",
                                        "/metrics allows GET, HEAD");
    }
    if (m == NULL) {
        return invoice_send_problem(r, HTTP_SERVICE_UNAVAILABLE,
                                    "metrics are not available", NULL);
    }
    body = invoice_metrics_render(r->pool, m, INVOICE_VERSION);
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
    invoice_metrics_t *m = invoice_counters();
    const char *summary;

    if (m == NULL) {
        return OK;
    }
    summary = invoice_metrics_summary(r->pool, m);
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

