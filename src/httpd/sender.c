/* The sender's creates: the JSON create and the upload (multipart or raw),
 * validated completely, then stored.  See handlers.h. */
#include "httpd/handlers.h"

#include <http_protocol.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "core/request/create.h"
#include "core/render.h"
#include "core/request/upload.h"
#include "core/util/hex.h"
#include "core/util/uuid.h"
#include "httpd/body.h"
#include "httpd/config.h"
#include "httpd/context.h"
#include "httpd/counters.h"
#include "httpd/fileout.h"
#include "httpd/idempotency.h"
#include "httpd/private.h"
#include "httpd/respond.h"
#include "httpd/transfers.h"

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

/* The 201 of a create, known before the invoice is stored (its id and
 * time are chosen here): what an Idempotency-Key remembers. */
static invoice_reply_t reply_201(request_rec *r, const invoice_t *inv)
{
    invoice_reply_t reply = { HTTP_CREATED, NULL, "application/json", NULL, 0 };

    reply.location = apr_pstrcat(r->pool, invoice_config_mount_prefix(r),
                                 "/sender/invoices/", inv->id, NULL);
    reply.body = invoice_render_one(r->pool, inv, &reply.len);
    return reply;
}

/* A new invoice's id, or 0 after answering 500. */
static int choose_id(request_rec *r, char *id)
{
    if (new_invoice_id(id)) {
        return 1;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, INVLOGNO(00102)
                  "no random bytes for an id");
    invoice_send_problem(r, HTTP_INTERNAL_SERVER_ERROR, "internal error", NULL);
    return 0;
}

/* Store a validated invoice (under key, when there is one), its file in
 * fo's store already (NULL: the bytes go with the row), and answer 201
 * with its Location.  Without its row, the file goes again. */
static int store_new(invoice_call_t *call, const char *id,
                     const invoice_create_t *in, const invoice_call_key_t *key,
                     invoice_file_out_t *fo)
{
    request_rec *r = call->r;
    const char *now = invoice_render_time(r->pool, apr_time_now());
    const char *media = invoice_filetype_media(in->file_type);
    invoice_new_t row = {
        .id = id, .inserted_at = now, .sender_id = call->caller.id,
        .receiver_id = in->receiver_id, .file_type = media,
        .content = fo ? NULL : in->content, .size = in->content_len,
        .sha256 = in->sha256, .file_store = invoice_file_out_store(fo),
        .has_amount = in->terms.has_amount, .amount = in->terms.amount,
        .currency = in->terms.currency, .due_date = in->terms.due_date,
        .reference = in->terms.reference,
    };
    invoice_t inv = {
        .id = id, .sender_id = call->caller.id, .receiver_id = in->receiver_id,
        .file_type = media, .file_size = (int)in->content_len,
        .status = INVOICE_STATUS_OPEN, .is_payable = 1,
        .has_amount = in->terms.has_amount, .amount = in->terms.amount,
        .currency = in->terms.currency, .due_date = in->terms.due_date,
        .reference = in->terms.reference, .inserted_at = now, .updated_at = now,
    };
    invoice_reply_t reply = reply_201(r, &inv), stored;
    invoice_store_status_t status = invoice_store_create(
        call->store, &row, key ? &key->idem : NULL, &reply, &inv, &stored);

    if (status != INVOICE_STORE_OK) {
        /* UNAVAILABLE: the row may have committed and only its answer
         * been lost; its file stays (an orphan at worst, for the sweep). */
        if (status != INVOICE_STORE_UNAVAILABLE) {
            invoice_file_out_discard(fo);
        }
        return status == INVOICE_STORE_REFERENCE_TAKEN
                   ? invoice_h_conflict(call, status, &inv)
                   : invoice_idem_answer(call, status, &stored);
    }
    invoice_count(INVOICE_COUNT_CREATED, 1);
    invoice_count(INVOICE_COUNT_BYTES_UPLOADED, in->content_len);
    invoice_req_identify(r, call->route->action, &call->caller, id);
    return invoice_idem_send(r, &reply, 0);
}

