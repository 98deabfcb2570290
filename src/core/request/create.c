/* Create-request parsing: strict JSON check, json-c tree, field rules. */
#include "core/request/create.h"

#include <string.h>
#include <json-c/json.h>
#include <apr_strings.h>

#include "core/request/base64.h"
#include "core/request/json_strict.h"
#include "core/util/json.h"

/* {"invoice": {...}} nests two levels; a little slack, but no more. */
#define CREATE_MAX_DEPTH 4

static invoice_create_result_t bad_request(const char *detail)
{
    invoice_create_result_t res = { 400, detail, NULL };
    return res;
}

static void check_receiver_range(int64_t n, invoice_create_t *out,
                                 invoice_field_errors_t *errors)
{
    if (n < 1) {
        invoice_field_errors_add(errors, "receiver_id", "must be greater than 0");
    }
    else if (n > INVOICE_ID_MAX) {
        invoice_field_errors_add(errors, "receiver_id",
                                 "must be less than or equal to 2147483647");
    }
    else {
        out->receiver_id = (int)n;
    }
}

static void check_receiver_id(json_object *v, invoice_create_t *out,
                              invoice_field_errors_t *errors)
{
    if (v == NULL) {
        invoice_field_errors_add(errors, "receiver_id", "is required");
        return;
    }
    /* Only a JSON integer: json-c would happily convert "2", 2.5 or true. */
    if (!json_object_is_type(v, json_type_int)) {
        invoice_field_errors_add(errors, "receiver_id", "must be an integer");
        return;
    }
    check_receiver_range(json_object_get_int64(v), out, errors);
}

void invoice_create_check_receiver_text(const char *s, size_t len,
                                        invoice_create_t *out,
                                        invoice_field_errors_t *errors)
{
    int negative = len > 0 && s[0] == '-';
    uint64_t n;
    size_t digits = invoice_decimal_scan(s + negative, len - negative,
                                         (uint64_t)INVOICE_ID_MAX + 1, &n);

    if (digits == 0 || digits != len - negative) {
        invoice_field_errors_add(errors, "receiver_id", "must be an integer");
        return;
    }
    check_receiver_range(negative ? -(int64_t)n : (int64_t)n, out, errors);
}

static void check_file_type(json_object *v, invoice_filetype_t *type,
                            invoice_field_errors_t *errors)
{
    if (v == NULL) {
        invoice_field_errors_add(errors, "file_type", "is required");
        return;
    }
    if (!json_object_is_type(v, json_type_string)) {
        invoice_field_errors_add(errors, "file_type", "must be a string");
        return;
    }
    *type = invoice_filetype_from_media(json_object_get_string(v),
                                        json_object_get_string_len(v));
    if (*type == INVOICE_FILETYPE_UNKNOWN) {
        invoice_field_errors_add(errors, "file_type",
                                 "must be one of: application/pdf, image/png");
    }
}

static void check_content(apr_pool_t *p, json_object *v, invoice_create_t *out,
                          invoice_field_errors_t *errors)
{
    invoice_b64_status_t st;
    unsigned char *bytes;
    size_t n;

    if (v == NULL) {
        invoice_field_errors_add(errors, "content", "is required");
        return;
    }
    if (!json_object_is_type(v, json_type_string)) {
        invoice_field_errors_add(errors, "content", "must be a string");
        return;
    }
    if (json_object_get_string_len(v) == 0) {
        invoice_field_errors_add(errors, "content", "can't be blank");
        return;
    }
    st = invoice_base64_decode_pool(p, json_object_get_string(v),
                                    (size_t)json_object_get_string_len(v),
                                    &bytes, &n);
    if (st != INVOICE_B64_OK) {
        invoice_field_errors_add(errors, "content", invoice_base64_reason(st));
        return;
    }
    out->content = bytes;
    out->content_len = n;
    out->head = bytes;
    out->head_len = n;
    out->given = 1;
}

int invoice_create_check_file(const invoice_create_t *out, const char *field,
                              invoice_field_errors_t *errors)
{
    /* Without a known type or a file there is nothing to match. */
    if (out->file_type == INVOICE_FILETYPE_UNKNOWN || !out->given) {
        return 0;
    }
    if (out->content_len == 0) {
        invoice_field_errors_add(errors, field, "can't be blank");
        return 1;
    }
    /* The head is the whole file when it is shorter than a signature. */
    if (!invoice_filetype_matches(out->file_type, out->head, out->head_len)) {
        invoice_field_errors_add(errors, field,
                                 out->file_type == INVOICE_FILETYPE_PDF
                                     ? "is not a PDF file (must start with %PDF-)"
                                     : "is not a PNG file (bad signature)");
        return 1;
    }
    return 0;
}

static void check_unknown_fields(json_object *obj, const char *const *allowed,
                                 invoice_field_errors_t *errors)
{
    json_object_object_foreach(obj, key, val) {
        const char *const *a = allowed;
        (void)val;
        while (*a != NULL && strcmp(*a, key) != 0) {
            a++;
        }
        if (*a == NULL) {
            invoice_field_errors_add(errors, key, "is not allowed");
        }
    }
}

