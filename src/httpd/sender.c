/* The sender's creates: the JSON create and the upload (multipart or raw),
 * validated completely, then stored.  See handlers.h. */
#include "httpd/handlers.h"

#include <http_protocol.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "core/request/create.h"
#include "core/request/upload.h"
#include "core/util/uuid.h"
#include "httpd/body.h"
#include "httpd/config.h"
#include "httpd/context.h"
#include "httpd/counters.h"
#include "httpd/private.h"
#include "httpd/respond.h"

/* A fresh UUIDv7 from the kernel's CSPRNG; 0 if randomness failed. */
static int new_invoice_id(char *out)
{
    unsigned char random[10];

    if (apr_generate_random_bytes(random, sizeof(random)) != APR_SUCCESS) {
        return 0;
    }
    invoice_uuid_v7((uint64_t)(apr_time_now() / 1000), random, out);
    return 1;
}

/* Store a validated invoice and answer 201 with its Location. */
static int store_new(invoice_call_t *call, const invoice_create_t *in)
{
    request_rec *r = call->r;
    char id[INVOICE_UUID_LEN + 1];
    invoice_new_t row = { id, call->caller.id, in->receiver_id,
                          invoice_filetype_media(in->file_type), in->content,
                          in->content_len, in->sha256 };
    invoice_t inv;
    invoice_store_status_t status;

    if (!new_invoice_id(id)) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, INVLOGNO(00102)
                      "no random bytes for an id");
        return invoice_send_problem(r, HTTP_INTERNAL_SERVER_ERROR,
                                    "internal error", NULL);
    }
    status = invoice_store_create(call->store, &row, &inv);
    if (status != INVOICE_STORE_OK) {
        return invoice_h_store_failure(call, status);
    }
    invoice_count(INVOICE_COUNT_CREATED, 1);
    invoice_count(INVOICE_COUNT_BYTES_UPLOADED, in->content_len);
    invoice_req_identify(r, call->route->action, &call->caller, inv.id);
    apr_table_setn(r->headers_out, "Location",
                   apr_pstrcat(r->pool, invoice_config_mount_prefix(r),
                               "/sender/invoices/", inv.id, NULL));
    return invoice_h_send_invoice(call, HTTP_CREATED, &inv);
}

/* A request that parsed into a valid invoice is stored; anything else is
 * answered with the parse's problem. */
static int store_if_valid(invoice_call_t *call, invoice_create_result_t parsed,
                          const invoice_create_t *in)
{
    if (parsed.status != 0) {
        return invoice_send_problem(call->r, parsed.status, parsed.detail,
                                    parsed.errors);
    }
    return store_new(call, in);
}

int invoice_h_create(invoice_call_t *call)
{
    request_rec *r = call->r;
    invoice_create_t in;
    char *body;
    apr_size_t len;
    int rv;

    if (!invoice_body_is_json(r)) {
        ap_discard_request_body(r);
        return invoice_send_problem(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                                    "Content-Type must be application/json",
                                    NULL);
    }
    rv = invoice_body_read(r, &body, &len);
    if (rv != OK) {
        return rv;
    }
    return store_if_valid(call, invoice_create_parse(r->pool, body, len, &in),
                          &in);
}

typedef struct {
    invoice_multipart_t *mp;
    const char *error;
} multipart_sink_t;

static int feed_multipart(void *ctx, const char *data, apr_size_t n)
{
    multipart_sink_t *sink = ctx;

    sink->error = invoice_multipart_feed(sink->mp, data, n);
    return sink->error == NULL;
}

/* Stream a multipart body through the parser into an upload. */
static int read_multipart(request_rec *r, const char *boundary,
                          invoice_create_result_t *parsed, invoice_create_t *in)
{
    invoice_upload_t *upload = invoice_upload_make(r->pool,
                                                   invoice_body_size_hint(r));
    multipart_sink_t sink = {
        invoice_multipart_make(r->pool, boundary, invoice_upload_mp_handler(),
                               upload),
        NULL
    };
    int rv = invoice_body_stream(r, feed_multipart, &sink);

    if (rv != OK) {
        return rv;
    }
    if (sink.error == NULL) {
        sink.error = invoice_multipart_finish(sink.mp);
    }
    if (sink.error != NULL) {
        parsed->status = HTTP_BAD_REQUEST;
        parsed->detail = apr_pstrcat(r->pool, "malformed multipart body: ",
                                     sink.error, NULL);
        parsed->errors = NULL;
        return OK;
    }
    *parsed = invoice_upload_finish(upload, in);
    return OK;
}

static int read_raw(request_rec *r, const char *ct,
                    invoice_create_result_t *parsed, invoice_create_t *in)
{
    char *body;
    apr_size_t len;
    int rv = invoice_body_read(r, &body, &len);

    if (rv == OK) {
        *parsed = invoice_upload_raw(r->pool, ct, (const unsigned char *)body,
                                     len, r->args, in);
    }
    return rv;
}

int invoice_h_upload(invoice_call_t *call)
{
    request_rec *r = call->r;
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *boundary = invoice_multipart_boundary(r->pool, ct);
    invoice_create_t in;
    invoice_create_result_t parsed;
    int rv;

    if (boundary != NULL) {
        rv = read_multipart(r, boundary, &parsed, &in);
    }
    else if (invoice_upload_raw_type(ct) != INVOICE_FILETYPE_UNKNOWN) {
        rv = read_raw(r, ct, &parsed, &in);
    }
    else {
        ap_discard_request_body(r);
        apr_table_setn(r->err_headers_out, "Accept-Post", INVOICE_UPLOAD_ACCEPT);
        return invoice_send_problem(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be multipart/form-data (with a boundary), "
            "application/pdf or image/png", NULL);
    }
    return rv != OK ? rv : store_if_valid(call, parsed, &in);
}
