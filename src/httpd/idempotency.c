/* Idempotency-Key.  See idempotency.h. */
#include "httpd/idempotency.h"

#include <http_protocol.h>
#include <apr_strings.h>

#include "core/request/idempotency.h"
#include "httpd/body.h"
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/respond.h"

int invoice_idem_read(invoice_call_t *call, invoice_call_key_t *key)
{
    const char *value = apr_table_get(call->r->headers_in, INVOICE_IDEM_HEADER);

    if (value == NULL) {
        return 0;
    }
    if (!invoice_idem_key_valid(value)) {
        invoice_body_refuse(call->r);
        invoice_send_problem(call->r, HTTP_BAD_REQUEST, INVOICE_IDEM_HEADER
                             " must be 1 to 255 visible ASCII characters", NULL);
        return -1;
    }
    key->idem.caller = call->caller;
    key->idem.key = value;
    key->idem.fingerprint = key->fingerprint;
    key->idem.ttl_seconds = invoice_config_dir(call->r)->idempotency_ttl;
    return 1;
}

void invoice_idem_fingerprint_call(invoice_call_t *call, invoice_call_key_t *key,
                                   const char *const *parts, size_t nparts)
{
    invoice_idem_fingerprint(call->route->def->label, parts, nparts,
                             key->fingerprint);
}

int invoice_idem_send(request_rec *r, const invoice_reply_t *reply,
                      int replayed)
{
    if (reply->location != NULL) {
        apr_table_setn(r->headers_out, "Location", reply->location);
    }
    if (replayed) {
        apr_table_setn(r->headers_out, "Idempotent-Replayed", "true");
    }
    r->status = reply->status;
    ap_set_content_type(r, reply->content_type);
    ap_set_content_length(r, (apr_off_t)reply->len);
    if (!r->header_only) {
        ap_rwrite(reply->body, (int)reply->len, r);
    }
    return DONE;
}

int invoice_idem_answer(invoice_call_t *call, invoice_store_status_t status,
                        const invoice_reply_t *stored)
{
    request_rec *r = call->r;

    switch (status) {
    case INVOICE_STORE_REPLAY:
        invoice_count(INVOICE_COUNT_IDEM_REPLAYED, 1);
        return invoice_idem_send(r, stored, 1);
    case INVOICE_STORE_KEY_MISMATCH:
        invoice_count(INVOICE_COUNT_IDEM_MISMATCHED, 1);
        return invoice_send_problem(r, HTTP_UNPROCESSABLE_ENTITY,
            INVOICE_IDEM_HEADER " was used for a different request", NULL);
    case INVOICE_STORE_KEY_BUSY:
        invoice_count(INVOICE_COUNT_IDEM_IN_FLIGHT, 1);
        apr_table_setn(r->err_headers_out, "Retry-After", "1");
        return invoice_send_problem(r, HTTP_CONFLICT, "a request with this "
            INVOICE_IDEM_HEADER " is still being processed; retry", NULL);
    default:
        return invoice_h_store_failure(call, status);
    }
}
