/* From a request to an answer: requests below an API mount (InvoiceAPI On)
 * are claimed (no DocumentRoot mapping, no stat), routed through
 * core/routes.def, their caller identified, and handed to the route's
 * handler; the operations handlers are dispatched by their SetHandler
 * names. */
#ifndef MOD_INVOICE_HTTPD_DISPATCH_H
#define MOD_INVOICE_HTTPD_DISPATCH_H

#include <httpd.h>

/** translate_name (to run after mod_proxy's, so that a ProxyPass inside a
 *  mount wins): claim a request below a mount; r->filename names the
 *  module, as mod_proxy's "proxy:" does. */
int invoice_dispatch_translate_name(request_rec *r);

/** map_to_storage: a claimed request is no file (no stat, no <Directory>). */
int invoice_dispatch_map_to_storage(request_rec *r);

/** fixups: a claimed request goes to the API handler. */
int invoice_dispatch_fixups(request_rec *r);

/** The handler hook. */
int invoice_dispatch_handler(request_rec *r);

#endif
