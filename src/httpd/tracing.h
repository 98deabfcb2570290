/* W3C trace context on every response of the module (fixups hook):
 * traceparent and X-Request-Id out, the trace id in the notes and the
 * environment for the logs. */
#ifndef MOD_INVOICE_HTTPD_TRACING_H
#define MOD_INVOICE_HTTPD_TRACING_H

#include <httpd.h>

/** fixups hook: the trace of requests of the module's handlers. */
int invoice_tracing_fixups(request_rec *r);

/** Start (once per request) and send the trace of r. */
void invoice_tracing_apply(request_rec *r);

#endif
