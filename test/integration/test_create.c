/* POST /api/sender/invoices: successful creates, what they store, and the
 * request body size limit. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BODY_LIMIT 2097152

static const char *const CREATE = "/api/sender/invoices";

static void t_create_pdf_and_show(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t len;
    unsigned char *pdf = it_read_data("helloworld.pdf", &len);
    assert_int_equal(len, 6718);
    char *body = it_create_body(rcv, "application/pdf", pdf, len);

    http_response_t *r = api_post_json(CREATE, AS(s), body);
    json_object *data;
    json_object *root = assert_invoice_response(r, 201, &data);
    const char *id = json_object_get_string(json_object_object_get(data, "id"));
    assert_header(r, "Location", P("/api/sender/invoices/%s", id));
    assert_int_equal(json_object_get_int(json_object_object_get(data, "sender_id")), s);
    assert_int_equal(json_object_get_int(json_object_object_get(data, "receiver_id")), rcv);
    assert_string_equal(json_object_get_string(json_object_object_get(data, "file_type")),
                        "application/pdf");
    assert_int_equal(json_object_get_int(json_object_object_get(data, "file_size")), 6718);
    assert_true(json_object_get_boolean(json_object_object_get(data, "is_payable")));
    assert_null(json_object_object_get(data, "paid_at"));

    db_assert_invoice(id, s, rcv, "application/pdf", pdf, len);
    db_invoice_t row;
    db_get_invoice(id, &row);
    assert_true(row.is_payable);
    assert_false(row.paid);

    /* the sender sees the very same object at its Location */
    http_response_t *g = api_get(http_header(r, "Location"), AS(s));
    json_object *gdata;
    json_object *groot = assert_invoice_response(g, 200, &gdata);
    it_check(json_object_equal(data, gdata), "show differs from create: %s vs %s",
             json_object_to_json_string(data), json_object_to_json_string(gdata));
    json_object_put(groot);
    http_free(g);
    json_object_put(root);
    http_free(r);
    free(body);
    free(pdf);
}

/* test/data/ab_sample.txt, sent as it is (the benchmark's body). */
static void t_create_ab_sample_and_download(void **state)
{
    (void)state;
    int s = it_new_id();
    size_t blen, plen;
    unsigned char *body = it_read_data("ab_sample.txt", &blen);
    unsigned char *pdf = it_read_data("helloworld.pdf", &plen);
    http_response_t *r = api("POST", CREATE, AS(s), "application/json", body, blen);
    json_object *data;
    json_object *root = assert_invoice_response(r, 201, &data);
    assert_int_equal(json_object_get_int(json_object_object_get(data, "file_size")), 6718);
    assert_int_equal(json_object_get_int(json_object_object_get(data, "receiver_id")), 2);
    assert_int_equal(json_object_get_int(json_object_object_get(data, "sender_id")), s);
    char id[37];
    snprintf(id, sizeof id, "%s", json_object_get_string(json_object_object_get(data, "id")));
    db_assert_invoice(id, s, 2, "application/pdf", pdf, plen);

    http_response_t *f = api_get(P("/api/consumer/invoices/%s/file", id), AC(2));
    assert_status(f, 200);
    assert_media_type(f, "application/pdf");
    assert_header(f, "Content-Length", "6718");
    assert_int_equal(f->body_len, plen);
    assert_memory_equal(f->body, pdf, plen);
    http_free(f);
    json_object_put(root);
    http_free(r);
    free(body);
    free(pdf);
}

static void t_create_png_roundtrip(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_invoice(s, rcv, "image/png", it_png, it_png_len, id);
    db_assert_invoice(id, s, rcv, "image/png", it_png, it_png_len);

    http_response_t *f = api_get(P("/api/consumer/invoices/%s/file", id), AC(rcv));
    assert_status(f, 200);
    assert_media_type(f, "image/png");
    assert_header(f, "Content-Disposition", P("attachment; filename=\"%s.png\"", id));
    assert_header(f, "Content-Length", P("%zu", it_png_len));
    char sha[65];
    it_sha256_hex(it_png, it_png_len, sha);
    assert_header(f, "ETag", P("\"%s\"", sha));
    assert_int_equal(f->body_len, it_png_len);
    assert_memory_equal(f->body, it_png, it_png_len);
    http_free(f);
}

static void t_create_receiver_id_boundaries(void **state)
{
    (void)state;
    int s = it_new_id();
    char a[37], b[37];
    create_tiny(s, 1, a);
    create_tiny(s, 2147483647, b);
    db_assert_invoice(a, s, 1, "application/pdf", it_pdf, it_pdf_len);
    db_assert_invoice(b, s, 2147483647, "application/pdf", it_pdf, it_pdf_len);
    /* the receiver 2147483647 finds it */
    http_response_t *r = api_get(P("/api/consumer/invoices/%s", b), AC(2147483647));
    json_object *root = assert_invoice_response(r, 200, NULL);
    json_object_put(root);
    http_free(r);
}

