/* Authorization: "sender N" / "consumer N", N decimal 1..2147483647,
 * nothing else; everything else is 401 with WWW-Authenticate. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One route of the API, with a path that matches it. */
typedef struct {
    const char *method;
    char path[160];
    int consumer;       /* needs "consumer N" (else "sender N") */
    int has_body;       /* send a valid create body */
} route_t;

static size_t all_routes(route_t *rs)
{
    char u[37];
    it_random_uuid(u);
    size_t n = 0;
    rs[n++] = (route_t){"POST", "/api/sender/invoices", 0, 1};
    rs[n++] = (route_t){"GET", "/api/sender/invoices", 0, 0};
    rs[n] = (route_t){"GET", "", 0, 0};
    snprintf(rs[n++].path, sizeof rs[0].path, "/api/sender/invoices/%s", u);
    rs[n++] = (route_t){"GET", "/api/consumer/invoices", 1, 0};
    rs[n] = (route_t){"GET", "", 1, 0};
    snprintf(rs[n++].path, sizeof rs[0].path, "/api/consumer/invoices/%s", u);
    rs[n++] = (route_t){"GET", "/api/consumer/invoices/sender/5", 1, 0};
    rs[n] = (route_t){"POST", "", 1, 0};
    snprintf(rs[n++].path, sizeof rs[0].path, "/api/consumer/invoices/%s/pay", u);
    rs[n] = (route_t){"GET", "", 1, 0};
    snprintf(rs[n++].path, sizeof rs[0].path, "/api/consumer/invoices/%s/file", u);
    return n;
}

static http_response_t *call(const route_t *rt, const char *auth)
{
    static char *body;
    if (!body)
        body = it_create_body(2, "application/pdf", it_pdf, it_pdf_len);
    if (rt->has_body)
        return api(rt->method, rt->path, auth, "application/json", body,
                   strlen(body));
    if (strcmp(rt->method, "POST") == 0)
        return api(rt->method, rt->path, auth, NULL, "", 0);
    return api(rt->method, rt->path, auth, NULL, NULL, 0);
}

#define assert_401(r) do { \
        json_object *p_ = assert_problem((r), 401); \
        json_object_put(p_); \
        it_check(http_header((r), "WWW-Authenticate") != NULL && \
                 *http_header((r), "WWW-Authenticate") != '\0', \
                 "%s: 401 without WWW-Authenticate", (r)->what); \
    } while (0)

static void t_auth_missing_on_every_route(void **state)
{
    (void)state;
    route_t rs[16];
    size_t n = all_routes(rs);
    for (size_t i = 0; i < n; i++) {
        http_response_t *r = call(&rs[i], NULL);
        assert_401(r);
        http_free(r);
    }
}

static void t_auth_wrong_role_on_every_route(void **state)
{
    (void)state;
    route_t rs[16];
    size_t n = all_routes(rs);
    int id = it_new_id();
    for (size_t i = 0; i < n; i++) {
        /* the other role, with a perfectly valid id */
        http_response_t *r = call(&rs[i], rs[i].consumer ? AS(id) : AC(id));
        assert_401(r);
        http_free(r);
    }
}

/* Malformed values, as "%s" patterns where the role word is substituted. */
static const char *const bad_auth[] = {
    "%s",                   /* no id */
    "%s 0",
    "%s -1",
    "%s -0",
    "%s +5",
    "%s 2147483648",        /* one over the maximum */
    "%s 4294967297",        /* wraps to 1 in 32 bits */
    "%s 99999999999",
    "%s 01",                /* leading zero */
    "%s 007",
    "%s  5",                /* two spaces */
    "%s\t5",                /* tab */
    "%s 5 6",               /* extra word */
    "%s 5 x",
    "%s 5x",
    "%s 5.0",
    "%s 1e3",
    "%s 0x10",
    "%s five",
    "%s5",                  /* no space */
    "%s:5",
    "Bearer 5",
    "Basic c2VuZGVyOjU=",
    "5",
    "admin 5",
};

