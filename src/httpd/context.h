/* What the logs and metrics need to know about one request: its route
 * (an invoice_action_t), its trace, its caller and invoice.  Shared by an
 * original request and its internal redirects and subrequests. */
#ifndef MOD_INVOICE_HTTPD_CONTEXT_H
#define MOD_INVOICE_HTTPD_CONTEXT_H

#include <httpd.h>

#include "core/http/trace.h"
#include "core/invoice.h"

typedef struct {
    int action;                 /* invoice_action_t; NONE until routed */
    invoice_trace_t trace;
} invoice_req_t;

/** The request's context, created on first use. */
invoice_req_t *invoice_req(request_rec *r);

/** The original request of r (before internal redirects, subrequests). */
request_rec *invoice_req_original(request_rec *r);

/** Record the action (and, when known, the caller and invoice id) for
 *  metrics and the access log notes. */
void invoice_req_identify(request_rec *r, int action,
                          const invoice_caller_t *caller,
                          const char *invoice_id);

#endif