/* The json-c tree of a document that passed the strict check, owned by p. */
static json_object *parse_tree(apr_pool_t *p, const char *body, size_t len)
{
    json_tokener *tok = json_tokener_new_ex(CREATE_MAX_DEPTH + 1);
    json_object *root;

    if (tok == NULL) {
        return NULL;
    }
    root = invoice_json_own(p, json_tokener_parse_ex(tok, body, (int)len));
    if (json_tokener_get_error(tok) != json_tokener_success
        || json_tokener_get_parse_end(tok) != len) {
        root = NULL;
    }
    json_tokener_free(tok);
    return root;
}

static invoice_create_result_t check_invoice(apr_pool_t *p, json_object *inv,
                                             invoice_create_t *out)
{
    static const char *const allowed[] = { "receiver_id", "file_type",
                                           "content", INVOICE_TERMS_FIELD_NAMES,
                                           NULL };
    invoice_create_result_t res = { 0, NULL, invoice_field_errors_make(p) };

    check_receiver_id(invoice_json_member(inv, "receiver_id"), out,
                      res.errors);
    check_file_type(invoice_json_member(inv, "file_type"), &out->file_type,
                    res.errors);
    check_content(p, invoice_json_member(inv, "content"), out, res.errors);
    invoice_create_check_file(out, "content", res.errors);
    invoice_terms_from_json(p, inv, &out->terms, res.errors);
    invoice_terms_cross_check(&out->terms, res.errors);
    check_unknown_fields(inv, allowed, res.errors);
    return invoice_create_conclude(res, out, "the invoice has invalid fields");
}

invoice_create_result_t invoice_create_conclude(invoice_create_result_t res,
                                                invoice_create_t *out,
                                                const char *detail)
{
    if (invoice_field_errors_count(res.errors) > 0) {
        res.status = 422;
        res.detail = detail;
    }
    else if (!out->hashed) {
        invoice_sha256(out->content, out->content_len, out->sha256);
        out->hashed = 1;
    }
    return res;
}

/* The first byte that is not JSON whitespace, or '\0' if none. */
static char first_token(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') {
            return text[i];
        }
    }
    return '\0';
}

/* A strict JSON object -> json-c tree, or NULL with *detail set. */
static json_object *parse_json(apr_pool_t *p, const char *text, size_t len,
                               const char **detail)
{
    const char *why = NULL;
    json_object *root;

    if (len > (size_t)INT32_MAX) {
        *detail = "request body is too large";
        return NULL;
    }
    /* json-c alone is too lenient (NaN, duplicates, NUL ...): vet first. */
    if (!invoice_json_check(text, len, CREATE_MAX_DEPTH, &why)) {
        *detail = apr_pstrcat(p, "request body is not valid JSON: ", why, NULL);
        return NULL;
    }
    /* Checked here, not left to json-c: it cannot even finish a bare
     * number or literal at the very end of its input. */
    if (first_token(text, len) != '{') {
        *detail = "request body must be a JSON object";
        return NULL;
    }
    root = parse_tree(p, text, len);
    if (root == NULL) {
        *detail = "request body is not valid JSON";
    }
    return root;
}

void invoice_create_parse_meta(apr_pool_t *p, const char *json, size_t len,
                               invoice_create_t *out,
                               invoice_filetype_t *declared,
                               invoice_field_errors_t *errors)
{
    static const char *const allowed[] = { "receiver_id", "file_type",
                                           INVOICE_TERMS_FIELD_NAMES, NULL };
    const char *detail = NULL;
    json_object *obj = parse_json(p, json, len, &detail);

    if (obj == NULL) {      /* parse_json admits objects only */
        invoice_field_errors_add(errors, "invoice", "must be a JSON object");
        return;
    }
    check_receiver_id(invoice_json_member(obj, "receiver_id"), out, errors);
    if (invoice_json_member(obj, "file_type") != NULL) {  /* optional here */
        check_file_type(invoice_json_member(obj, "file_type"), declared, errors);
    }
    invoice_terms_from_json(p, obj, &out->terms, errors);
    check_unknown_fields(obj, allowed, errors);
}

invoice_create_result_t invoice_create_parse(apr_pool_t *p, const char *body,
                                             size_t len, invoice_create_t *out)
{
    invoice_create_result_t res;
    const char *detail = NULL;
    json_object *root, *inv;

    memset(out, 0, sizeof(*out));
    root = parse_json(p, body, len, &detail);
    if (root == NULL) {
        return bad_request(detail);
    }
    if (!json_object_object_get_ex(root, "invoice", &inv)
             || !json_object_is_type(inv, json_type_object)) {
        res = bad_request("request body must have an \"invoice\" object");
    }
    else {
        res = check_invoice(p, inv, out);
    }
    return res;
}
