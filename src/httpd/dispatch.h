/* From a request to an answer: the handler hook (the API, health and
 * metrics handlers), the API's routing through core/routes.def,
 * identification of the caller, and the problem+json rendering of errors
 * httpd raises itself inside the API. */
#ifndef MOD_INVOICE_HTTPD_DISPATCH_H
#define MOD_INVOICE_HTTPD_DISPATCH_H

#include <httpd.h>

/** The handler hook. */
int invoice_dispatch_handler(request_rec *r);

/** translate_name and map_to_storage hooks: the API is a namespace, not
 *  files (no DocumentRoot mapping, no stat per request). */
int invoice_dispatch_translate_name(request_rec *r);
int invoice_dispatch_map_to_storage(request_rec *r);

#endif
