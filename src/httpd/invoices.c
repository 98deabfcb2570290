/* Reading invoices (either role) and paying one (consumer).  See
 * handlers.h. */
#include "httpd/handlers.h"

#include <http_protocol.h>

#include "core/render.h"
#include "core/request/list_query.h"
#include "httpd/counters.h"
#include "httpd/idempotency.h"
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
    page.status = q.status;
    status = invoice_store_list(call->store, &page, &items, &has_more);
    if (status != INVOICE_STORE_OK) {
        return invoice_h_store_failure(call, status);
    }
    body = invoice_render_list(r->pool, items, has_more, &len);
    return invoice_send_json(r, HTTP_OK, body, len);
}

/* The reply to a pay under a key, remembered with the payment: 200 with
 * the paid invoice, or the 409 of an invoice paid or voided before. */
static void render_pay(void *ctx, invoice_store_status_t outcome,
                       const invoice_t *inv, invoice_reply_t *reply)
{
    apr_pool_t *p = ctx;

    reply->location = NULL;
    if (outcome == INVOICE_STORE_OK) {
        reply->status = HTTP_OK;
        reply->content_type = "application/json";
        reply->body = invoice_render_one(p, inv, &reply->len);
    }
    else {
        reply->status = HTTP_CONFLICT;
        reply->content_type = INVOICE_PROBLEM_MEDIA;
        reply->body = invoice_problem_render(p, HTTP_CONFLICT,
                                             invoice_h_not_open(inv, 0), NULL,
                                             &reply->len);
    }
}

static int pay_once(invoice_call_t *call, invoice_call_key_t *key)
{
    const char *part = call->route->id;
    invoice_reply_t reply;
    invoice_store_status_t status;

    invoice_idem_fingerprint_call(call, key, &part, 1);
    status = invoice_store_pay_once(call->store, call->caller.id,
                                    call->route->id, &key->idem, render_pay,
                                    call->r->pool, &reply);
    if (status != INVOICE_STORE_OK && status != INVOICE_STORE_CONFLICT) {
        return invoice_idem_answer(call, status, &reply);
    }
    if (status == INVOICE_STORE_OK) {
        invoice_count(INVOICE_COUNT_PAID, 1);
    }
    return invoice_idem_send(call->r, &reply, 0);
}

int invoice_h_pay(invoice_call_t *call)
{
    invoice_t inv;
    invoice_call_key_t key;
    invoice_store_status_t status;

    switch (invoice_idem_read(call, &key)) {
    case -1:
        return DONE;
    case 1:
        return pay_once(call, &key);
    }
    status = invoice_store_pay(call->store, call->caller.id, call->route->id,
                               &inv);
    if (status != INVOICE_STORE_OK) {
        return invoice_h_conflict(call, status, &inv);
    }
    invoice_count(INVOICE_COUNT_PAID, 1);
    return invoice_h_send_invoice(call, HTTP_OK, &inv);
}
