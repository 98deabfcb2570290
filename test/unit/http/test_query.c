/* Unit tests for src/core/http/query.c: decoding and single values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/http/query.h"

static void test_decode(void **state)
{
    char out[8];
    size_t n = 0;

    (void)state;
    assert_int_equal(invoice_query_decode("a%41+b", 6, out, sizeof(out), &n),
                     INVOICE_QUERY_DECODED);
    assert_int_equal(n, 4);
    assert_memory_equal(out, "aA b", 4);
    assert_int_equal(invoice_query_decode("%4", 2, out, sizeof(out), &n),
                     INVOICE_QUERY_BAD_ESCAPE);
    assert_int_equal(invoice_query_decode("%zz", 3, out, sizeof(out), &n),
                     INVOICE_QUERY_BAD_ESCAPE);
    assert_int_equal(invoice_query_decode("123456789", 9, out, sizeof(out), &n),
                     INVOICE_QUERY_TOO_LONG);
}

static void test_value(void **state)
{
    char out[16];
    size_t n = 0;

    (void)state;
    assert_int_equal(invoice_query_value("a=1&receiver_id=42&b", "receiver_id",
                                         out, sizeof(out), &n), 1);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "42", 2);
    assert_int_equal(invoice_query_value("receiver%5fid=7", "receiver_id",
                                         out, sizeof(out), &n), 1);
    assert_memory_equal(out, "7", 1);
    assert_int_equal(invoice_query_value("x=1", "receiver_id", out,
                                         sizeof(out), &n), 0);
    assert_int_equal(invoice_query_value(NULL, "receiver_id", out,
                                         sizeof(out), &n), 0);
    assert_int_equal(invoice_query_value("receiver_id=1&receiver_id=1",
                                         "receiver_id", out, sizeof(out), &n),
                     -1);
    assert_int_equal(invoice_query_value("receiver_id=%zz", "receiver_id", out,
                                         sizeof(out), &n), -1);
    assert_int_equal(invoice_query_value("receiver_id", "receiver_id", out,
                                         sizeof(out), &n), 1);
    assert_int_equal(n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode),
        cmocka_unit_test(test_value),
    };

    return cmocka_run_group_tests_name("query", tests, NULL, NULL);
}
