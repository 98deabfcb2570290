/* Unit tests for src/core/routes.c: method + path below the mount ->
 * action.  (The mount itself is stripped by the httpd ring.) */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/routes.h"

#define ID "0190a5c6-1e2f-7abc-8def-0123456789ab"
#define ID_UPPER "0190A5C6-1E2F-7ABC-8DEF-0123456789AB"

#define S INVOICE_ROLE_SENDER
#define C INVOICE_ROLE_CONSUMER
#define OK INVOICE_ROUTE_OK
#define NF INVOICE_ROUTE_NOT_FOUND
#define NA INVOICE_ROUTE_METHOD_NOT_ALLOWED

#define T_SLIST "/sender/invoices"
#define T_SSHOW "/sender/invoices/{id}"
#define T_CLIST "/consumer/invoices"
#define T_CSHOW "/consumer/invoices/{id}"
#define T_CBYS "/consumer/invoices/sender/{sender_id}"
#define T_PAY "/consumer/invoices/{id}/pay"
#define T_FILE "/consumer/invoices/{id}/file"

typedef struct {
    const char *method;
    const char *path;
    invoice_route_status_t st;
    invoice_action_t action;
    invoice_role_t role;
    const char *template;
    const char *allow;
    const char *id;
    int sender_id;
} route_case;

static const route_case cases[] = {
    /* every route, with GET, HEAD and POST */
    { "POST", "/sender/invoices", OK, INVOICE_ACTION_SENDER_CREATE, S,
      T_SLIST, "GET, HEAD, POST", "", 0 },
    { "GET", "/sender/invoices", OK, INVOICE_ACTION_SENDER_LIST, S,
      T_SLIST, "GET, HEAD, POST", "", 0 },
    { "HEAD", "/sender/invoices", OK, INVOICE_ACTION_SENDER_LIST, S,
      T_SLIST, "GET, HEAD, POST", "", 0 },
    { "GET", "/sender/invoices/" ID, OK, INVOICE_ACTION_SENDER_SHOW, S,
      T_SSHOW, "GET, HEAD", ID, 0 },
    { "HEAD", "/sender/invoices/" ID, OK, INVOICE_ACTION_SENDER_SHOW, S,
      T_SSHOW, "GET, HEAD", ID, 0 },
    { "GET", "/sender/invoices/" ID_UPPER, OK, INVOICE_ACTION_SENDER_SHOW,
      S, T_SSHOW, "GET, HEAD", ID, 0 },
    { "GET", "/consumer/invoices", OK, INVOICE_ACTION_CONSUMER_LIST, C,
      T_CLIST, "GET, HEAD", "", 0 },
    { "HEAD", "/consumer/invoices", OK, INVOICE_ACTION_CONSUMER_LIST, C,
      T_CLIST, "GET, HEAD", "", 0 },
    { "GET", "/consumer/invoices/" ID, OK, INVOICE_ACTION_CONSUMER_SHOW,
      C, T_CSHOW, "GET, HEAD", ID, 0 },
    { "GET", "/consumer/invoices/sender/42", OK,
      INVOICE_ACTION_CONSUMER_LIST_BY_SENDER, C, T_CBYS, "GET, HEAD", "", 42 },
    { "HEAD", "/consumer/invoices/sender/2147483647", OK,
      INVOICE_ACTION_CONSUMER_LIST_BY_SENDER, C, T_CBYS, "GET, HEAD", "",
      2147483647 },
    { "POST", "/consumer/invoices/" ID "/pay", OK,
      INVOICE_ACTION_CONSUMER_PAY, C, T_PAY, "POST", ID, 0 },
    { "POST", "/consumer/invoices/" ID_UPPER "/pay", OK,
      INVOICE_ACTION_CONSUMER_PAY, C, T_PAY, "POST", ID, 0 },
    { "GET", "/consumer/invoices/" ID "/file", OK,
      INVOICE_ACTION_CONSUMER_FILE, C, T_FILE, "GET, HEAD", ID, 0 },
    { "HEAD", "/consumer/invoices/" ID "/file", OK,
      INVOICE_ACTION_CONSUMER_FILE, C, T_FILE, "GET, HEAD", ID, 0 },
    /* known path, wrong method: template and allow still set */
    { "PUT", "/sender/invoices", NA, INVOICE_ACTION_NONE, S, T_SLIST,
      "GET, HEAD, POST", "", 0 },
    { "DELETE", "/sender/invoices/" ID, NA, INVOICE_ACTION_NONE, S,
      T_SSHOW, "GET, HEAD", ID, 0 },
    { "POST", "/sender/invoices/" ID, NA, INVOICE_ACTION_NONE, S,
      T_SSHOW, "GET, HEAD", ID, 0 },
    { "POST", "/consumer/invoices", NA, INVOICE_ACTION_NONE, C, T_CLIST,
      "GET, HEAD", "", 0 },
    { "POST", "/consumer/invoices/" ID, NA, INVOICE_ACTION_NONE, C,
      T_CSHOW, "GET, HEAD", ID, 0 },
    { "PATCH", "/consumer/invoices/sender/7", NA, INVOICE_ACTION_NONE, C,
      T_CBYS, "GET, HEAD", "", 7 },
    { "GET", "/consumer/invoices/" ID "/pay", NA, INVOICE_ACTION_NONE, C,
      T_PAY, "POST", ID, 0 },
    { "HEAD", "/consumer/invoices/" ID "/pay", NA, INVOICE_ACTION_NONE, C,
      T_PAY, "POST", ID, 0 },
    { "PUT", "/consumer/invoices/" ID "/pay", NA, INVOICE_ACTION_NONE, C,
      T_PAY, "POST", ID, 0 },
    { "POST", "/consumer/invoices/" ID "/file", NA, INVOICE_ACTION_NONE,
      C, T_FILE, "GET, HEAD", ID, 0 },
    { "OPTIONS", "/sender/invoices", NA, INVOICE_ACTION_NONE, S, T_SLIST,
      "GET, HEAD, POST", "", 0 },
    /* methods are case-sensitive */
    { "get", "/sender/invoices", NA, INVOICE_ACTION_NONE, S, T_SLIST,
      "GET, HEAD, POST", "", 0 },
    { "Post", "/sender/invoices", NA, INVOICE_ACTION_NONE, S, T_SLIST,
      "GET, HEAD, POST", "", 0 },
    { "", "/sender/invoices", NA, INVOICE_ACTION_NONE, S, T_SLIST,
      "GET, HEAD, POST", "", 0 },
    { "GETX", "/sender/invoices", NA, INVOICE_ACTION_NONE, S, T_SLIST,
      "GET, HEAD, POST", "", 0 },
};

