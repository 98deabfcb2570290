/* Validation of create requests: 400 (not a JSON object with an "invoice"
 * object), 415 (not application/json), 422 (field errors, all reported at
 * once).  None of them may write a row. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CREATE = "/api/sender/invoices";

/* base64 of it_pdf, built once */
static const char *pdf_b64(void)
{
    static char *b;
    if (!b)
        b = it_base64(it_pdf, it_pdf_len);
    return b;
}

/* POST body (application/json) as a fresh sender; returns the response
 * after checking that no row was written for that sender. */
static http_response_t *post_fresh(const char *body)
{
    int s = it_new_id();
    http_response_t *r = api_post_json(CREATE, AS(s), body);
    long rows = db_count_sender(s);
    if (rows != 0)
        it_fail(__FILE__, __LINE__, "HTTP %ld for body %.200s, yet %ld row(s) "
                "were written", r->status, body, rows);
    return r;
}

/* {"invoice": {<fields>}} with receiver/file_type/content given as raw JSON
 * values; NULL leaves the member out; extra is appended raw when non-NULL. */
static char *invoice_body(const char *receiver, const char *ftype,
                          const char *content, const char *extra)
{
    size_t n = 256 + (receiver ? strlen(receiver) : 0) +
               (ftype ? strlen(ftype) : 0) + (content ? strlen(content) : 0) +
               (extra ? strlen(extra) : 0);
    char *b = malloc(n);
    assert_non_null(b);
    size_t o = (size_t)snprintf(b, n, "{\"invoice\": {");
    const char *sep = "";
    if (receiver) {
        o += (size_t)snprintf(b + o, n - o, "%s\"receiver_id\": %s", sep, receiver);
        sep = ", ";
    }
    if (ftype) {
        o += (size_t)snprintf(b + o, n - o, "%s\"file_type\": %s", sep, ftype);
        sep = ", ";
    }
    if (content) {
        o += (size_t)snprintf(b + o, n - o, "%s\"content\": %s", sep, content);
        sep = ", ";
    }
    if (extra)
        o += (size_t)snprintf(b + o, n - o, "%s%s", sep, extra);
    snprintf(b + o, n - o, "}}");
    return b;
}

static char *quoted(const char *s) { return strdup(P("\"%s\"", s)); }

static void t_invalid_body_400(void **state)
{
    (void)state;
    const char *const bodies[] = {
        "",
        " ",
        "not json",
        "{",
        "{\"invoice\": {\"receiver_id\": 2}",
        "{\"invoice\": {}} trailing",
        "{\"invoice\": {\"receiver_id\": NaN}}",
        "{'invoice': {}}",
        "[]",
        "[{\"invoice\": {}}]",
        "\"invoice\"",
        "42",
        "null",
        "true",
        "{}",
        "{\"other\": {}}",
        "{\"invoice\": null}",
        "{\"invoice\": 5}",
        "{\"invoice\": \"x\"}",
        "{\"invoice\": []}",
        "{\"invoice\": [{\"receiver_id\": 2}]}",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++) {
        http_response_t *r = post_fresh(bodies[i]);
        if (r->status != 400)
            it_fail(__FILE__, __LINE__, "body '%s': HTTP %ld, expected 400: %.300s",
                    bodies[i], r->status, r->body);
        json_object *p = assert_problem(r, 400);
        json_object_put(p);
        http_free(r);
    }
}

static void t_wrong_content_type_415(void **state)
{
    (void)state;
    char *body = it_create_body(it_new_id(), "application/pdf", it_pdf, it_pdf_len);
    const char *const types[] = {
        "text/plain", "application/xml", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "text/json", "application/jsonx",
        "application/problem+json", NULL /* no Content-Type at all */,
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        int s = it_new_id();
        http_response_t *r = api("POST", CREATE, AS(s), types[i], body,
                                 strlen(body));
        if (r->status != 415)
            it_fail(__FILE__, __LINE__, "Content-Type %s: HTTP %ld, expected 415",
                    types[i] ? types[i] : "(none)", r->status);
        json_object *p = assert_problem(r, 415);
        json_object_put(p);
        http_free(r);
        assert_int_equal(db_count_sender(s), 0);
    }
    free(body);
}

