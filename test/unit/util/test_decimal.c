/* Unit tests for src/core/util/decimal.c: the digit scanner and positive
 * ids (path segments, Authorization, ?limit=). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/util/decimal.h"

typedef struct {
    const char *s;
    size_t len;
    int ok;
    int id;
} id_case;

static void test_positive_id_lengths(void **state)
{
    /* Explicit lengths: the input need not be NUL-terminated, and bytes
     * past len must never matter. */
    static const id_case cases[] = {
        { "123", 3, 1, 123 },
        { "123", 2, 1, 12 },
        { "123", 1, 1, 1 },
        { "123", 0, 0, 0 },
        { "5x", 1, 1, 5 },
        { "5x", 2, 0, 0 },
        { "2147483647", 10, 1, 2147483647 },
        { "21474836479", 10, 1, 2147483647 },
        { "2147483648", 10, 0, 0 },
        { "3000000000", 10, 0, 0 },
        { "10000000000", 11, 0, 0 },
        { "0", 1, 0, 0 },
        { "01", 2, 0, 0 },
        { "-1", 2, 0, 0 },
        { "+1", 2, 0, 0 },
        { " 1", 2, 0, 0 },
        { "1 ", 2, 0, 0 },
        { "1\0" "2", 3, 0, 0 },
        { "9", 1, 1, 9 },
        { "10", 2, 1, 10 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int id = -42;
        int ok = invoice_parse_positive_id(cases[i].s, cases[i].len, &id);

        if (ok != cases[i].ok) {
            fail_msg("case %zu \"%.*s\": got %d", i, (int)cases[i].len,
                     cases[i].s, ok);
        }
        assert_int_equal(id, cases[i].ok ? cases[i].id : -42);
    }
}

static void test_positive_id_null(void **state)
{
    int id = -42;

    (void)state;
    assert_int_equal(invoice_parse_positive_id(NULL, 0, &id), 0);
    assert_int_equal(invoice_parse_positive_id(NULL, 3, &id), 0);
    assert_int_equal(id, -42);
}

static void test_positive_id_all_small_values(void **state)
{
    char buf[16];
    int n;

    (void)state;
    for (n = 1; n <= 100000; n++) {
        int id = 0;
        int len = snprintf(buf, sizeof(buf), "%d", n);

        assert_true(invoice_parse_positive_id(buf, (size_t)len, &id));
        assert_int_equal(id, n);
    }
}

static void test_scan_stops_at_non_digits(void **state)
{
    uint64_t v = 1;

    (void)state;
    assert_int_equal(invoice_decimal_scan("123abc", 6, 1000, &v), 3);
    assert_int_equal(v, 123);
    assert_int_equal(invoice_decimal_scan("abc", 3, 1000, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(invoice_decimal_scan("-5", 2, 1000, &v), 0);
    assert_int_equal(invoice_decimal_scan("12", 1, 1000, &v), 1);
    assert_int_equal(v, 1);
}

static void test_scan_saturates_at_cap(void **state)
{
    uint64_t v;

    (void)state;
    assert_int_equal(invoice_decimal_scan("999", 3, 1000, &v), 3);
    assert_int_equal(v, 999);
    assert_int_equal(invoice_decimal_scan("1000", 4, 1000, &v), 4);
    assert_int_equal(v, 1000);
    assert_int_equal(invoice_decimal_scan("123456789012345678901234567890",
                                          30, UINT64_MAX, &v), 30);
    assert_true(v == UINT64_MAX);
}

static void test_durations(void **state)
{
    long s = -1;

    (void)state;
    assert_true(invoice_parse_duration("24h", &s));
    assert_int_equal(s, 86400);
    assert_true(invoice_parse_duration("90m", &s));
    assert_int_equal(s, 5400);
    assert_true(invoice_parse_duration("3600", &s));
    assert_int_equal(s, 3600);
    assert_true(invoice_parse_duration("2s", &s));
    assert_int_equal(s, 2);
    assert_true(invoice_parse_duration("30d", &s));
    assert_int_equal(s, 30L * 86400);
    s = -1;
    assert_false(invoice_parse_duration("", &s));
    assert_false(invoice_parse_duration("h", &s));
    assert_false(invoice_parse_duration("24 h", &s));
    assert_false(invoice_parse_duration("24hours", &s));
    assert_false(invoice_parse_duration("-5", &s));
    assert_false(invoice_parse_duration("1.5h", &s));
    assert_false(invoice_parse_duration("99999999999", &s));
    assert_false(invoice_parse_duration(NULL, &s));
    assert_int_equal(s, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_positive_id_lengths),
        cmocka_unit_test(test_positive_id_null),
        cmocka_unit_test(test_positive_id_all_small_values),
        cmocka_unit_test(test_scan_stops_at_non_digits),
        cmocka_unit_test(test_scan_saturates_at_cap),
        cmocka_unit_test(test_durations),
    };

    return cmocka_run_group_tests_name("decimal", tests, NULL, NULL);
}
