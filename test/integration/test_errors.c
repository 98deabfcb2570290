/* Routing errors: unknown routes and malformed ids (404), known routes with
 * the wrong method (405 with Allow), TRACE. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void t_unknown_routes_404(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_tiny(s, rcv, id);
    struct { const char *m; char path[160]; int consumer; } cases[32];
    size_t n = 0;
#define ADD(method, cons, ...) do { \
        cases[n].m = (method); cases[n].consumer = (cons); \
        snprintf(cases[n].path, sizeof cases[n].path, __VA_ARGS__); n++; \
    } while (0)
    ADD("GET", 0, "/api/nope");
    ADD("GET", 0, "/api/");
    ADD("GET", 0, "/api/sender");
    ADD("GET", 0, "/api/sender/invoice");
    ADD("GET", 0, "/api/sender/invoices/");
    ADD("GET", 0, "/api/sender/invoices/%s/", id);
    ADD("GET", 0, "/api/sender/invoices/%s/extra", id);
    ADD("GET", 0, "/api/sender/invoices/%s/file", id);
    ADD("POST", 0, "/api/sender/invoices/");
    ADD("GET", 0, "/api/sender/invoicesx");
    ADD("GET", 1, "/api/consumer");
    ADD("GET", 1, "/api/consumer/invoices/");
    ADD("GET", 1, "/api/consumer/invoices/%s/", id);
    ADD("GET", 1, "/api/consumer/invoices/%s/file/", id);
    ADD("GET", 1, "/api/consumer/invoices/%s/file/extra", id);
    ADD("POST", 1, "/api/consumer/invoices/%s/pay/", id);
    ADD("POST", 1, "/api/consumer/invoices/%s/pay/now", id);
    ADD("GET", 1, "/api/consumer/invoices/%s/download", id);
    ADD("GET", 1, "/api/consumer/invoices/sender");
    ADD("GET", 1, "/api/consumer/invoices/sender/");
    ADD("GET", 1, "/api/consumer/invoices/sender/%d/", s);
    ADD("GET", 1, "/api/consumer/invoices/sender/%d/extra", s);
    ADD("GET", 1, "/api/consumer/invoices/sender/%d/%s", s, id);
    ADD("GET", 1, "/api/Consumer/invoices");
#undef ADD
    for (size_t i = 0; i < n; i++) {
        const char *auth = cases[i].consumer ? AC(rcv) : AS(s);
        http_response_t *r = strcmp(cases[i].m, "POST") == 0
            ? api("POST", cases[i].path, auth, NULL, "", 0)
            : api_get(cases[i].path, auth);
        if (r->status != 404)
            it_fail(__FILE__, __LINE__, "%s: HTTP %ld, expected 404: %.200s",
                    r->what, r->status, r->body);
        json_object *p = assert_problem(r, 404);
        json_object_put(p);
        http_free(r);
    }
}

static void t_malformed_ids_404(void **state)
{
    (void)state;
    int x = it_new_id();
    char id[37];
    create_tiny(x, x, id);   /* sender and receiver x */
    char nodash[40] = "", braces[40];
    for (size_t i = 0, o = 0; id[i]; i++)
        if (id[i] != '-')
            nodash[o++] = id[i];
    snprintf(braces, sizeof braces, "{%.34s}", id);
    const char *bad_ids[] = {"not-a-uuid", "12345", nodash, braces,
                             "00000000-0000-0000-0000-00000000000g",
                             "00000000-0000-0000-0000-0000000000000",
                             "00000000_0000_0000_0000_000000000000"};
    for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++) {
        const char *b = bad_ids[i];
        http_response_t *rs[4];
        rs[0] = api_get(P("/api/sender/invoices/%s", b), AS(x));
        rs[1] = api_get(P("/api/consumer/invoices/%s", b), AC(x));
        rs[2] = api_get(P("/api/consumer/invoices/%s/file", b), AC(x));
        rs[3] = api("POST", P("/api/consumer/invoices/%s/pay", b), AC(x), NULL, "", 0);
        for (int k = 0; k < 4; k++) {
            json_object *p = assert_problem(rs[k], 404);
            json_object_put(p);
            http_free(rs[k]);
        }
    }
    const char *bad_senders[] = {"abc", "0", "-1", "01", "99999999999",
                                 "2147483648", "1.5", "1e3", "+5", "%20%35"};
    for (size_t i = 0; i < sizeof bad_senders / sizeof *bad_senders; i++) {
        http_response_t *r = api_get(P("/api/consumer/invoices/sender/%s",
                                       bad_senders[i]), AC(x));
        json_object *p = assert_problem(r, 404);
        json_object_put(p);
        http_free(r);
    }
    /* while the well-formed ones work, up to the largest id */
    http_response_t *r = api_get(P("/api/consumer/invoices/sender/%d", x), AC(x));
    it_list_t l;
    assert_list(r, &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.ids[0], id);
    it_list_free(&l);
    http_free(r);
    r = api_get("/api/consumer/invoices/sender/2147483647", AC(x));
    assert_status(r, 200);
    http_free(r);
    r = api_get("/api/consumer/invoices/sender/1", AC(x));
    assert_status(r, 200);
    http_free(r);
    r = api_get(P("/api/sender/invoices/%s", id), AS(x));
    assert_status(r, 200);
    http_free(r);
}

