/* Upload requests: collect multipart parts, or take a raw body, and apply
 * the create rules.  See upload_request.h. */
#include "core/request/upload.h"

#include <string.h>
#include <apr_strings.h>

#include "core/http/media_type.h"
#include "core/http/query.h"

typedef enum { PART_NONE, PART_RECEIVER, PART_INVOICE, PART_FILE, PART_TERM,
               PART_SKIP } part_kind;

struct invoice_upload_t {
    apr_pool_t *pool;
    invoice_field_errors_t *errors;
    part_kind current;
    unsigned seen;                  /* bit per part_kind already received */
    char field[INVOICE_UPLOAD_MAX_FIELD];
    apr_size_t field_len;
    int field_too_long;
    char receiver[INVOICE_UPLOAD_MAX_FIELD];
    apr_size_t receiver_len;
    char *invoice_json;
    apr_size_t invoice_len;
    invoice_filetype_t file_type;
    int file_type_given;            /* the file part had a Content-Type */
    invoice_filetype_t declared_type;   /* file_type in the "invoice" part */
    invoice_file_tap_t *tap;        /* the file part's bytes */
    invoice_term_t term;            /* of the current PART_TERM */
    invoice_terms_t terms;          /* amount, currency ... as parts */
};

invoice_upload_t *invoice_upload_make(apr_pool_t *p, invoice_file_tap_t *tap)
{
    invoice_upload_t *u = apr_pcalloc(p, sizeof(*u));

    u->pool = p;
    u->errors = invoice_field_errors_make(p);
    u->tap = tap;
    return u;
}

static part_kind kind_of(const char *name)
{
    if (strcmp(name, "receiver_id") == 0) {
        return PART_RECEIVER;
    }
    if (strcmp(name, "invoice") == 0) {
        return PART_INVOICE;
    }
    if (strcmp(name, "file") == 0) {
        return PART_FILE;
    }
    return PART_NONE;
}

static const char *part_begin(void *ctx, const invoice_mp_part_t *part)
{
    invoice_upload_t *u = ctx;
    part_kind kind = kind_of(part->name);

    u->term = invoice_terms_field(part->name, strlen(part->name));
    if (u->term != INVOICE_TERM_NONE) {
        /* A repeated term is the terms' own error, at its end. */
        u->current = PART_TERM;
        u->field_len = 0;
        u->field_too_long = 0;
        return NULL;
    }
    if (kind == PART_NONE) {
        invoice_field_errors_add(u->errors, part->name, "is not allowed");
        u->current = PART_SKIP;
        return NULL;
    }
    if (u->seen & (1u << kind)) {
        invoice_field_errors_add(u->errors, part->name, "is given more than once");
        u->current = PART_SKIP;
        return NULL;
    }
    u->seen |= 1u << kind;
    u->current = kind;
    u->field_len = 0;
    u->field_too_long = 0;
    if (kind == PART_FILE) {
        u->file_type_given = part->content_type != NULL;
        u->file_type = invoice_upload_raw_type(part->content_type);
    }
    return NULL;
}

static const char *part_data(void *ctx, const char *data, size_t len)
{
    invoice_upload_t *u = ctx;

    switch (u->current) {
    case PART_FILE:
        return invoice_file_tap_feed(u->tap, data, len);
    case PART_RECEIVER:
    case PART_INVOICE:
    case PART_TERM:
        if (len > sizeof(u->field) - u->field_len) {
            u->field_too_long = 1;
            return NULL;
        }
        memcpy(u->field + u->field_len, data, len);
        u->field_len += len;
        return NULL;
    default:
        return NULL;
    }
}

static const char *part_end(void *ctx)
{
    invoice_upload_t *u = ctx;

    if (u->current == PART_TERM) {
        /* Longer than the field buffer: longer than any valid value too. */
        invoice_terms_from_text(u->pool, u->term, u->field,
                                u->field_too_long ? sizeof(u->field) + 1
                                                  : u->field_len,
                                &u->terms, u->errors);
    }
    else if (u->field_too_long) {
        invoice_field_errors_add(u->errors,
                                 u->current == PART_RECEIVER ? "receiver_id" : "invoice",
                                 "is too long");
    }
    else if (u->current == PART_RECEIVER) {
        memcpy(u->receiver, u->field, u->field_len);
        u->receiver_len = u->field_len;
    }
    else if (u->current == PART_INVOICE) {
        u->invoice_json = apr_pmemdup(u->pool, u->field, u->field_len);
        u->invoice_len = u->field_len;
    }
    u->current = PART_NONE;
    return NULL;
}

const invoice_mp_handler_t *invoice_upload_mp_handler(void)
{
    static const invoice_mp_handler_t handler = { part_begin, part_data, part_end };
    return &handler;
}