/* Paths that match nothing, with any method. */
static const char *const not_found[] = {
    "",
    "/",
    "/api",
    "/",
    "/sender",
    "/consumer",
    "/sender/invoices/",
    "/sender/invoices//",
    "//api/sender/invoices",
    "//sender/invoices",
    "/sender//invoices",
    "api/sender/invoices",
    "/API/sender/invoices",
    "/Sender/invoices",
    "/sender/Invoices",
    "/sender/invoice",
    "/sender/invoicesx",
    "/senderx/invoices",
    "/apix/sender/invoices",
    "/x/api/sender/invoices",
    "/sender/invoices/" ID "/",
    "/sender/invoices/" ID "/pay",
    "/sender/invoices/" ID "/file",
    "/sender/invoices/sender/5",
    "/sender/invoices/not-a-uuid",
    "/sender/invoices/0190a5c6-1e2f-7abc-8def-0123456789a",
    "/sender/invoices/0190a5c6-1e2f-7abc-8def-0123456789abc",
    "/sender/invoices/0190a5c61e2f7abc8def0123456789ab",
    "/sender/invoices/{id}",
    "/consumer/invoices/",
    "/consumer/invoices/{id}",
    "/consumer/invoices/sender",
    "/consumer/invoices/sender/",
    "/consumer/invoices/sender/0",
    "/consumer/invoices/sender/05",
    "/consumer/invoices/sender/-1",
    "/consumer/invoices/sender/+1",
    "/consumer/invoices/sender/2147483648",
    "/consumer/invoices/sender/1x",
    "/consumer/invoices/sender/" ID,
    "/consumer/invoices/sender/5/",
    "/consumer/invoices/sender/5/pay",
    "/consumer/invoices/sender/{sender_id}",
    "/consumer/invoices/" ID "/",
    "/consumer/invoices/" ID "/pay/",
    "/consumer/invoices/" ID "/paid",
    "/consumer/invoices/" ID "/Pay",
    "/consumer/invoices/" ID "/file/",
    "/consumer/invoices/" ID "/files",
    "/consumer/invoices/" ID "/pay/file",
    "/consumer/invoices/" ID "//pay",
    "/consumer/invoices/xyz/pay",
    "/consumer/invoices/" ID " ",
    "/sender/invoices?limit=5",
    "/sender/invoices/.",
    "/sender/invoices/..",
};

