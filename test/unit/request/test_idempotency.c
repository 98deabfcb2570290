/* Unit tests for src/core/request/idempotency.c: the Idempotency-Key
 * grammar and request fingerprints. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/request/idempotency.h"

static void test_key_grammar(void **state)
{
    char key[300];

    (void)state;
    assert_true(invoice_idem_key_valid("a"));
    assert_true(invoice_idem_key_valid("order-42/retry#1"));
    assert_true(invoice_idem_key_valid("!~"));
    assert_false(invoice_idem_key_valid(""));
    assert_false(invoice_idem_key_valid(NULL));
    assert_false(invoice_idem_key_valid("a b"));
    assert_false(invoice_idem_key_valid("a\tb"));
    assert_false(invoice_idem_key_valid("a\x7f"));
    assert_false(invoice_idem_key_valid("caf\xc3\xa9"));
    memset(key, 'k', sizeof(key));
    key[255] = '\0';
    assert_true(invoice_idem_key_valid(key));      /* 255 characters */
    key[255] = 'k';
    key[256] = '\0';
    assert_false(invoice_idem_key_valid(key));     /* 256 */
}

static void test_fingerprints(void **state)
{
    const char *ab_c[] = { "ab", "c" }, *a_bc[] = { "a", "bc" };
    const char *one[] = { "x" };
    unsigned char f1[32], f2[32], f3[32];

    (void)state;
    invoice_idem_fingerprint("POST /sender/invoices", one, 1, f1);
    invoice_idem_fingerprint("POST /sender/invoices", one, 1, f2);
    assert_memory_equal(f1, f2, 32);                /* deterministic */
    invoice_idem_fingerprint("POST /sender/uploads", one, 1, f3);
    assert_memory_not_equal(f1, f3, 32);            /* the route counts */
    invoice_idem_fingerprint("r", ab_c, 2, f1);
    invoice_idem_fingerprint("r", a_bc, 2, f2);
    assert_memory_not_equal(f1, f2, 32);            /* so do the boundaries */
    invoice_idem_fingerprint("r", ab_c, 1, f3);
    assert_memory_not_equal(f1, f3, 32);            /* and every part */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_grammar),
        cmocka_unit_test(test_fingerprints),
    };

    return cmocka_run_group_tests_name("idempotency", tests, NULL, NULL);
}
