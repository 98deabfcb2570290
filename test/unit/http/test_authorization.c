/* Unit tests for src/core/http/authorization.c: the Authorization header. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/http/authorization.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_auth_table),
        cmocka_unit_test(test_auth_null_value),
    };

    return cmocka_run_group_tests_name("auth", tests, NULL, NULL);
}