invoice_filetype_t invoice_upload_raw_type(const char *content_type)
{
    static const invoice_filetype_t types[] = { INVOICE_FILETYPE_PDF,
                                                INVOICE_FILETYPE_PNG };

    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (invoice_media_type_match(content_type,
                                     invoice_filetype_media(types[i]))) {
            return types[i];
        }
    }
    return INVOICE_FILETYPE_UNKNOWN;
}

/* The checks shared by both forms, once receiver, type and bytes are known. */
static invoice_create_result_t finish(invoice_create_result_t res,
                                      invoice_create_t *out, const char *field)
{
    if (!out->given) {
        invoice_field_errors_add(res.errors, field, "is required");
    }
    invoice_create_check_file(out, field, res.errors);
    return invoice_create_conclude(res, out, "the upload has invalid fields");
}

static void check_file_type(invoice_upload_t *u, invoice_create_t *out)
{
    if (!(u->seen & (1u << PART_FILE))) {
        return;     /* "file is required" says it all */
    }
    if (!u->file_type_given && u->declared_type == INVOICE_FILETYPE_UNKNOWN) {
        invoice_field_errors_add(u->errors, "file_type", "is required");
    }
    else if (u->file_type_given && u->file_type == INVOICE_FILETYPE_UNKNOWN) {
        invoice_field_errors_add(u->errors, "file_type",
                                 "must be one of: application/pdf, image/png");
    }
    else if (u->file_type_given && u->declared_type != INVOICE_FILETYPE_UNKNOWN
             && u->declared_type != u->file_type) {
        invoice_field_errors_add(u->errors, "file_type",
                                 "does not match the file part's Content-Type");
    }
    else {
        out->file_type = u->file_type_given ? u->file_type : u->declared_type;
    }
}

invoice_create_result_t invoice_upload_finish(invoice_upload_t *u,
                                              invoice_create_t *out)
{
    invoice_create_result_t res = { 0, NULL, u->errors };
    int by_part = (u->seen & (1u << PART_RECEIVER)) != 0;
    int by_json = u->invoice_json != NULL;

    memset(out, 0, sizeof(*out));
    out->terms = u->terms;      /* the "invoice" part may add to them */
    if (by_part && by_json) {
        invoice_field_errors_add(u->errors, "receiver_id",
                                 "is given both as a part and in \"invoice\"");
    }
    else if (by_json) {
        invoice_create_parse_meta(u->pool, u->invoice_json, u->invoice_len,
                                  out, &u->declared_type, u->errors);
    }
    else if (by_part) {
        invoice_create_check_receiver_text(u->receiver, u->receiver_len, out,
                                           u->errors);
    }
    else if (!(u->seen & (1u << PART_INVOICE))) {
        invoice_field_errors_add(u->errors, "receiver_id", "is required");
    }
    check_file_type(u, out);
    if (u->seen & (1u << PART_FILE)) {
        invoice_file_tap_finish(u->tap, out);
    }
    invoice_terms_cross_check(&out->terms, u->errors);
    return finish(res, out, "file");
}

/* A raw upload's terms, as query parameters. */
static void raw_terms(apr_pool_t *p, const char *args, invoice_terms_t *terms,
                      invoice_field_errors_t *errors)
{
    static const char *const names[] = { INVOICE_TERMS_FIELD_NAMES };
    char value[INVOICE_UPLOAD_MAX_FIELD];

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t len = 0;
        int found = invoice_query_value(args, names[i], value, sizeof(value),
                                        &len);

        if (found < 0) {
            invoice_field_errors_add(errors, names[i], "must be given once, "
                                     "percent-encoded, and not too long");
        }
        else if (found > 0) {
            invoice_terms_from_text(p, invoice_terms_field(names[i],
                                                           strlen(names[i])),
                                    value, len, terms, errors);
        }
    }
    invoice_terms_cross_check(terms, errors);
}

invoice_create_result_t invoice_upload_raw(apr_pool_t *p, const char *media,
                                           invoice_file_tap_t *tap,
                                           const char *args,
                                           invoice_create_t *out)
{
    invoice_create_result_t res = { 0, NULL, invoice_field_errors_make(p) };
    char receiver[32];
    size_t rlen = 0;
    int found = invoice_query_value(args, "receiver_id", receiver,
                                    sizeof(receiver), &rlen);

    memset(out, 0, sizeof(*out));
    if (found == 0) {
        invoice_field_errors_add(res.errors, "receiver_id", "is required");
    }
    else if (found < 0) {
        invoice_field_errors_add(res.errors, "receiver_id", "must be an integer");
    }
    else {
        invoice_create_check_receiver_text(receiver, rlen, out, res.errors);
    }
    out->file_type = invoice_upload_raw_type(media);
    invoice_file_tap_finish(tap, out);
    raw_terms(p, args, &out->terms, res.errors);
    return finish(res, out, "file");
}
