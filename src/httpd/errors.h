/* Errors httpd raises itself, rendered as problem+json like every other
 * error of the API:
 *   - inside a mount, by an output filter that replaces httpd's HTML error
 *     page (401 from auth modules, keeping WWW-Authenticate; 403 from
 *     Require; 413 from LimitRequestBody; 400 from bad chunking ...);
 *   - before any URL is mapped (a malformed request line, 414, 417 ...),
 *     through a server-level `ErrorDocument NNN /path` whose <Location>
 *     has `SetHandler invoice-problem`. */
#ifndef MOD_INVOICE_HTTPD_ERRORS_H
#define MOD_INVOICE_HTTPD_ERRORS_H

#include <httpd.h>

/** Register the output filter (register_hooks). */
void invoice_errors_register(void);

/** insert_error_filter hook: inside a mount, render the error as JSON. */
void invoice_errors_insert_filter(request_rec *r);

/** The invoice-problem handler: the ErrorDocument of the request before
 *  an internal redirect, as problem+json; returns DONE. */
int invoice_errors_document(request_rec *r);

#endif
