/* Unit tests for src/uuid.c: canonical UUID text and version-7 ids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/util/uuid.h"

#define GOOD "0190a5c6-1e2f-7abc-8def-0123456789ab"

typedef struct {
    const char *s;
    int ok;
    const char *lower;      /* expected output when ok */
} parse_case;

static const parse_case parse_cases[] = {
    { GOOD, 1, GOOD },
    { "0190A5C6-1E2F-7ABC-8DEF-0123456789AB", 1, GOOD },
    { "0190a5C6-1e2F-7aBc-8DeF-0123456789Ab", 1, GOOD },
    { "00000000-0000-0000-0000-000000000000", 1,
      "00000000-0000-0000-0000-000000000000" },
    { "ffffffff-ffff-ffff-ffff-ffffffffffff", 1,
      "ffffffff-ffff-ffff-ffff-ffffffffffff" },
    /* any version / variant is accepted: only the text form matters */
    { "123e4567-e89b-12d3-a456-426614174000", 1,
      "123e4567-e89b-12d3-a456-426614174000" },
    { "", 0, NULL },
    { "0190a5c6-1e2f-7abc-8def-0123456789a", 0, NULL },     /* 35 */
    { "0190a5c6-1e2f-7abc-8def-0123456789abc", 0, NULL },   /* 37 */
    { "0190a5c61e2f7abc8def0123456789ab", 0, NULL },        /* no hyphens */
    { "{0190a5c6-1e2f-7abc-8def-0123456789ab}", 0, NULL },
    { "0190a5c6-1e2f-7abc-8def_0123456789ab", 0, NULL },
    { "0190a5c61-e2f-7abc-8def-0123456789ab", 0, NULL },    /* hyphen moved */
    { "0190a5c6-1e2f-7abc-8def-0123456789ag", 0, NULL },
    { "g190a5c6-1e2f-7abc-8def-0123456789ab", 0, NULL },
    { "0190a5c6-1e2f-7abc-8def-0123456789a ", 0, NULL },
    { " 190a5c6-1e2f-7abc-8def-0123456789ab", 0, NULL },
    { "0190a5c6-1e2f-7abc-8def--123456789ab", 0, NULL },
    { "0190a5c6-1e2f-7abc-8def-+123456789ab", 0, NULL },
    { "0190a5c6-1e2f-7abc-8def-0123456789a\xc3", 0, NULL },
    { "sender", 0, NULL },
    { "------------------------------------", 0, NULL },
};

static void test_parse_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
        const parse_case *c = &parse_cases[i];
        char out[INVOICE_UUID_LEN + 1];
        int ok;

        memset(out, 'Z', sizeof(out));
        ok = invoice_uuid_parse(c->s, strlen(c->s), out);
        if (ok != c->ok) {
            fail_msg("case %zu \"%s\": got %d", i, c->s, ok);
        }
        if (ok) {
            assert_string_equal(out, c->lower);
        }
        else {
            assert_int_equal(out[0], 'Z');      /* untouched */
            assert_int_equal(out[INVOICE_UUID_LEN], 'Z');
        }
    }
}

static void test_parse_respects_len(void **state)
{
    /* Bytes after len are not part of the input. */
    char in[64], out[INVOICE_UUID_LEN + 1];

    (void)state;
    memcpy(in, GOOD "trailing", sizeof(GOOD "trailing"));
    assert_true(invoice_uuid_parse(in, INVOICE_UUID_LEN, out));
    assert_string_equal(out, GOOD);
    assert_false(invoice_uuid_parse(in, INVOICE_UUID_LEN + 1, out));
    assert_false(invoice_uuid_parse(in, INVOICE_UUID_LEN - 1, out));
    assert_false(invoice_uuid_parse(NULL, 0, out));
    assert_false(invoice_uuid_parse(NULL, INVOICE_UUID_LEN, out));
}

