/* Unit tests for upload requests (multipart parts and raw bodies). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <apr_general.h>
#include <apr_strings.h>

#include "core/request/upload.h"

#define BOUNDARY "XyZ123"
#define PDF "%PDF-1.3\n\x00\x01\xff rest"
#define PDF_LEN (sizeof(PDF) - 1)

#include "../unit_pool.h"

/* One part, "\r\n"-terminated; its length in *out_len (data may hold NULs). */
static const char *part(const char *name, const char *type, const char *data,
                        size_t len, size_t *out_len)
{
    const char *head = apr_psprintf(pool,
        "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"%s\"%s\r\n"
        "%s%s%s\r\n", name, type ? "; filename=\"x\"" : "",
        type ? "Content-Type: " : "", type ? type : "", type ? "\r\n" : "");
    char *out = apr_palloc(pool, strlen(head) + len + 3);

    memcpy(out, head, strlen(head));
    memcpy(out + strlen(head), data, len);
    memcpy(out + strlen(head) + len, "\r\n", 3);
    *out_len = strlen(head) + len + 2;
    return out;
}

/* Parse a multipart body fed in 7-byte pieces. */
static invoice_create_result_t parse(const char *body, size_t len,
                                     invoice_create_t *out)
{
    invoice_upload_t *u = invoice_upload_make(pool,
                                              invoice_file_tap_make(pool, len, NULL, NULL));
    invoice_multipart_t *mp = invoice_multipart_make(pool, BOUNDARY,
                                                     invoice_upload_mp_handler(), u);

    for (size_t off = 0; off < len; off += 7) {
        assert_null(invoice_multipart_feed(mp, body + off,
                                           len - off < 7 ? len - off : 7));
    }
    assert_null(invoice_multipart_finish(mp));
    return invoice_upload_finish(u, out);
}

static const char *body_of(const char *const *parts, size_t *lens, int n,
                           size_t *total)
{
    size_t len = 0, closing = strlen("--" BOUNDARY "--\r\n");
    char *out, *p;

    for (int i = 0; i < n; i++) {
        len += lens[i];
    }
    p = out = apr_palloc(pool, len + closing);
    for (int i = 0; i < n; i++) {
        memcpy(p, parts[i], lens[i]);
        p += lens[i];
    }
    memcpy(p, "--" BOUNDARY "--\r\n", closing);
    *total = len + closing;
    return out;
}

static void fields_and_file(void **state)
{
    size_t lens[2];
    const char *parts[2] = { part("receiver_id", NULL, "42", 2, &lens[0]),
                             part("file", "application/pdf", PDF, PDF_LEN, &lens[1]) };
    size_t total;
    const char *body = body_of(parts, lens, 2, &total);
    invoice_create_t in;
    invoice_create_result_t res = parse(body, total, &in);

    assert_int_equal(res.status, 0);
    assert_int_equal(in.receiver_id, 42);
    assert_int_equal(in.file_type, INVOICE_FILETYPE_PDF);
    assert_int_equal(in.content_len, PDF_LEN);
    assert_memory_equal(in.content, PDF, PDF_LEN);
}

static void invoice_json_part(void **state)
{
    const char *json = "{\"receiver_id\": 7, \"file_type\": \"application/pdf\"}";
    size_t lens[2];
    const char *parts[2] = { part("invoice", NULL, json, strlen(json), &lens[0]),
                             part("file", "application/pdf", PDF, PDF_LEN, &lens[1]) };
    size_t total;
    const char *body = body_of(parts, lens, 2, &total);
    invoice_create_t in;
    invoice_create_result_t res = parse(body, total, &in);

    assert_int_equal(res.status, 0);
    assert_int_equal(in.receiver_id, 7);
}