/* The fingerprint of a create or upload under key: the route and parts. */
static const invoice_call_key_t *fingerprinted(invoice_call_t *call,
                                               invoice_call_key_t *key,
                                               int has_key,
                                               const char *const *parts,
                                               size_t nparts)
{
    if (!has_key) {
        return NULL;
    }
    invoice_idem_fingerprint_call(call, key, parts, nparts);
    return key;
}

/* The lowercase hex SHA-256 of data, for a fingerprint. */
static const char *sha256_hex(apr_pool_t *p, const unsigned char *digest)
{
    char *hex = apr_palloc(p, 2 * INVOICE_SHA256_LEN + 1);

    invoice_hex_encode(digest, INVOICE_SHA256_LEN, hex);
    return hex;
}

/* A request that parsed into a valid invoice is stored, its file made
 * durable first; anything else is answered with the parse's problem (and
 * is not remembered by a key), and its file is dropped. */
static int store_if_valid(invoice_call_t *call, const char *id,
                          invoice_create_result_t parsed,
                          const invoice_create_t *in,
                          const invoice_call_key_t *key,
                          invoice_file_out_t *fo)
{
    if (parsed.status != 0) {
        invoice_file_out_discard(fo);
        return invoice_send_problem(call->r, parsed.status, parsed.detail,
                                    parsed.errors);
    }
    if (fo != NULL && invoice_file_out_commit(fo, in->sha256,
                                              (apr_off_t)in->content_len) != OK) {
        return DONE;
    }
    return store_new(call, id, in, key, fo);
}

/* A JSON create's file, decoded in memory, to r's file store (if any):
 * OK with *fo, or DONE (answered). */
static int file_to_store(request_rec *r, const char *id,
                         const invoice_create_t *in, invoice_file_out_t **fo)
{
    if (invoice_file_out_begin(r, id, fo) != OK) {
        return DONE;
    }
    if (*fo != NULL) {
        /* A failure is answered by the commit. */
        (void)invoice_file_out_sink(*fo, (const char *)in->content,
                                    in->content_len);
    }
    return OK;
}

