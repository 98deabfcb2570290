/* What the handlers share: rendering an invoice, answering a store
 * failure.  See handlers.h. */
#include "httpd/handlers.h"

#include <apr_strings.h>

#include "core/render.h"
#include "httpd/counters.h"
#include "httpd/diagnosis.h"
#include "httpd/respond.h"

int invoice_h_send_invoice(invoice_call_t *call, int status,
                           const invoice_t *inv)
{
    apr_size_t len;
    const char *body = invoice_render_one(call->r->pool, inv, &len);

    return invoice_send_json(call->r, status, body, len);
}

const char *invoice_h_not_open(const invoice_t *inv, int voiding)
{
    if (inv->status == INVOICE_STATUS_VOID) {
        return voiding ? "the invoice has already been voided"
                       : "the invoice was voided: it cannot be paid";
    }
    return voiding ? "the invoice has been paid: it cannot be voided"
                   : INVOICE_ALREADY_PAID;
}

int invoice_h_conflict(invoice_call_t *call, invoice_store_status_t status,
                       const invoice_t *inv)
{
    request_rec *r = call->r;

    if (status == INVOICE_STORE_REFERENCE_TAKEN) {
        const char *members[] = { "invoice_id", inv->id, NULL };

        return invoice_send_problem_members(r, HTTP_CONFLICT, apr_pstrcat(
            r->pool, "the reference '", inv->reference, "' is already used by "
            "invoice ", inv->id, NULL), members);
    }
    if (status == INVOICE_STORE_CONFLICT) {
        return invoice_send_problem(r, HTTP_CONFLICT, invoice_h_not_open(
            inv, call->route->action == INVOICE_ACTION_SENDER_VOID), NULL);
    }
    return invoice_h_store_failure(call, status);
}

int invoice_h_store_failure(invoice_call_t *call,
                            invoice_store_status_t status)
{
    request_rec *r = call->r;

    switch (status) {
    case INVOICE_STORE_NOT_FOUND:
        return invoice_send_problem(r, HTTP_NOT_FOUND, "no such invoice", NULL);
    case INVOICE_STORE_CONFLICT:
        return invoice_send_problem(r, HTTP_CONFLICT, INVOICE_ALREADY_PAID,
                                    NULL);
    case INVOICE_STORE_BAD_CURSOR:
        return invoice_send_problem(r, HTTP_BAD_REQUEST,
            "starting_after must be the id of an invoice in this list", NULL);
    case INVOICE_STORE_UNAVAILABLE:
        invoice_count(INVOICE_COUNT_UNAVAILABLE, 1);
        return invoice_diagnosis_send_unavailable(r);
    case INVOICE_STORE_READ_ONLY:
        invoice_count(INVOICE_COUNT_UNAVAILABLE, 1);
        return invoice_send_unavailable(r, "the database takes no writes at "
                                        "the moment (a failover?); retry later",
                                        "outage");
    default:
        return invoice_send_problem(r, HTTP_INTERNAL_SERVER_ERROR,
                                    "internal error", NULL);
    }
}
