/* HTTP-level behaviour: keep-alive connections carrying refused requests
 * with unread bodies, concurrent creates, and JSON escaping of what the
 * client sent when it is echoed back in errors. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    http_session_t *s;
    char auth[64];
    char ctype[64];
    const char *hs[4];
    long requests, connections;
} sess_t;

/* One request on the session's connection. */
static http_response_t *sdo(sess_t *ss, const char *method, const char *path,
                            const char *auth, const char *ctype,
                            const char *extra_header, const void *body,
                            size_t len)
{
    int n = 0;
    if (auth) {
        snprintf(ss->auth, sizeof ss->auth, "Authorization: %s", auth);
        ss->hs[n++] = ss->auth;
    }
    if (ctype) {
        snprintf(ss->ctype, sizeof ss->ctype, "Content-Type: %s", ctype);
        ss->hs[n++] = ss->ctype;
    }
    if (extra_header)
        ss->hs[n++] = extra_header;
    ss->hs[n] = NULL;
    http_request_t req = {.method = method, .path = path, .headers = ss->hs,
                          .body = body, .body_len = len};
    http_response_t *r = http_session_do(ss->s, &req);
    ss->requests++;
    ss->connections += r->new_connections;
    return r;
}

static void expect_problem(http_response_t *r, long status)
{
    json_object *p = assert_problem(r, status);
    json_object_put(p);
    http_free(r);
}

/* Refusals that leave the request body unread must not disturb the next
 * request on the same connection. */
static void t_keepalive_mixed_sequence(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    size_t len;
    unsigned char *pdf = it_read_data("helloworld.pdf", &len);
    char *body = it_create_body(rcv, "application/pdf", pdf, len);
    size_t blen = strlen(body);
    sess_t ss = {.s = http_session_new()};
    const char *C = "/api/sender/invoices";

    for (int round = 0; round < 2; round++) {
        expect_problem(sdo(&ss, "POST", C, NULL, "application/json", NULL, body, blen), 401);
        expect_problem(sdo(&ss, "POST", C, AC(s), "application/json", NULL, body, blen), 401);
        expect_problem(sdo(&ss, "POST", C, AS(s), "text/plain", NULL, body, blen), 415);
        expect_problem(sdo(&ss, "POST", C, AS(s), "application/json", NULL, "{\"x\"", 4), 400);
        expect_problem(sdo(&ss, "PUT", C, AS(s), "application/json", NULL, body, blen), 405);
        expect_problem(sdo(&ss, "POST", "/api/nope", AS(s), "application/json", NULL, body, blen), 404);
        http_response_t *r = sdo(&ss, "POST", C, AS(s), "application/json", NULL,
                                 "{\"invoice\": {}}", 15);
        assert_field_errors(r, "receiver_id", "file_type", "content");
        http_free(r);

        r = sdo(&ss, "POST", C, AS(s), "application/json", NULL, body, blen);
        json_object *d;
        json_object *root = assert_invoice_response(r, 201, &d);
        char id[37];
        snprintf(id, sizeof id, "%s", json_object_get_string(json_object_object_get(d, "id")));
        json_object_put(root);
        http_free(r);

        r = sdo(&ss, "GET", C, AS(s), NULL, NULL, NULL, 0);
        it_list_t l;
        assert_list(r, &l);
        assert_int_equal(l.n, (size_t)round + 1);
        assert_string_equal(l.ids[0], id);
        it_list_free(&l);
        http_free(r);

        const char *file = P("/api/consumer/invoices/%s/file", id);
        r = sdo(&ss, "GET", file, AC(rcv), NULL, NULL, NULL, 0);
        assert_status(r, 200);
        assert_int_equal(r->body_len, len);
        assert_memory_equal(r->body, pdf, len);
        char inm[128];
        snprintf(inm, sizeof inm, "If-None-Match: %s", http_header(r, "ETag"));
        http_free(r);
        r = sdo(&ss, "GET", file, AC(rcv), NULL, inm, NULL, 0);
        assert_status(r, 304);
        assert_int_equal(r->body_len, 0);
        http_free(r);

        const char *pay = P("/api/consumer/invoices/%s/pay", id);
        r = sdo(&ss, "POST", pay, AC(rcv), NULL, NULL, "", 0);
        root = assert_invoice_response(r, 200, NULL);
        json_object_put(root);
        http_free(r);
        expect_problem(sdo(&ss, "POST", pay, AC(rcv), NULL, NULL, "", 0), 409);
        expect_problem(sdo(&ss, "GET", pay, AC(rcv), NULL, NULL, NULL, 0), 405);
    }
    /* the connection was really kept between at least some requests */
    it_check(ss.connections < ss.requests, "%ld requests used %ld connections: "
             "keep-alive never happened", ss.requests, ss.connections);
    assert_int_equal(db_count_sender(s), 2);
    http_session_free(ss.s);
    free(body);
    free(pdf);
}

