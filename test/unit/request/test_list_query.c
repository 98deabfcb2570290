/* Unit tests for src/list_query.c: ?limit=N&starting_after=<id>. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/request/list_query.h"
#include "core/http/query.h"

#define ID "0190a5c6-1e2f-7abc-8def-0123456789ab"
#define ID_UPPER "0190A5C6-1E2F-7ABC-8DEF-0123456789AB"

#define E_LIMIT "limit must be an integer between 1 and 1000"
#define E_AFTER "starting_after must be an invoice id"
#define E_LIMIT2 "limit may be given only once"
#define E_AFTER2 "starting_after may be given only once"
#define E_ESC "bad percent escape in query string"

typedef struct {
    const char *args;
    int ok;
    int limit;              /* when ok */
    const char *after;      /* when ok */
    const char *err;        /* when not ok */
} query_case;

static const query_case cases[] = {
    /* defaults */
    { "", 1, 100, "", NULL },
    { "&", 1, 100, "", NULL },
    { "&&&", 1, 100, "", NULL },
    { "=", 1, 100, "", NULL },
    /* limit */
    { "limit=1", 1, 1, "", NULL },
    { "limit=50", 1, 50, "", NULL },
    { "limit=999", 1, 999, "", NULL },
    { "limit=1000", 1, 1000, "", NULL },
    { "limit=%31%30", 1, 10, "", NULL },
    { "%6cimit=7", 1, 7, "", NULL },
    { "%6Cimit=7", 1, 7, "", NULL },
    { "limit=0", 0, 0, NULL, E_LIMIT },
    { "limit=1001", 0, 0, NULL, E_LIMIT },
    { "limit=010", 0, 0, NULL, E_LIMIT },
    { "limit=00", 0, 0, NULL, E_LIMIT },
    { "limit=-1", 0, 0, NULL, E_LIMIT },
    { "limit=+5", 0, 0, NULL, E_LIMIT },
    { "limit=%2B5", 0, 0, NULL, E_LIMIT },
    { "limit=5+", 0, 0, NULL, E_LIMIT },        /* '+' is a space */
    { "limit=+", 0, 0, NULL, E_LIMIT },
    { "limit= 5", 0, 0, NULL, E_LIMIT },
    { "limit=5x", 0, 0, NULL, E_LIMIT },
    { "limit=5.0", 0, 0, NULL, E_LIMIT },
    { "limit=1e2", 0, 0, NULL, E_LIMIT },
    { "limit=0x10", 0, 0, NULL, E_LIMIT },
    { "limit=2147483648", 0, 0, NULL, E_LIMIT },
    { "limit=99999999999999999999999999", 0, 0, NULL, E_LIMIT },
    { "limit=1000000000000000000000000000000000000000000000000000000000000000"
      "0000000000", 0, 0, NULL, E_LIMIT },
    { "limit=5%00", 0, 0, NULL, E_LIMIT },
    { "limit=", 0, 0, NULL, E_LIMIT },          /* empty value */
    { "limit", 0, 0, NULL, E_LIMIT },           /* no value at all */
    { "limit=5=5", 0, 0, NULL, E_LIMIT },
    { "limit=5&limit=5", 0, 0, NULL, E_LIMIT2 },
    { "limit=5&limit=6", 0, 0, NULL, E_LIMIT2 },
    { "limit=5&%6cimit=6", 0, 0, NULL, E_LIMIT2 },
    { "limit=5&limit", 0, 0, NULL, E_LIMIT2 },
    { "limit=%", 0, 0, NULL, E_ESC },
    { "limit=%3", 0, 0, NULL, E_ESC },
    { "limit=%G1", 0, 0, NULL, E_ESC },
    { "limit=1%", 0, 0, NULL, E_ESC },
    { "limit=%%31", 0, 0, NULL, E_ESC },
    /* starting_after */
    { "starting_after=" ID, 1, 100, ID, NULL },
    { "starting_after=" ID_UPPER, 1, 100, ID, NULL },
    { "starting_after=0190a5c6%2D1e2f-7abc-8def-0123456789ab", 1, 100, ID,
      NULL },
    { "starting%5Fafter=" ID, 1, 100, ID, NULL },
    { "starting_after=", 0, 0, NULL, E_AFTER },
    { "starting_after", 0, 0, NULL, E_AFTER },
    { "starting_after=xyz", 0, 0, NULL, E_AFTER },
    { "starting_after=" ID "0", 0, 0, NULL, E_AFTER },
    { "starting_after=" ID "+", 0, 0, NULL, E_AFTER },
    { "starting_after=+" ID, 0, 0, NULL, E_AFTER },
    { "starting_after=0190a5c6-1e2f-7abc-8def-0123456789a", 0, 0, NULL,
      E_AFTER },
    { "starting_after=0190a5c61e2f7abc8def0123456789ab", 0, 0, NULL,
      E_AFTER },
    { "starting_after=0190a5c6-1e2f-7abc-8def-0123456789a%00", 0, 0, NULL,
      E_AFTER },
    { "starting_after=" ID "&starting_after=" ID, 0, 0, NULL, E_AFTER2 },
    { "starting_after=%ZZ", 0, 0, NULL, E_ESC },
    { "starting_after=" ID "%", 0, 0, NULL, E_ESC },
    /* both, either order */
    { "limit=10&starting_after=" ID, 1, 10, ID, NULL },
    { "starting_after=" ID "&limit=10", 1, 10, ID, NULL },
    { "&limit=10&&starting_after=" ID "&", 1, 10, ID, NULL },
    { "limit=10&starting_after=bad", 0, 0, NULL, E_AFTER },
    { "limit=0&starting_after=" ID, 0, 0, NULL, E_LIMIT },
    /* unknown names are ignored, bad escapes in them too */
    { "foo=bar", 1, 100, "", NULL },
    { "_=1700000000000&limit=3", 1, 3, "", NULL },
    { "limit=3&_=%ZZ", 1, 3, "", NULL },
    { "%ZZ=1&limit=3", 1, 3, "", NULL },
    { "limit%=3", 1, 100, "", NULL },
    { "Limit=0", 1, 100, "", NULL },            /* names are case-sensitive */
    { "LIMIT=5", 1, 100, "", NULL },
    { "limits=0", 1, 100, "", NULL },
    { "limi=0", 1, 100, "", NULL },
    { "limit+=0", 1, 100, "", NULL },
    { "+limit=0", 1, 100, "", NULL },
    { "limit%00=0", 1, 100, "", NULL },
    { "starting_afterx=bad", 1, 100, "", NULL },
    { "a_very_long_parameter_name_that_is_not_ours=1&limit=2", 1, 2, "",
      NULL },
    { "foo", 1, 100, "", NULL },
    { "foo=", 1, 100, "", NULL },
    { "foo=1&foo=2", 1, 100, "", NULL },
};

