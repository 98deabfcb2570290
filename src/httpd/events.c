/* The sender's void, and the events: each party's feed and an invoice's
 * history.  See handlers.h. */
#include "httpd/handlers.h"

#include <http_protocol.h>

#include "core/render.h"
#include "core/request/list_query.h"
#include "httpd/respond.h"

int invoice_h_void(invoice_call_t *call)
{
    invoice_t inv;
    invoice_store_status_t status = invoice_store_void(
        call->store, call->caller.id, call->route->id, &inv);

    return status == INVOICE_STORE_OK
               ? invoice_h_send_invoice(call, HTTP_OK, &inv)
               : invoice_h_conflict(call, status, &inv);
}

/* An invoice's history: only of an invoice the caller sees (404 alike for
 * unknown and foreign ones, as everywhere). */
static invoice_store_status_t visible(invoice_call_t *call)
{
    invoice_t inv;

    return call->route->id[0] == '\0'
               ? INVOICE_STORE_OK
               : invoice_store_get(call->store, &call->caller, call->route->id,
                                   &inv);
}

int invoice_h_events(invoice_call_t *call)
{
    request_rec *r = call->r;
    invoice_list_query_t q;
    invoice_event_page_t page = {
        call->caller, call->route->id[0] ? call->route->id : NULL, 0, NULL
    };
    apr_array_header_t *events;
    const char *why, *body;
    apr_size_t len;
    int has_more;
    invoice_store_status_t status;

    if (!invoice_events_query_parse(r->args, &q, &why)) {
        return invoice_send_problem(r, HTTP_BAD_REQUEST, why, NULL);
    }
    page.limit = q.limit;
    page.after = q.starting_after[0] != '\0' ? q.starting_after : NULL;
    status = visible(call);
    if (status == INVOICE_STORE_OK) {
        status = invoice_store_events(call->store, &page, &events, &has_more);
    }
    if (status == INVOICE_STORE_BAD_CURSOR) {
        return invoice_send_problem(r, HTTP_BAD_REQUEST, "starting_after must "
                                    "be the id of an event in this feed", NULL);
    }
    if (status != INVOICE_STORE_OK) {
        return invoice_h_store_failure(call, status);
    }
    body = invoice_render_events(r->pool, events, has_more, &len);
    return invoice_send_json(r, HTTP_OK, body, len);
}
