/* Unit tests for src/core/invoice.c: role names and party identities
 * (the values of InvoiceIdentity remote-user / expr=). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include "core/invoice.h"

#define S INVOICE_ROLE_SENDER
#define C INVOICE_ROLE_CONSUMER

typedef struct {
    const char *value;
    invoice_role_t role;            /* of the route */
    invoice_party_status_t want;
    int id;
} party_case;

static const party_case cases[] = {
    { "7", S, INVOICE_PARTY_OK, 7 },
    { "7", C, INVOICE_PARTY_OK, 7 },
    { "sender:7", S, INVOICE_PARTY_OK, 7 },
    { "consumer:42", C, INVOICE_PARTY_OK, 42 },
    { "2147483647", S, INVOICE_PARTY_OK, 2147483647 },
    { "consumer:2147483647", C, INVOICE_PARTY_OK, 2147483647 },
    { "sender:7", C, INVOICE_PARTY_OTHER_ROLE, 0 },
    { "consumer:42", S, INVOICE_PARTY_OTHER_ROLE, 0 },
    { "", S, INVOICE_PARTY_EMPTY, 0 },
    { NULL, C, INVOICE_PARTY_EMPTY, 0 },
    { "0", S, INVOICE_PARTY_MALFORMED, 0 },
    { "07", S, INVOICE_PARTY_MALFORMED, 0 },
    { "-7", S, INVOICE_PARTY_MALFORMED, 0 },
    { "2147483648", S, INVOICE_PARTY_MALFORMED, 0 },
    { "sender:", S, INVOICE_PARTY_MALFORMED, 0 },
    { "sender:0", S, INVOICE_PARTY_MALFORMED, 0 },
    { "sender: 7", S, INVOICE_PARTY_MALFORMED, 0 },
    { "Sender:7", S, INVOICE_PARTY_MALFORMED, 0 },
    { "sender 7", S, INVOICE_PARTY_MALFORMED, 0 },
    { "sender:7:8", S, INVOICE_PARTY_MALFORMED, 0 },
    { "consumer:sender:7", S, INVOICE_PARTY_MALFORMED, 0 },
    { "bob", S, INVOICE_PARTY_MALFORMED, 0 },
    { "7 ", S, INVOICE_PARTY_MALFORMED, 0 },
    { "admin:7", S, INVOICE_PARTY_MALFORMED, 0 },
    /* a malformed id is malformed whatever the role says */
    { "consumer:x", S, INVOICE_PARTY_MALFORMED, 0 },
};

static void test_party_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        invoice_caller_t who = { INVOICE_ROLE_NONE, -1 };
        invoice_party_status_t st = invoice_party_parse(cases[i].value,
                                                        cases[i].role, &who);
        if (st != cases[i].want) {
            fail_msg("case %zu \"%s\": got %d, want %d", i,
                     cases[i].value ? cases[i].value : "(null)", (int)st,
                     (int)cases[i].want);
        }
        if (st == INVOICE_PARTY_OK) {
            assert_int_equal(who.role, cases[i].role);
            assert_int_equal(who.id, cases[i].id);
        }
        else {
            assert_int_equal(who.id, -1);   /* untouched */
        }
    }
}

static void test_role_names(void **state)
{
    (void)state;
    assert_string_equal(invoice_role_name(S), "sender");
    assert_string_equal(invoice_role_name(C), "consumer");
    assert_null(invoice_role_name(INVOICE_ROLE_NONE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_party_parse),
        cmocka_unit_test(test_role_names),
    };

    return cmocka_run_group_tests_name("invoice", tests, NULL, NULL);
}