static void t_receiver_id_invalid_422(void **state)
{
    (void)state;
    char *content = quoted(pdf_b64());
    const char *const vals[] = {
        "\"2\"", "2.5", "true", "false", "0", "-1", "2147483648",
        "4294967298", "99999999999999999999", "null", "[2]", "{\"id\": 2}",
        NULL /* missing */,
    };
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        char *body = invoice_body(vals[i], "\"application/pdf\"", content, NULL);
        http_response_t *r = post_fresh(body);
        if (r->status != 422)
            it_fail(__FILE__, __LINE__, "receiver_id %s: HTTP %ld, expected 422",
                    vals[i] ? vals[i] : "(missing)", r->status);
        assert_field_errors(r, "receiver_id");
        http_free(r);
        free(body);
    }
    free(content);
}

static void t_file_type_invalid_422(void **state)
{
    (void)state;
    char *content = quoted(pdf_b64());
    const char *const vals[] = {
        "\"application/json\"", "\"image/jpeg\"", "\"text/plain\"", "\"\"",
        "\"APPLICATION/PDF\"", "\"application/pdf; charset=binary\"",
        "\" application/pdf\"", "\"pdf\"", "5", "null", "[\"application/pdf\"]",
        NULL /* missing */,
    };
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        char *body = invoice_body("2", vals[i], content, NULL);
        http_response_t *r = post_fresh(body);
        if (r->status != 422)
            it_fail(__FILE__, __LINE__, "file_type %s: HTTP %ld, expected 422",
                    vals[i] ? vals[i] : "(missing)", r->status);
        assert_field_errors(r, "file_type");
        http_free(r);
        free(body);
    }
    free(content);
}

/* content values that must be refused with a PDF file_type */
static void t_content_invalid_422(void **state)
{
    (void)state;
    const char *b = pdf_b64();
    char *hello = it_base64((const unsigned char *)"hello world", 11);
    char *png = it_base64(it_png, it_png_len);
    char *nodash = it_base64((const unsigned char *)"%PDF1.4 no dash", 15);
    /* "%PDF-1.4" is "JVBERi0xLjQ=" (one '=') */
    const char *const vals[] = {
        "\"\"",
        "5",
        "null",
        "true",
        "[\"JVBERi0xLjQ=\"]",
        "\"!!!!\"",
        "\"JVBERi0xLjQ\"",          /* padding missing */
        "\"JVBERi0xLjQ==\"",        /* too much padding */
        "\"JVBERi0x=jQ=\"",         /* '=' inside */
        "\"JVBERi0xLjR=\"",         /* non-zero bits before the padding */
        "\"JVBERi0x LjQ=\"",        /* space */
        "\"JVBE\\nRi0xLjQ=\"",      /* line break (JSON escape) */
        "\"JVBERi0xLjQ=\\r\\n\"",   /* trailing CRLF */
        "\"JVBERi0x-jQ=\"",         /* URL-safe alphabet */
        "\"JVBERi0x_jQ=\"",
        NULL,                       /* missing */
    };
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        char *body = invoice_body("2", "\"application/pdf\"", vals[i], NULL);
        http_response_t *r = post_fresh(body);
        if (r->status != 422)
            it_fail(__FILE__, __LINE__, "content %s: HTTP %ld, expected 422",
                    vals[i] ? vals[i] : "(missing)", r->status);
        assert_field_errors(r, "content");
        http_free(r);
        free(body);
    }
    /* valid base64 whose bytes do not match the declared type */
    struct { const char *b64; const char *type; } mism[] = {
        {hello, "application/pdf"}, {nodash, "application/pdf"},
        {png, "application/pdf"}, {b, "image/png"}, {hello, "image/png"},
    };
    for (size_t i = 0; i < sizeof mism / sizeof *mism; i++) {
        char *c = quoted(mism[i].b64), *t = quoted(mism[i].type);
        char *body = invoice_body("2", t, c, NULL);
        http_response_t *r = post_fresh(body);
        if (r->status != 422)
            it_fail(__FILE__, __LINE__, "%s declared as %s: HTTP %ld, expected "
                    "422", mism[i].b64, mism[i].type, r->status);
        assert_field_errors(r, "content");
        http_free(r);
        free(body);
        free(c);
        free(t);
    }
    free(hello);
    free(png);
    free(nodash);
}