static void errors_are_all_reported(void **state)
{
    const char *json = "{\"receiver_id\": 7, \"file_type\": \"image/png\"}";
    size_t lens[4];
    const char *parts[4] = { part("invoice", NULL, json, strlen(json), &lens[0]),
                             part("file", "application/pdf", PDF, PDF_LEN, &lens[1]),
                             part("extra", NULL, "x", 1, &lens[2]),
                             part("file", "application/pdf", PDF, PDF_LEN, &lens[3]) };
    size_t total;
    const char *body = body_of(parts, lens, 4, &total);
    invoice_create_t in;
    invoice_create_result_t res = parse(body, total, &in);
    apr_size_t len;
    const char *problem;

    assert_int_equal(res.status, 422);
    problem = invoice_problem_render(pool, 422, res.detail, res.errors, &len);
    assert_non_null(strstr(problem, "\"extra\":[\"is not allowed\"]"));
    assert_non_null(strstr(problem, "\"file\":[\"is given more than once\"]"));
    assert_non_null(strstr(problem, "\"file_type\":[\"does not match"));
}

static void missing_parts(void **state)
{
    size_t total;
    const char *body = body_of(NULL, NULL, 0, &total);
    invoice_create_t in;
    invoice_create_result_t res = parse(body, total, &in);
    apr_size_t len;
    const char *problem;

    assert_int_equal(res.status, 422);
    problem = invoice_problem_render(pool, 422, res.detail, res.errors, &len);
    assert_non_null(strstr(problem, "\"receiver_id\":[\"is required\"]"));
    assert_non_null(strstr(problem, "\"file\":[\"is required\"]"));
}

static void wrong_signature_and_type(void **state)
{
    size_t lens[2];
    const char *parts[2] = { part("receiver_id", NULL, "0", 1, &lens[0]),
                             part("file", "image/png", PDF, PDF_LEN, &lens[1]) };
    size_t total;
    const char *body = body_of(parts, lens, 2, &total);
    invoice_create_t in;
    invoice_create_result_t res = parse(body, total, &in);
    apr_size_t len;
    const char *problem;

    assert_int_equal(res.status, 422);
    problem = invoice_problem_render(pool, 422, res.detail, res.errors, &len);
    assert_non_null(strstr(problem, "\"receiver_id\":[\"must be greater than 0\"]"));
    assert_non_null(strstr(problem, "\"file\":[\"is not a PNG file"));
}

/* A raw body through a tap that collects it, as the pg store does. */
static invoice_create_result_t raw(const char *media, const char *body,
                                   size_t len, const char *args,
                                   invoice_create_t *out)
{
    invoice_file_tap_t *tap = invoice_file_tap_make(pool, len, NULL, NULL);

    assert_null(invoice_file_tap_feed(tap, body, len));
    return invoice_upload_raw(pool, media, tap, args, out);
}

static void raw_body(void **state)
{
    invoice_create_t in;
    invoice_create_result_t res = raw("application/PDF; charset=binary", PDF,
                                      PDF_LEN, "x=1&receiver_id=%39", &in);

    assert_int_equal(res.status, 0);
    assert_int_equal(in.receiver_id, 9);
    assert_int_equal(in.file_type, INVOICE_FILETYPE_PDF);
    assert_int_equal(in.content_len, PDF_LEN);
}

static void raw_body_errors(void **state)
{
    static const char *queries[] = {
        NULL, "", "receiver_id=", "receiver_id=abc", "receiver_id=0",
        "receiver_id=2147483648", "receiver_id=1&receiver_id=1",
        "receiver_id=%zz", "receiver_id=+1", "receiver_id=-5",
    };
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        invoice_create_t in;
        invoice_create_result_t res = raw("application/pdf", PDF, PDF_LEN,
                                          queries[i], &in);
        assert_int_equal(res.status, 422);
        assert_int_equal(invoice_field_errors_count(res.errors), 1);
    }
}

static void raw_empty_body(void **state)
{
    invoice_create_t in;
    invoice_create_result_t res = raw("image/png", "", 0, "receiver_id=3", &in);
    assert_int_equal(res.status, 422);
}

/* What a file store's writer would receive. */
typedef struct {
    char got[256];
    size_t len;
    int refuse_after;       /* refuse once this many bytes came (0: never) */
} sink_t;