static void t_auth_malformed_values(void **state)
{
    (void)state;
    const char *roles[] = {"sender", "consumer"};
    const char *paths[] = {"/api/sender/invoices", "/api/consumer/invoices"};
    for (int ro = 0; ro < 2; ro++) {
        for (size_t i = 0; i < sizeof bad_auth / sizeof *bad_auth; i++) {
            char val[128];
            snprintf(val, sizeof val, bad_auth[i], roles[ro]);
            http_response_t *r = api_get(paths[ro], val);
            if (r->status != 401)
                it_fail(__FILE__, __LINE__, "Authorization \"%s\" on %s: "
                        "HTTP %ld, expected 401", val, paths[ro], r->status);
            assert_401(r);
            http_free(r);
        }
        /* role word in another case: the API documents lowercase only */
        http_response_t *r = api_get(paths[ro], ro ? "Consumer 5" : "SENDER 5");
        assert_401(r);
        http_free(r);
        /* a present but empty header ("Authorization:" with no value) */
        const char *hs[] = {"Authorization;", NULL};
        r = http_request("GET", paths[ro], hs, NULL, 0);
        assert_401(r);
        http_free(r);
    }
}

static void t_auth_valid_boundaries(void **state)
{
    (void)state;
    const char *ok[] = {"sender 1", "sender 2147483647"};
    const char *okc[] = {"consumer 1", "consumer 2147483647"};
    for (int i = 0; i < 2; i++) {
        it_list_t l;
        get_list("/api/sender/invoices", ok[i], &l);
        it_list_free(&l);
        get_list("/api/consumer/invoices", okc[i], &l);
        it_list_free(&l);
    }
}

/* A refused create writes nothing: the spelled-out id has no rows after. */
static void t_auth_refused_create_writes_nothing(void **state)
{
    (void)state;
    int s = it_new_id();
    char *body = it_create_body(it_new_id(), "application/pdf", it_pdf, it_pdf_len);
    const char *vals[] = {P("sender 0%d", s), P("sender %d 1", s),
                          P("sender\t%d", s), P("consumer %d", s),
                          P("sender  %d", s)};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++) {
        http_response_t *r = api_post_json("/api/sender/invoices", vals[i], body);
        assert_401(r);
        http_free(r);
    }
    assert_int_equal(db_count_sender(s), 0);
    /* the same request with the right header does create */
    http_response_t *r = api_post_json("/api/sender/invoices", AS(s), body);
    assert_status(r, 201);
    http_free(r);
    assert_int_equal(db_count_sender(s), 1);
    free(body);
}

/* The id in the header decides whose invoices are listed. */
static void t_auth_identity_scopes_lists(void **state)
{
    (void)state;
    int a = it_new_id(), b = it_new_id(), rcv = it_new_id();
    char ida[37];
    create_tiny(a, rcv, ida);
    it_list_t l;
    get_list("/api/sender/invoices", AS(a), &l);
    assert_int_equal(l.n, 1);
    assert_string_equal(l.ids[0], ida);
    it_list_free(&l);
    get_list("/api/sender/invoices", AS(b), &l);
    assert_int_equal(l.n, 0);
    it_list_free(&l);
    /* as a consumer, the sender's own number sees nothing */
    get_list("/api/consumer/invoices", AC(a), &l);
    assert_int_equal(l.n, 0);
    it_list_free(&l);
}

const struct CMUnitTest it_tests_auth[] = {
    cmocka_unit_test(t_auth_missing_on_every_route),
    cmocka_unit_test(t_auth_wrong_role_on_every_route),
    cmocka_unit_test(t_auth_malformed_values),
    cmocka_unit_test(t_auth_valid_boundaries),
    cmocka_unit_test(t_auth_refused_create_writes_nothing),
    cmocka_unit_test(t_auth_identity_scopes_lists),
};
IT_DEFINE_COUNT(auth);
