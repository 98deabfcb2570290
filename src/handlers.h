/* Route handlers: one function per API action.  Each takes the matched
 * route and the authenticated caller, and returns what the httpd handler
 * returns (DONE after writing a response, or an HTTP status). */
#ifndef MOD_INVOICE_HANDLERS_H
#define MOD_INVOICE_HANDLERS_H

#include <httpd.h>

#include "router.h"

typedef int (*invoice_handler_fn)(request_rec *r, const invoice_route_t *route,
                                  int caller);

/** The handler of an action; NULL for INVOICE_ACTION_NONE. */
invoice_handler_fn invoice_handler_for(invoice_action_t action);

#endif
