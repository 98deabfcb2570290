/* Consumer side: show, pay (also concurrently), download, and scoping:
 * somebody else's invoice answers exactly like an unknown one. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Two responses must be the same 404 (status, media type, body bytes). */
#define assert_same_404(a, b) it_assert_same_404((a), (b), __FILE__, __LINE__)
static void it_assert_same_404(const http_response_t *a, const http_response_t *b,
                               const char *file, int line)
{
    json_object *p = it_assert_problem(a, 404, file, line);
    json_object_put(p);
    p = it_assert_problem(b, 404, file, line);
    json_object_put(p);
    if (a->body_len != b->body_len || memcmp(a->body, b->body, a->body_len) != 0)
        it_fail(file, line, "404 bodies differ:\n  %s -> %s\n  %s -> %s",
                a->what, a->body, b->what, b->body);
    if (strcmp(http_header(a, "Content-Type"), http_header(b, "Content-Type")) != 0)
        it_fail(file, line, "404 Content-Types differ");
}

static void t_consumer_show_matches_sender_view(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_tiny(s, rcv, id);
    http_response_t *a = api_get(P("/api/sender/invoices/%s", id), AS(s));
    http_response_t *b = api_get(P("/api/consumer/invoices/%s", id), AC(rcv));
    json_object *da, *db;
    json_object *ra = assert_invoice_response(a, 200, &da);
    json_object *rb = assert_invoice_response(b, 200, &db);
    it_check(json_object_equal(da, db), "views differ: %s vs %s",
             json_object_to_json_string(da), json_object_to_json_string(db));
    assert_string_equal(json_object_get_string(json_object_object_get(db, "id")), id);
    json_object_put(ra);
    json_object_put(rb);
    http_free(a);
    http_free(b);
}

static void t_sender_cannot_see_others_invoice(void **state)
{
    (void)state;
    int a = it_new_id(), b = it_new_id(), rcv = it_new_id();
    char id[37], unknown[37];
    create_tiny(a, rcv, id);
    it_random_uuid(unknown);
    http_response_t *other = api_get(P("/api/sender/invoices/%s", id), AS(b));
    http_response_t *none = api_get(P("/api/sender/invoices/%s", unknown), AS(b));
    assert_same_404(other, none);
    http_free(other);
    http_free(none);
    /* nor the receiver, using its number as a sender */
    other = api_get(P("/api/sender/invoices/%s", id), AS(rcv));
    none = api_get(P("/api/sender/invoices/%s", unknown), AS(rcv));
    assert_same_404(other, none);
    http_free(other);
    http_free(none);
}

static void t_other_consumer_gets_404(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id(), c = it_new_id();
    char id[37], unknown[37];
    create_tiny(s, rcv, id);
    it_random_uuid(unknown);
    const char *fmts[] = {"/api/consumer/invoices/%s", "/api/consumer/invoices/%s/file",
                          "/api/consumer/invoices/%s/pay"};
    const int consumers[] = {c, s};   /* a stranger; the sender as consumer */
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 3; i++) {
            const char *m = i == 2 ? "POST" : "GET";
            const void *body = i == 2 ? "" : NULL;
            http_response_t *other = api(m, P(fmts[i], id), AC(consumers[k]),
                                         NULL, body, 0);
            http_response_t *none = api(m, P(fmts[i], unknown), AC(consumers[k]),
                                        NULL, body, 0);
            assert_same_404(other, none);
            http_free(other);
            http_free(none);
        }
    }
    /* the failed pays changed nothing */
    db_invoice_t row;
    db_get_invoice(id, &row);
    assert_true(row.found);
    assert_true(row.is_payable);
    assert_false(row.paid);
    http_response_t *r = api_get(P("/api/consumer/invoices/%s", id), AC(rcv));
    json_object *d;
    json_object *root = assert_invoice_response(r, 200, &d);
    assert_true(json_object_get_boolean(json_object_object_get(d, "is_payable")));
    json_object_put(root);
    http_free(r);
}

static void t_pay_once_then_409(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_tiny(s, rcv, id);
    http_response_t *r = api("POST", P("/api/consumer/invoices/%s/pay", id),
                             AC(rcv), NULL, "", 0);
    json_object *d;
    json_object *root = assert_invoice_response(r, 200, &d);
    assert_string_equal(json_object_get_string(json_object_object_get(d, "id")), id);
    assert_false(json_object_get_boolean(json_object_object_get(d, "is_payable")));
    json_object *paid_at = json_object_object_get(d, "paid_at");
    it_check(paid_at && json_object_is_type(paid_at, json_type_string),
             "paid_at is not a string after pay: %s", json_object_to_json_string(d));
    char paid[64];
    snprintf(paid, sizeof paid, "%s", json_object_get_string(paid_at));
    http_free(r);

    db_invoice_t row;
    db_get_invoice(id, &row);
    assert_false(row.is_payable);
    assert_true(row.paid);

    /* both views show the payment */
    const char *views[][2] = {{P("/api/consumer/invoices/%s", id), AC(rcv)},
                              {P("/api/sender/invoices/%s", id), AS(s)}};
    for (int i = 0; i < 2; i++) {
        http_response_t *g = api_get(views[i][0], views[i][1]);
        json_object *gd;
        json_object *groot = assert_invoice_response(g, 200, &gd);
        it_check(json_object_equal(d, gd), "after pay, %s differs from the pay "
                 "response: %s vs %s", g->what, json_object_to_json_string(gd),
                 json_object_to_json_string(d));
        json_object_put(groot);
        http_free(g);
    }
    json_object_put(root);

    /* again: 409, and nothing moves */
    for (int i = 0; i < 2; i++) {
        r = api("POST", P("/api/consumer/invoices/%s/pay", id), AC(rcv), NULL, "", 0);
        json_object *p = assert_problem(r, 409);
        json_object_put(p);
        http_free(r);
    }
    r = api_get(P("/api/consumer/invoices/%s", id), AC(rcv));
    root = assert_invoice_response(r, 200, &d);
    assert_string_equal(json_object_get_string(json_object_object_get(d, "paid_at")), paid);
    json_object_put(root);
    http_free(r);
}

