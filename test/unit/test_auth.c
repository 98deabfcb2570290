/* Unit tests for src/auth.c: the Authorization header and positive ids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth.h"

typedef struct {
    const char *value;
    invoice_role_t role;
    int ok;
    int id;
} auth_case;

static const auth_case auth_cases[] = {
    { "sender 5", INVOICE_ROLE_SENDER, 1, 5 },
    { "sender 1", INVOICE_ROLE_SENDER, 1, 1 },
    { "sender 2147483647", INVOICE_ROLE_SENDER, 1, 2147483647 },
    { "sender 1234567890", INVOICE_ROLE_SENDER, 1, 1234567890 },
    { "consumer 7", INVOICE_ROLE_CONSUMER, 1, 7 },
    { "consumer 2147483647", INVOICE_ROLE_CONSUMER, 1, 2147483647 },
    /* wrong role */
    { "consumer 5", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 5", INVOICE_ROLE_CONSUMER, 0, 0 },
    /* malformed */
    { "Sender 5", INVOICE_ROLE_SENDER, 0, 0 },
    { "SENDER 5", INVOICE_ROLE_SENDER, 0, 0 },
    { "Consumer 5", INVOICE_ROLE_CONSUMER, 0, 0 },
    { "sender  5", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender\t5", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender05", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender5", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 05", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender +5", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender -1", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 0", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 00", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 2147483648", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 4294967296", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 99999999999999999999", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 5 ", INVOICE_ROLE_SENDER, 0, 0 },
    { " sender 5", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 5x", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 5\n", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 0x5", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 5.0", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender 1e3", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender \xd9\xa5", INVOICE_ROLE_SENDER, 0, 0 },   /* Arabic-Indic 5 */
    { "sender", INVOICE_ROLE_SENDER, 0, 0 },
    { "sender ", INVOICE_ROLE_SENDER, 0, 0 },
    { "", INVOICE_ROLE_SENDER, 0, 0 },
    { "Bearer 5", INVOICE_ROLE_SENDER, 0, 0 },
    { "senderx 5", INVOICE_ROLE_SENDER, 0, 0 },
    { "consumer  5", INVOICE_ROLE_CONSUMER, 0, 0 },
    { "consumer 0", INVOICE_ROLE_CONSUMER, 0, 0 },
    { "consumer 2147483648", INVOICE_ROLE_CONSUMER, 0, 0 },
    { "consumer 5 ", INVOICE_ROLE_CONSUMER, 0, 0 },
    { "consumer", INVOICE_ROLE_CONSUMER, 0, 0 },
    /* a role that does not exist */
    { "sender 5", (invoice_role_t)0, 0, 0 },
    { "sender 5", (invoice_role_t)3, 0, 0 },
};

static void test_auth_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(auth_cases) / sizeof(auth_cases[0]); i++) {
        const auth_case *c = &auth_cases[i];
        int id = -42;
        int ok = invoice_auth_parse(c->value, c->role, &id);

        if (ok != c->ok) {
            fail_msg("case %zu \"%s\": got %d, want %d", i, c->value, ok,
                     c->ok);
        }
        /* On failure the id is left alone. */
        assert_int_equal(id, c->ok ? c->id : -42);
    }
}

static void test_auth_null_value(void **state)
{
    int id = -42;

    (void)state;
    assert_int_equal(invoice_auth_parse(NULL, INVOICE_ROLE_SENDER, &id), 0);
    assert_int_equal(invoice_auth_parse(NULL, INVOICE_ROLE_CONSUMER, &id), 0);
    assert_int_equal(id, -42);
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_table),
        cmocka_unit_test(test_auth_null_value),
        cmocka_unit_test(test_positive_id_lengths),
        cmocka_unit_test(test_positive_id_null),
        cmocka_unit_test(test_positive_id_all_small_values),
    };

    return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