static void t_wrong_method_405(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37];
    create_tiny(s, rcv, id);
    struct {
        const char *m;
        char path[160];
        int consumer;
        const char *must_allow[3];
    } cases[16];
    size_t n = 0;
#define ADD(method, cons, a1, a2, ...) do { \
        cases[n].m = (method); cases[n].consumer = (cons); \
        cases[n].must_allow[0] = (a1); cases[n].must_allow[1] = (a2); \
        cases[n].must_allow[2] = NULL; \
        snprintf(cases[n].path, sizeof cases[n].path, __VA_ARGS__); n++; \
    } while (0)
    ADD("DELETE", 0, "GET", "POST", "/api/sender/invoices");
    ADD("PUT", 0, "GET", "POST", "/api/sender/invoices");
    ADD("PATCH", 0, "GET", "POST", "/api/sender/invoices");
    ADD("DELETE", 0, "GET", NULL, "/api/sender/invoices/%s", id);
    ADD("POST", 0, "GET", NULL, "/api/sender/invoices/%s", id);
    ADD("PUT", 0, "GET", NULL, "/api/sender/invoices/%s", id);
    ADD("POST", 1, "GET", NULL, "/api/consumer/invoices");
    ADD("DELETE", 1, "GET", NULL, "/api/consumer/invoices/%s", id);
    ADD("PATCH", 1, "GET", NULL, "/api/consumer/invoices/%s", id);
    ADD("GET", 1, "POST", NULL, "/api/consumer/invoices/%s/pay", id);
    ADD("PUT", 1, "POST", NULL, "/api/consumer/invoices/%s/pay", id);
    ADD("PUT", 1, "GET", NULL, "/api/consumer/invoices/%s/file", id);
    ADD("POST", 1, "GET", NULL, "/api/consumer/invoices/%s/file", id);
    ADD("DELETE", 1, "GET", NULL, "/api/consumer/invoices/%s/file", id);
    ADD("POST", 1, "GET", NULL, "/api/consumer/invoices/sender/%d", s);
#undef ADD
    for (size_t i = 0; i < n; i++) {
        const char *auth = cases[i].consumer ? AC(rcv) : AS(s);
        const char *m = cases[i].m;
        int with_body = strcmp(m, "GET") != 0 && strcmp(m, "DELETE") != 0;
        http_response_t *r = api(m, cases[i].path, auth,
                                 with_body ? "application/json" : NULL,
                                 with_body ? "{}" : NULL, with_body ? 2 : 0);
        if (r->status != 405)
            it_fail(__FILE__, __LINE__, "%s: HTTP %ld, expected 405: %.200s",
                    r->what, r->status, r->body);
        json_object *p = assert_problem(r, 405);
        json_object_put(p);
        const char *allow = http_header(r, "Allow");
        it_check(allow != NULL, "%s: 405 without Allow", r->what);
        for (int k = 0; cases[i].must_allow[k]; k++)
            it_check(it_allow_has(allow, cases[i].must_allow[k]),
                     "%s: Allow \"%s\" lacks %s", r->what, allow,
                     cases[i].must_allow[k]);
        it_check(!it_allow_has(allow, m), "%s: Allow \"%s\" lists the refused "
                 "method", r->what, allow);
        http_free(r);
    }
    /* nothing was paid or created by the refused requests */
    it_list_t l;
    get_list("/api/sender/invoices", AS(s), &l);
    assert_int_equal(l.n, 1);
    json_object *inv = json_object_array_get_idx(json_object_object_get(l.root, "data"), 0);
    assert_true(json_object_get_boolean(json_object_object_get(inv, "is_payable")));
    it_list_free(&l);
}

static void t_trace_405(void **state)
{
    (void)state;
    int s = it_new_id();
    const char *paths[] = {"/api/sender/invoices", "/api/consumer/invoices"};
    const char *auths[] = {AS(s), AC(s)};
    for (int i = 0; i < 2; i++) {
        http_response_t *r = api("TRACE", paths[i], auths[i], NULL, NULL, 0);
        json_object *p = assert_problem(r, 405);
        json_object_put(p);
        /* the request (with its Authorization) must not be echoed back */
        it_check(strstr(r->body, "Authorization") == NULL,
                 "TRACE echoed the request: %s", r->body);
        http_free(r);
    }
}

const struct CMUnitTest it_tests_errors[] = {
    cmocka_unit_test(t_unknown_routes_404),
    cmocka_unit_test(t_malformed_ids_404),
    cmocka_unit_test(t_wrong_method_405),
    cmocka_unit_test(t_trace_405),
};
IT_DEFINE_COUNT(errors);
