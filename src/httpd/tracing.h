/* W3C trace context on every response of the module (fixups hook):
 * traceparent and X-Request-Id out, the trace id in the notes and the
 * environment for the logs. */
#ifndef MOD_INVOICE_HTTPD_TRACING_H
#define MOD_INVOICE_HTTPD_TRACING_H

#include <httpd.h>

int invoice_tracing_fixups(request_rec *r);

#endif
