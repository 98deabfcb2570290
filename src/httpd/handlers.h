/* The handlers named in core/routes.def: one function per route, each
 * answering one matched request of an identified caller.  Each returns
 * what the httpd handler returns (DONE after writing a response, or an
 * HTTP status / AP_FILTER_ERROR). */
#ifndef MOD_INVOICE_HTTPD_HANDLERS_H
#define MOD_INVOICE_HTTPD_HANDLERS_H

#include <httpd.h>

#include "core/invoice.h"
#include "core/routes.h"
#include "store/store.h"

/* One API call: the request, its route, its caller, its store. */
typedef struct {
    request_rec *r;
    const invoice_route_t *route;
    invoice_caller_t caller;
    invoice_store_t *store;     /* connects on first use */
} invoice_call_t;

typedef int invoice_handler_fn(invoice_call_t *call);

/* Sender routes (httpd/sender.c). */
invoice_handler_fn invoice_h_create, invoice_h_upload;
/* Routes of both roles and the pay (httpd/invoices.c). */
invoice_handler_fn invoice_h_list, invoice_h_show, invoice_h_pay;
/* The file download (httpd/download.c). */
invoice_handler_fn invoice_h_download;
/* The sender's void, and the events feeds and histories (httpd/events.c). */
invoice_handler_fn invoice_h_void, invoice_h_events;
/* The OpenAPI document of the mount, to anyone (httpd/openapi.c). */
invoice_handler_fn invoice_h_openapi;

/* The detail of a 409 for an invoice paid before. */
#define INVOICE_ALREADY_PAID "the invoice has already been paid"

/** The detail of a 409: why inv (paid or void) cannot be paid (voiding 0)
 *  or voided (voiding 1). */
const char *invoice_h_not_open(const invoice_t *inv, int voiding);

/* Shared by the handlers (httpd/handlers.c). */

/** {"data": Invoice} with status; returns DONE. */
int invoice_h_send_invoice(invoice_call_t *call, int status,
                           const invoice_t *inv);

/** The answer to a failed store call (never OK); returns DONE.  inv is
 *  the invoice the store returned with a CONFLICT or REFERENCE_TAKEN (NULL
 *  otherwise). */
int invoice_h_store_failure(invoice_call_t *call,
                            invoice_store_status_t status);
int invoice_h_conflict(invoice_call_t *call, invoice_store_status_t status,
                       const invoice_t *inv);

#endif