/* Every create gets its own id, even for identical bodies. */
static void t_create_identical_bodies_distinct(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char a[37], b[37];
    create_tiny(s, rcv, a);
    create_tiny(s, rcv, b);
    assert_string_not_equal(a, b);
    assert_int_equal(db_count_sender(s), 2);
}

/* A JSON body of exactly `total` bytes (trailing JSON whitespace as filler)
 * whose content is a PDF; *pdf_len receives the decoded size. */
static char *sized_body(int receiver, size_t total, size_t *pdf_len)
{
    char prefix[160];
    int pl = snprintf(prefix, sizeof prefix,
                      "{\"invoice\": {\"receiver_id\": %d, \"file_type\": "
                      "\"application/pdf\", \"content\": \"", receiver);
    const char *suffix = "\"}}";
    size_t room = total - (size_t)pl - strlen(suffix);
    size_t n = room / 4 * 3;                    /* decoded bytes */
    unsigned char *raw = malloc(n);
    assert_non_null(raw);
    memset(raw, 'x', n);
    memcpy(raw, "%PDF-1.4\n%", 10);
    char *b64 = it_base64(raw, n);
    char *body = malloc(total + 1);
    assert_non_null(body);
    size_t o = 0;
    memcpy(body, prefix, (size_t)pl); o += (size_t)pl;
    memcpy(body + o, b64, strlen(b64)); o += strlen(b64);
    memcpy(body + o, suffix, strlen(suffix)); o += strlen(suffix);
    while (o < total)
        body[o++] = ' ';
    body[o] = '\0';
    free(b64);
    free(raw);
    *pdf_len = n;
    return body;
}

static void t_create_body_at_limit_accepted(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t n;
    char *body = sized_body(rcv, BODY_LIMIT, &n);
    assert_int_equal(strlen(body), BODY_LIMIT);
    http_response_t *r = api("POST", CREATE, AS(s), "application/json", body,
                             BODY_LIMIT);
    json_object *data;
    json_object *root = assert_invoice_response(r, 201, &data);
    assert_int_equal(json_object_get_int64(json_object_object_get(data, "file_size")),
                     (int64_t)n);
    const char *id = json_object_get_string(json_object_object_get(data, "id"));
    db_invoice_t row;
    db_get_invoice(id, &row);
    assert_true(row.found);
    assert_int_equal(row.file_size, (long)n);
    json_object_put(root);
    http_free(r);
    free(body);
}

static void t_create_body_over_limit_413(void **state)
{
    (void)state;
    int s = it_new_id();
    size_t n;
    const size_t sizes[] = {BODY_LIMIT + 1, 2306867 /* ~2.2 MB */};
    for (size_t i = 0; i < 2; i++) {
        char *body = sized_body(it_new_id(), sizes[i], &n);
        http_response_t *r = api("POST", CREATE, AS(s), "application/json",
                                 body, sizes[i]);
        json_object *p = assert_problem(r, 413);
        json_object_put(p);
        http_free(r);
        free(body);
    }
    assert_int_equal(db_count_sender(s), 0);
}

static http_response_t *post_chunked(int sender, const char *body, size_t len)
{
    char ah[64];
    snprintf(ah, sizeof ah, "Authorization: sender %d", sender);
    const char *hs[] = {ah, "Content-Type: application/json", NULL};
    http_request_t req = {
        .method = "POST", .path = CREATE, .headers = hs,
        .body = body, .body_len = len, .chunked = 1,
    };
    return http_do(&req);
}

static void t_create_chunked_over_limit_413(void **state)
{
    (void)state;
    int s = it_new_id();
    size_t n;
    char *body = sized_body(it_new_id(), 2306867, &n);
    http_response_t *r = post_chunked(s, body, strlen(body));
    json_object *p = assert_problem(r, 413);
    json_object_put(p);
    http_free(r);
    free(body);
    assert_int_equal(db_count_sender(s), 0);
}

static void t_create_chunked_accepted(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t len;
    unsigned char *pdf = it_read_data("helloworld.pdf", &len);
    char *body = it_create_body(rcv, "application/pdf", pdf, len);
    http_response_t *r = post_chunked(s, body, strlen(body));
    json_object *data;
    json_object *root = assert_invoice_response(r, 201, &data);
    const char *id = json_object_get_string(json_object_object_get(data, "id"));
    db_assert_invoice(id, s, rcv, "application/pdf", pdf, len);
    json_object_put(root);
    http_free(r);
    free(body);
    free(pdf);
}

const struct CMUnitTest it_tests_create[] = {
    cmocka_unit_test(t_create_pdf_and_show),
    cmocka_unit_test(t_create_ab_sample_and_download),
    cmocka_unit_test(t_create_png_roundtrip),
    cmocka_unit_test(t_create_receiver_id_boundaries),
    cmocka_unit_test(t_create_identical_bodies_distinct),
    cmocka_unit_test(t_create_body_at_limit_accepted),
    cmocka_unit_test(t_create_body_over_limit_413),
    cmocka_unit_test(t_create_chunked_over_limit_413),
    cmocka_unit_test(t_create_chunked_accepted),
};
IT_DEFINE_COUNT(create);