static void test_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const query_case *c = &cases[i];
        invoice_list_query_t q;
        const char *err = NULL;
        int ok;

        memset(&q, 0xa5, sizeof(q));
        ok = invoice_list_query_parse(c->args, &q, &err);
        if (ok != c->ok) {
            fail_msg("case %zu \"%s\": got %d (%s)", i, c->args, ok,
                     err ? err : "no error");
        }
        if (ok) {
            assert_int_equal(q.limit, c->limit);
            assert_string_equal(q.starting_after, c->after);
        }
        else {
            assert_non_null(err);
            if (strcmp(err, c->err) != 0) {
                fail_msg("case %zu \"%s\": error \"%s\"", i, c->args, err);
            }
        }
    }
}

static void test_null_args(void **state)
{
    invoice_list_query_t q;
    const char *err = NULL;

    (void)state;
    memset(&q, 0xa5, sizeof(q));
    assert_true(invoice_list_query_parse(NULL, &q, &err));
    assert_int_equal(q.limit, INVOICE_LIST_LIMIT_DEFAULT);
    assert_string_equal(q.starting_after, "");
    assert_null(err);
}

static void test_every_limit(void **state)
{
    char args[32];
    int n;

    (void)state;
    for (n = -5; n <= 1010; n++) {
        invoice_list_query_t q;
        const char *err = NULL;

        snprintf(args, sizeof(args), "limit=%d", n);
        assert_int_equal(invoice_list_query_parse(args, &q, &err),
                         n >= 1 && n <= INVOICE_LIST_LIMIT_MAX);
        if (n >= 1 && n <= INVOICE_LIST_LIMIT_MAX) {
            assert_int_equal(q.limit, n);
        }
    }
}

static void test_long_query(void **state)
{
    /* A long query string of unknown pairs costs nothing and is ignored. */
    static char args[64 * 1024];
    invoice_list_query_t q;
    const char *err = NULL;
    size_t i;

    (void)state;
    for (i = 0; i + 1 < sizeof(args); i++) {
        args[i] = (i % 7 == 6) ? '&' : (i % 7 == 3) ? '=' : 'x';
    }
    args[sizeof(args) - 1] = '\0';
    assert_true(invoice_list_query_parse(args, &q, &err));
    assert_int_equal(q.limit, 100);
    /* A long value for a known name is refused, not overflowed. */
    memcpy(args, "limit=", 6);
    memset(args + 6, '1', sizeof(args) - 7);
    assert_false(invoice_list_query_parse(args, &q, &err));
    assert_string_equal(err, E_LIMIT);
    memcpy(args, "starting_after=", 15);
    assert_false(invoice_list_query_parse(args, &q, &err));
    assert_string_equal(err, E_AFTER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_null_args),
        cmocka_unit_test(test_every_limit),
        cmocka_unit_test(test_long_query),
    };

    return cmocka_run_group_tests_name("list_query", tests, NULL, NULL);
}