static void t_concurrent_creates_distinct(void **state)
{
    (void)state;
    enum { N = 16 };
    int s = it_new_id(), rcv = it_new_id();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    it_req_t qs[N];
    for (int i = 0; i < N; i++)
        it_req(&qs[i], "POST", "/api/sender/invoices", AS(s), "application/json",
               body, strlen(body));
    http_response_t **rs = it_run_many(qs, N);
    char ids[N][37];
    for (int i = 0; i < N; i++) {
        json_object *d;
        json_object *root = assert_invoice_response(rs[i], 201, &d);
        snprintf(ids[i], 37, "%s", json_object_get_string(json_object_object_get(d, "id")));
        json_object_put(root);
        for (int j = 0; j < i; j++)
            it_check(strcmp(ids[i], ids[j]) != 0, "two creates got id %s", ids[i]);
    }
    http_free_many(rs, N);
    it_list_t l;
    get_list("/api/sender/invoices", AS(s), &l);
    assert_int_equal(l.n, N);
    for (int i = 0; i < N; i++) {
        int found = 0;
        for (size_t j = 0; j < l.n; j++)
            found += strcmp(ids[i], l.ids[j]) == 0;
        it_check(found == 1, "id %s appears %d times in the list", ids[i], found);
    }
    it_list_free(&l);
    assert_int_equal(db_count_sender(s), N);
    for (int i = 0; i < N; i++)
        db_assert_invoice(ids[i], s, rcv, "application/pdf", it_pdf, it_pdf_len);
    free(body);
}

/* Unknown member names come back as keys of "errors": they must be escaped
 * so that the problem stays valid JSON with exactly that key. */
static void t_unknown_field_names_escaped(void **state)
{
    (void)state;
    char *b64 = it_base64(it_pdf, it_pdf_len);
    const struct { const char *json; const char *decoded; } names[] = {
        {"a\\\"b", "a\"b"},
        {"back\\\\slash", "back\\slash"},
        {"tab\\there", "tab\there"},
        {"nl\\ncr\\r", "nl\ncr\r"},
        {"ctl\\u0001", "ctl\x01"},
        {"\\u00e9t\\u00e9", "\xc3\xa9t\xc3\xa9"},
        {"\xc3\xa9t\xc3\xa9 raw", "\xc3\xa9t\xc3\xa9 raw"},
        {"\\ud83d\\ude00", "\xf0\x9f\x98\x80"},
        {"line\\u2028sep", "line\xe2\x80\xa8sep"},
        {"</script><b>", "</script><b>"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char *body = malloc(strlen(b64) + 256);
        assert_non_null(body);
        sprintf(body, "{\"invoice\": {\"receiver_id\": 2, \"file_type\": "
                "\"application/pdf\", \"content\": \"%s\", \"%s\": 1}}", b64,
                names[i].json);
        int s = it_new_id();
        http_response_t *r = api_post_json("/api/sender/invoices", AS(s), body);
        json_object *p = assert_problem(r, 422);
        json_object *errs = json_object_object_get(p, "errors");
        it_check(errs && json_object_object_length(errs) == 1 &&
                 json_object_object_get_ex(errs, names[i].decoded, NULL),
                 "member \"%s\": errors is %s", names[i].json,
                 errs ? json_object_to_json_string(errs) : "(none)");
        json_object_put(p);
        http_free(r);
        free(body);
        assert_int_equal(db_count_sender(s), 0);
    }
    free(b64);
}

const struct CMUnitTest it_tests_protocol[] = {
    cmocka_unit_test(t_keepalive_mixed_sequence),
    cmocka_unit_test(t_concurrent_creates_distinct),
    cmocka_unit_test(t_unknown_field_names_escaped),
};
IT_DEFINE_COUNT(protocol);