static void check_case(size_t i, const route_case *c)
{
    invoice_route_t r;
    invoice_route_status_t st;

    memset(&r, 0xa5, sizeof(r));
    st = invoice_route_match(c->method, c->path, &r);
    if (st != c->st || r.action != c->action) {
        fail_msg("case %zu %s %s: got status %d action %d", i, c->method,
                 c->path, (int)st, (int)r.action);
    }
    assert_int_equal(r.role, c->role);
    assert_non_null(r.template);
    assert_string_equal(r.template, c->template);
    assert_string_equal(r.allow, c->allow);
    if (st == OK) {
        assert_non_null(r.def);
        assert_int_equal(r.def->action, c->action);
        assert_string_equal(r.id, c->id);
        assert_int_equal(r.sender_id, c->sender_id);
    }
}

static void test_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        check_case(i, &cases[i]);
    }
}

static void test_not_found(void **state)
{
    static const char *const methods[] = { "GET", "HEAD", "POST", "PUT" };
    size_t i, m;

    (void)state;
    for (i = 0; i < sizeof(not_found) / sizeof(not_found[0]); i++) {
        for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
            invoice_route_t r;
            invoice_route_status_t st;

            memset(&r, 0xa5, sizeof(r));
            st = invoice_route_match(methods[m], not_found[i], &r);
            if (st != NF) {
                fail_msg("%s \"%s\": got %d", methods[m], not_found[i],
                         (int)st);
            }
            /* out is fully initialised even when nothing matched */
            assert_int_equal(r.action, INVOICE_ACTION_NONE);
            assert_null(r.template);
            assert_null(r.def);
            assert_string_equal(r.allow, "");
            assert_string_equal(r.id, "");
            assert_int_equal(r.sender_id, 0);
        }
    }
}

static void test_null_arguments(void **state)
{
    invoice_route_t r;

    (void)state;
    memset(&r, 0xa5, sizeof(r));
    assert_int_equal(invoice_route_match(NULL, "/sender/invoices", &r),
                     NF);
    assert_null(r.template);
    assert_int_equal(invoice_route_match("GET", NULL, &r), NF);
    assert_string_equal(r.id, "");
}

/* Each template, with its placeholders filled in, routes back to itself. */
static void test_templates_round_trip(void **state)
{
    static const char *const paths[] = {
        "/sender/invoices", "/sender/invoices/" ID,
        "/consumer/invoices", "/consumer/invoices/" ID,
        "/consumer/invoices/sender/1", "/consumer/invoices/" ID "/pay",
        "/consumer/invoices/" ID "/file",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        invoice_route_t r;
        const char *t, *p;

        assert_int_not_equal(invoice_route_match("DELETE", paths[i], &r), NF);
        /* the literal parts of the template prefix the path */
        t = r.template;
        p = paths[i];
        while (*t != '\0' && *t != '{') {
            assert_int_equal(*t++, *p++);
        }
        /* a role matches the prefix */
        assert_int_equal(r.role, strncmp(paths[i], "/sender/", 8) == 0
                                 ? S : C);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_null_arguments),
        cmocka_unit_test(test_templates_round_trip),
    };

    return cmocka_run_group_tests_name("routes", tests, NULL, NULL);
}