static void t_concurrent_pay_exactly_one_wins(void **state)
{
    (void)state;
    enum { N = 12 };
    for (int round = 0; round < 3; round++) {
        int s = it_new_id(), rcv = it_new_id();
        char id[37];
        create_tiny(s, rcv, id);
        it_req_t qs[N];
        for (int i = 0; i < N; i++)
            it_req(&qs[i], "POST", P("/api/consumer/invoices/%s/pay", id),
                   AC(rcv), NULL, "", 0);
        http_response_t **rs = it_run_many(qs, N);
        int ok = 0, conflict = 0;
        for (int i = 0; i < N; i++) {
            if (rs[i]->status == 200) {
                json_object *root = assert_invoice_response(rs[i], 200, NULL);
                json_object_put(root);
                ok++;
            } else {
                json_object *p = assert_problem(rs[i], 409);
                json_object_put(p);
                conflict++;
            }
        }
        http_free_many(rs, N);
        assert_int_equal(ok, 1);
        assert_int_equal(conflict, N - 1);
        db_invoice_t row;
        db_get_invoice(id, &row);
        assert_true(row.paid);
    }
}

static void t_download_pdf(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t len;
    unsigned char *pdf = it_read_data("helloworld.pdf", &len);
    char id[37], sha[65];
    create_invoice(s, rcv, "application/pdf", pdf, len, id);
    it_sha256_hex(pdf, len, sha);
    const char *path = P("/api/consumer/invoices/%s/file", id);
    char etag[80];
    snprintf(etag, sizeof etag, "\"%s\"", sha);

    http_response_t *f = api_get(path, AC(rcv));
    assert_status(f, 200);
    assert_media_type(f, "application/pdf");
    assert_header(f, "Content-Length", "6718");
    assert_header(f, "Content-Disposition", P("attachment; filename=\"%s.pdf\"", id));
    assert_header(f, "X-Content-Type-Options", "nosniff");
    assert_header(f, "ETag", etag);
    const char *cc = http_header(f, "Cache-Control");
    it_check(cc && strstr(cc, "private"), "Cache-Control is \"%s\"", cc ? cc : "(none)");
    assert_int_equal(f->body_len, len);
    assert_memory_equal(f->body, pdf, len);
    http_free(f);

    /* conditional GET: same ETag -> 304 without a body */
    char inm[128];
    snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
    char auth[64];
    snprintf(auth, sizeof auth, "Authorization: consumer %d", rcv);
    const char *hs[] = {auth, inm, NULL};
    f = http_request("GET", path, hs, NULL, 0);
    assert_status(f, 304);
    assert_int_equal(f->body_len, 0);
    http_free(f);
    /* another ETag -> the full file */
    const char *hs2[] = {auth, "If-None-Match: \"0000\"", NULL};
    f = http_request("GET", path, hs2, NULL, 0);
    assert_status(f, 200);
    assert_int_equal(f->body_len, len);
    assert_memory_equal(f->body, pdf, len);
    http_free(f);
    /* a conditional request does not get around scoping */
    snprintf(auth, sizeof auth, "Authorization: consumer %d", it_new_id());
    f = http_request("GET", path, hs, NULL, 0);
    json_object *p = assert_problem(f, 404);
    json_object_put(p);
    http_free(f);
    free(pdf);
}

static void t_download_after_pay(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_tiny(s, rcv, id);
    http_response_t *r = api("POST", P("/api/consumer/invoices/%s/pay", id),
                             AC(rcv), NULL, "", 0);
    assert_status(r, 200);
    http_free(r);
    r = api_get(P("/api/consumer/invoices/%s/file", id), AC(rcv));
    assert_status(r, 200);
    assert_int_equal(r->body_len, it_pdf_len);
    assert_memory_equal(r->body, it_pdf, it_pdf_len);
    http_free(r);
}

const struct CMUnitTest it_tests_consumer[] = {
    cmocka_unit_test(t_consumer_show_matches_sender_view),
    cmocka_unit_test(t_sender_cannot_see_others_invoice),
    cmocka_unit_test(t_other_consumer_gets_404),
    cmocka_unit_test(t_pay_once_then_409),
    cmocka_unit_test(t_concurrent_pay_exactly_one_wins),
    cmocka_unit_test(t_download_pdf),
    cmocka_unit_test(t_download_after_pay),
};
IT_DEFINE_COUNT(consumer);
