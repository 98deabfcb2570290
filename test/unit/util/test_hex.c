/* Unit tests for src/core/util/hex.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/util/hex.h"

static void test_digits(void **state)
{
    static const char digits[] = "0123456789abcdefABCDEF";

    (void)state;
    for (int i = 0; i < 22; i++) {
        assert_int_equal(invoice_hex_digit(digits[i]), i < 16 ? i : i - 6);
    }
    assert_int_equal(invoice_hex_digit('g'), -1);
    assert_int_equal(invoice_hex_digit('G'), -1);
    assert_int_equal(invoice_hex_digit('/'), -1);
    assert_int_equal(invoice_hex_digit(':'), -1);
    assert_int_equal(invoice_hex_digit('\0'), -1);
}

static void test_encode(void **state)
{
    static const unsigned char bytes[] = { 0x00, 0x01, 0x7f, 0x80, 0xab, 0xff };
    char out[13];

    (void)state;
    invoice_hex_encode(bytes, sizeof(bytes), out);
    assert_string_equal(out, "00017f80abff");
    invoice_hex_encode(bytes, 0, out);
    assert_string_equal(out, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digits),
        cmocka_unit_test(test_encode),
    };

    return cmocka_run_group_tests_name("hex", tests, NULL, NULL);
}