static void t_unknown_field_422(void **state)
{
    (void)state;
    char *content = quoted(pdf_b64());
    const char *const extras[][2] = {
        {"\"total\": 5", "total"},   /* amount is a term now; total is not */
        {"\"sender_id\": 7", "sender_id"},   /* no spoofing of the sender */
        {"\"id\": \"00000000-0000-4000-8000-000000000000\"", "id"},
        {"\"is_payable\": false", "is_payable"},
        {"\"Content\": \"x\"", "Content"},
    };
    for (size_t i = 0; i < sizeof extras / sizeof *extras; i++) {
        char *body = invoice_body("2", "\"application/pdf\"", content, extras[i][0]);
        http_response_t *r = post_fresh(body);
        if (r->status != 422)
            it_fail(__FILE__, __LINE__, "extra member %s: HTTP %ld, expected 422",
                    extras[i][0], r->status);
        assert_field_errors(r, extras[i][1]);
        http_free(r);
        free(body);
    }
    free(content);
}

static void t_all_errors_at_once_422(void **state)
{
    (void)state;
    char *body = invoice_body("\"2\"", "\"text/plain\"", "\"!!\"", NULL);
    http_response_t *r = post_fresh(body);
    assert_field_errors(r, "receiver_id", "file_type", "content");
    http_free(r);
    free(body);

    body = invoice_body("0", "null", "\"\"", "\"note\": \"x\"");
    r = post_fresh(body);
    assert_field_errors(r, "receiver_id", "file_type", "content", "note");
    http_free(r);
    free(body);

    /* an empty invoice object: all three are required */
    r = post_fresh("{\"invoice\": {}}");
    assert_field_errors(r, "receiver_id", "file_type", "content");
    http_free(r);

    /* two bad, one good */
    char *content = quoted(pdf_b64());
    body = invoice_body("-5", "\"image/gif\"", content, NULL);
    r = post_fresh(body);
    assert_field_errors(r, "receiver_id", "file_type");
    http_free(r);
    free(body);
    free(content);
}

/* The refusals above leave the API fully usable for the same sender. */
static void t_valid_after_invalid(void **state)
{
    (void)state;
    int s = it_new_id();
    http_response_t *r = api_post_json(CREATE, AS(s), "{\"invoice\": 5}");
    assert_status(r, 400);
    http_free(r);
    char *body = invoice_body("0", "\"application/pdf\"", "\"\"", NULL);
    r = api_post_json(CREATE, AS(s), body);
    assert_status(r, 422);
    http_free(r);
    free(body);
    assert_int_equal(db_count_sender(s), 0);
    char id[37];
    create_tiny(s, 3, id);
    assert_int_equal(db_count_sender(s), 1);
}

const struct CMUnitTest it_tests_validation[] = {
    cmocka_unit_test(t_invalid_body_400),
    cmocka_unit_test(t_wrong_content_type_415),
    cmocka_unit_test(t_receiver_id_invalid_422),
    cmocka_unit_test(t_file_type_invalid_422),
    cmocka_unit_test(t_content_invalid_422),
    cmocka_unit_test(t_unknown_field_422),
    cmocka_unit_test(t_all_errors_at_once_422),
    cmocka_unit_test(t_valid_after_invalid),
};
IT_DEFINE_COUNT(validation);