int invoice_h_create(invoice_call_t *call)
{
    request_rec *r = call->r;
    invoice_create_t in;
    invoice_create_result_t parsed;
    invoice_call_key_t key;
    invoice_file_out_t *fo = NULL;
    unsigned char digest[INVOICE_SHA256_LEN];
    char id[INVOICE_UUID_LEN + 1];
    const char *part;
    char *body;
    apr_size_t len;
    int rv, has_key = invoice_idem_read(call, &key);

    if (has_key < 0) {
        return DONE;
    }
    if (!invoice_body_is_json(r)) {
        invoice_body_refuse(r);
        return invoice_send_problem(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
                                    "Content-Type must be application/json",
                                    NULL);
    }
    rv = invoice_body_read(r, &body, &len);
    if (rv != OK) {
        return rv;
    }
    /* Under a key, the request is its body, byte for byte. */
    invoice_sha256((const unsigned char *)body, len, digest);
    part = sha256_hex(r->pool, digest);
    parsed = invoice_create_parse(r->pool, body, len, &in);
    if (!choose_id(r, id) || (parsed.status == 0
                              && file_to_store(r, id, &in, &fo) != OK)) {
        return DONE;
    }
    return store_if_valid(call, id, parsed, &in,
                          fingerprinted(call, &key, has_key, &part, 1), fo);
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
                          invoice_file_tap_t *tap,
                          invoice_create_result_t *parsed, invoice_create_t *in)
{
    invoice_upload_t *upload = invoice_upload_make(r->pool, tap);
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

static int feed_tap(void *ctx, const char *data, apr_size_t n)
{
    return invoice_file_tap_feed(ctx, data, n) == NULL;
}

static int read_raw(request_rec *r, const char *ct, invoice_file_tap_t *tap,
                    invoice_create_result_t *parsed, invoice_create_t *in)
{
    int rv = invoice_body_stream(r, feed_tap, tap);

    if (rv == OK) {
        *parsed = invoice_upload_raw(r->pool, ct, tap, r->args, in);
    }
    return rv;
}

/* The upload's body through a tap: into memory for the database (sized by
 * Content-Length), or on to fo's store as it comes. */
static int read_upload(request_rec *r, const char *ct, const char *boundary,
                       invoice_file_out_t *fo,
                       invoice_create_result_t *parsed, invoice_create_t *in)
{
    invoice_file_tap_t *tap = invoice_file_tap_make(
        r->pool, fo ? 0 : invoice_body_size_hint(r),
        fo ? invoice_file_out_sink : NULL, fo);
    int rv = boundary != NULL ? read_multipart(r, boundary, tap, parsed, in)
                              : read_raw(r, ct, tap, parsed, in);

    if (rv == OK && invoice_file_out_failed(fo)) {
        return invoice_file_out_refused(fo);
    }
    if (rv == OK && fo == NULL && parsed->status == 0 && in->content == NULL) {
        return HTTP_INTERNAL_SERVER_ERROR;  /* out of memory while growing */
    }
    if (rv != OK) {
        invoice_file_out_discard(fo);
    }
    return rv;
}

/* Under a key, an upload is its fields (terms included) and its file's
 * hash (so that a retry with another multipart boundary is the same
 * request). */
static const invoice_call_key_t *upload_key(invoice_call_t *call,
                                            invoice_call_key_t *key,
                                            int has_key,
                                            const invoice_create_t *in)
{
    apr_pool_t *p = call->r->pool;
    const invoice_terms_t *t = &in->terms;
    const char *parts[7] = {
        apr_itoa(p, in->receiver_id),
        invoice_filetype_media(in->file_type) ? invoice_filetype_media(in->file_type) : "",
        sha256_hex(p, in->sha256),
        t->has_amount ? apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)t->amount) : "",
        t->currency ? t->currency : "", t->due_date ? t->due_date : "",
        t->reference ? t->reference : "",
    };

    return fingerprinted(call, key, has_key, parts, 7);
}

int invoice_h_upload(invoice_call_t *call)
{
    request_rec *r = call->r;
    const char *ct = apr_table_get(r->headers_in, "Content-Type");
    const char *boundary = invoice_multipart_boundary(r->pool, ct);
    int raw = invoice_upload_raw_type(ct) != INVOICE_FILETYPE_UNKNOWN;
    invoice_create_t in;
    invoice_create_result_t parsed;
    invoice_call_key_t key;
    invoice_file_out_t *fo = NULL;
    char id[INVOICE_UUID_LEN + 1];
    int rv, has_key = invoice_idem_read(call, &key);

    if (has_key < 0) {
        return DONE;
    }
    if (boundary == NULL && !raw) {
        invoice_body_refuse(r);
        apr_table_setn(r->err_headers_out, "Accept-Post", INVOICE_UPLOAD_ACCEPT);
        return invoice_send_problem(r, HTTP_UNSUPPORTED_MEDIA_TYPE,
            "Content-Type must be multipart/form-data (with a boundary), "
            "application/pdf or image/png", NULL);
    }
    if (!invoice_transfer_admit(r, INVOICE_TRANSFER_UPLOAD)
        || !choose_id(r, id) || invoice_file_out_begin(r, id, &fo) != OK) {
        return DONE;
    }
    rv = read_upload(r, ct, boundary, fo, &parsed, &in);
    if (rv != OK) {
        return rv;
    }
    return store_if_valid(call, id, parsed, &in, parsed.status != 0 ? NULL
                          : upload_key(call, &key, has_key, &in), fo);
}
