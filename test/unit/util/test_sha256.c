/* Unit tests for SHA-256 against FIPS 180-4 / NIST vectors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

#include "core/util/sha256.h"

static const char *hex_digest(const void *data, size_t len)
{
    static char out[65];
    unsigned char d[INVOICE_SHA256_LEN];

    invoice_sha256(data, len, d);
    for (int i = 0; i < INVOICE_SHA256_LEN; i++) {
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    }
    return out;
}

static void nist_vectors(void **state)
{
    assert_string_equal(hex_digest("", 0),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_string_equal(hex_digest("abc", 3),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_string_equal(hex_digest(
        "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void one_million_a(void **state)
{
    char *a = malloc(1000000);

    assert_non_null(a);
    memset(a, 'a', 1000000);
    assert_string_equal(hex_digest(a, 1000000),
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    free(a);
}

/* Lengths at the padding boundaries: 55 bytes fit one block with the
 * length, 56 need a second block, 64 is exactly one block of data.
 * Expected values from coreutils sha256sum. */
static void padding_boundaries(void **state)
{
    unsigned char zeros[64] = { 0 };

    assert_string_equal(hex_digest(zeros, 55),
        "02779466cdec163811d078815c633f21901413081449002f24aa3e80f0b88ef7");
    assert_string_equal(hex_digest(zeros, 56),
        "d4817aa5497628e7c77e6b606107042bbba3130888c5f47a375e6179be789fbb");
    assert_string_equal(hex_digest(zeros, 64),
        "f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nist_vectors),
        cmocka_unit_test(one_million_a),
        cmocka_unit_test(padding_boundaries),
    };
    return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