static const char *to_sink(void *ctx, const char *data, size_t len)
{
    sink_t *s = ctx;

    if (s->refuse_after > 0 && s->len + len > (size_t)s->refuse_after) {
        return "the store is full";
    }
    assert_true(s->len + len <= sizeof(s->got));
    memcpy(s->got + s->len, data, len);
    s->len += len;
    return NULL;
}

/* Handed on in pieces: nothing kept but the head; the digest is the
 * whole file's, the type check sees the head. */
static void raw_handed_on(void **state)
{
    sink_t sink = { "", 0, 0 };
    invoice_file_tap_t *tap = invoice_file_tap_make(pool, 0, to_sink, &sink);
    invoice_create_t in;
    unsigned char digest[INVOICE_SHA256_LEN];
    invoice_create_result_t res;

    for (size_t off = 0; off < PDF_LEN; off += 3) {
        assert_null(invoice_file_tap_feed(tap, PDF + off,
                                          PDF_LEN - off < 3 ? PDF_LEN - off : 3));
    }
    res = invoice_upload_raw(pool, "application/pdf", tap, "receiver_id=4", &in);
    assert_int_equal(res.status, 0);
    assert_null(in.content);
    assert_int_equal(in.content_len, PDF_LEN);
    assert_int_equal(sink.len, PDF_LEN);
    assert_memory_equal(sink.got, PDF, PDF_LEN);
    invoice_sha256((const unsigned char *)PDF, PDF_LEN, digest);
    assert_memory_equal(in.sha256, digest, INVOICE_SHA256_LEN);
}

static void raw_handed_on_wrong_type(void **state)
{
    sink_t sink = { "", 0, 0 };
    invoice_file_tap_t *tap = invoice_file_tap_make(pool, 0, to_sink, &sink);
    invoice_create_t in;

    assert_null(invoice_file_tap_feed(tap, PDF, PDF_LEN));
    assert_int_equal(invoice_upload_raw(pool, "image/png", tap, "receiver_id=4",
                                        &in).status, 422);
}

/* A sink that fails: its reason comes back, and nothing more passes. */
static void sink_failure_stops_the_tap(void **state)
{
    sink_t sink = { "", 0, 4 };
    invoice_file_tap_t *tap = invoice_file_tap_make(pool, 0, to_sink, &sink);

    assert_null(invoice_file_tap_feed(tap, PDF, 3));
    assert_string_equal(invoice_file_tap_feed(tap, PDF + 3, 3), "the store is full");
    assert_string_equal(invoice_file_tap_feed(tap, PDF + 6, 1), "the store is full");
    assert_int_equal(invoice_file_tap_size(tap), 3);
    assert_int_equal(sink.len, 3);
}

static void raw_types(void **state)
{
    assert_int_equal(invoice_upload_raw_type("application/pdf"), INVOICE_FILETYPE_PDF);
    assert_int_equal(invoice_upload_raw_type("IMAGE/PNG ; x=y"), INVOICE_FILETYPE_PNG);
    assert_int_equal(invoice_upload_raw_type("application/pdfx"), INVOICE_FILETYPE_UNKNOWN);
    assert_int_equal(invoice_upload_raw_type("text/plain"), INVOICE_FILETYPE_UNKNOWN);
    assert_int_equal(invoice_upload_raw_type(NULL), INVOICE_FILETYPE_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_and_file),
        cmocka_unit_test(invoice_json_part),
        cmocka_unit_test(errors_are_all_reported),
        cmocka_unit_test(missing_parts),
        cmocka_unit_test(wrong_signature_and_type),
        cmocka_unit_test(raw_body),
        cmocka_unit_test(raw_body_errors),
        cmocka_unit_test(raw_empty_body),
        cmocka_unit_test(raw_types),
        cmocka_unit_test(raw_handed_on),
        cmocka_unit_test(raw_handed_on_wrong_type),
        cmocka_unit_test(sink_failure_stops_the_tap),
    };
    return cmocka_run_group_tests_name("upload_request", tests, setup, teardown);
}