static void test_parse_every_position(void **state)
{
    /* A bad byte at any position is refused; case is folded everywhere. */
    char in[INVOICE_UUID_LEN], out[INVOICE_UUID_LEN + 1];
    size_t i;

    (void)state;
    for (i = 0; i < INVOICE_UUID_LEN; i++) {
        memcpy(in, GOOD, INVOICE_UUID_LEN);
        in[i] = in[i] == '-' ? 'a' : 'x';
        assert_false(invoice_uuid_parse(in, INVOICE_UUID_LEN, out));
        in[i] = '\0';
        assert_false(invoice_uuid_parse(in, INVOICE_UUID_LEN, out));
    }
}

static void test_v7_layout(void **state)
{
    /* RFC 9562 appendix A.6 example: 0x017F22E279B0 ms. */
    const unsigned char rnd[10] = { 0xfc, 0xc3, 0x18, 0xc4, 0xdc, 0x0c,
                                    0x0c, 0x07, 0x39, 0x8f };
    char out[INVOICE_UUID_LEN + 1], back[INVOICE_UUID_LEN + 1];

    (void)state;
    invoice_uuid_v7(0x017F22E279B0ull, rnd, out);
    /* rand_a = low 12 bits of fc c3 = c c3; rand_b = low 62 bits of
     * 18 c4 dc 0c 0c 07 39 8f with the variant on top = 98 c4 ... */
    assert_string_equal(out, "017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
    assert_int_equal(strlen(out), INVOICE_UUID_LEN);
    assert_true(invoice_uuid_parse(out, INVOICE_UUID_LEN, back));
    assert_string_equal(back, out);
}

static void test_v7_extremes(void **state)
{
    unsigned char zero[10], ones[10];
    char out[INVOICE_UUID_LEN + 1];

    (void)state;
    memset(zero, 0, sizeof(zero));
    memset(ones, 0xff, sizeof(ones));
    invoice_uuid_v7(0, zero, out);
    assert_string_equal(out, "00000000-0000-7000-8000-000000000000");
    invoice_uuid_v7(0xffffffffffffull, ones, out);
    assert_string_equal(out, "ffffffff-ffff-7fff-bfff-ffffffffffff");
    /* Only the low 48 bits of the time are used. */
    invoice_uuid_v7(0xabcd000000000001ull, zero, out);
    assert_string_equal(out, "00000000-0001-7000-8000-000000000000");
}

static void test_v7_sorts_by_time(void **state)
{
    unsigned char hi[10], lo[10];
    char a[INVOICE_UUID_LEN + 1], b[INVOICE_UUID_LEN + 1];
    uint64_t ms = 1700000000000ull;

    (void)state;
    memset(hi, 0xff, sizeof(hi));
    memset(lo, 0x00, sizeof(lo));
    /* Later time sorts later as text, whatever the random bits. */
    invoice_uuid_v7(ms, hi, a);
    invoice_uuid_v7(ms + 1, lo, b);
    assert_true(strcmp(a, b) < 0);
}

static void test_v7_version_and_variant(void **state)
{
    unsigned char rnd[10];
    char out[INVOICE_UUID_LEN + 1];
    unsigned i, j;

    (void)state;
    for (i = 0; i < 256; i++) {
        for (j = 0; j < 10; j++) {
            rnd[j] = (unsigned char)(i * 37 + j * 101);
        }
        invoice_uuid_v7(1700000000000ull + i, rnd, out);
        assert_int_equal(out[8], '-');
        assert_int_equal(out[13], '-');
        assert_int_equal(out[18], '-');
        assert_int_equal(out[23], '-');
        assert_int_equal(out[14], '7');
        assert_non_null(strchr("89ab", out[19]));
        assert_int_equal(out[INVOICE_UUID_LEN], '\0');
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_parse_respects_len),
        cmocka_unit_test(test_parse_every_position),
        cmocka_unit_test(test_v7_layout),
        cmocka_unit_test(test_v7_extremes),
        cmocka_unit_test(test_v7_sorts_by_time),
        cmocka_unit_test(test_v7_version_and_variant),
    };

    return cmocka_run_group_tests_name("uuid", tests, NULL, NULL);
}
