/* Unit tests for W3C traceparent handling. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/http/trace.h"

static const unsigned char random24[24] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c,
    0x0d, 0x0e, 0x0f, 0x10, 0xa1, 0xb2, 0xc3, 0xd4, 0xe5, 0xf6, 0x07, 0x18,
};

static void valid_header_is_continued(void **state)
{
    invoice_trace_t t;
    char out[INVOICE_TRACEPARENT_LEN + 1];

    assert_int_equal(invoice_trace_start(
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", random24, &t), 1);
    assert_string_equal(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_string_equal(t.parent_id, "00f067aa0ba902b7");
    assert_string_equal(t.span_id, "a1b2c3d4e5f60718");
    invoice_trace_format(&t, out);
    assert_string_equal(out, "00-4bf92f3577b34da6a3ce929d0e0e4736-a1b2c3d4e5f60718-01");
}

static void future_version_with_more_fields(void **state)
{
    invoice_trace_t t;

    assert_int_equal(invoice_trace_start(
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        random24, &t), 1);
    assert_string_equal(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
}

static void invalid_headers_start_a_new_trace(void **state)
{
    static const char *bad[] = {
        NULL, "", "garbage",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        invoice_trace_t t;
        assert_int_equal(invoice_trace_start(bad[i], random24, &t), 0);
        assert_string_equal(t.trace_id, "0102030405060708090a0b0c0d0e0f10");
        assert_string_equal(t.parent_id, "");
        assert_string_equal(t.flags, "00");
        assert_string_equal(t.span_id, "a1b2c3d4e5f60718");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_header_is_continued),
        cmocka_unit_test(future_version_with_more_fields),
        cmocka_unit_test(invalid_headers_start_a_new_trace),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
