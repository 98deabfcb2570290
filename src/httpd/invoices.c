/* Reading invoices (either role) and paying one (consumer).  See
 * handlers.h. */
#include "httpd/handlers.h"

#include <http_protocol.h>

#include "core/render.h"
#include "core/request/list_query.h"
#include "httpd/counters.h"
#include "httpd/respond.h"

int invoice_h_show(invoice_call_t *call)
{
    invoice_t inv;
    invoice_store_status_t status = invoice_store_get(call->store, &call->caller,
                                                      call->route->id, &inv);

    return status == INVOICE_STORE_OK
               ? invoice_h_send_invoice(call, HTTP_OK, &inv)
               : invoice_h_store_failure(call, status);
}

int invoice_h_list(invoice_call_t *call)
{
    request_rec *r = call->r;
    invoice_list_query_t q;
    invoice_page_t page = { call->caller, call->route->sender_id, 0, NULL };
    apr_array_header_t *items;
    const char *why, *body;
    apr_size_t len;
    int has_more;
    invoice_store_status_t status;

    if (!invoice_list_query_parse(r->args, &q, &why)) {
        return invoice_send_problem(r, HTTP_BAD_REQUEST, why, NULL);
    }
    page.limit = q.limit;
    page.after = q.starting_after[0] != '\0' ? q.starting_after : NULL;
    status = invoice_store_list(call->store, &page, &items, &has_more);
    if (status != INVOICE_STORE_OK) {
        return invoice_h_store_failure(call, status);
    }
    body = invoice_render_list(r->pool, items, has_more, &len);
    return invoice_send_json(r, HTTP_OK, body, len);
}

int invoice_h_pay(invoice_call_t *call)
{
    invoice_t inv;
    invoice_store_status_t status = invoice_store_pay(call->store,
                                                      call->caller.id,
                                                      call->route->id, &inv);

    if (status != INVOICE_STORE_OK) {
        return invoice_h_store_failure(call, status);
    }
    invoice_count(INVOICE_COUNT_PAID, 1);
    return invoice_h_send_invoice(call, HTTP_OK, &inv);
}
