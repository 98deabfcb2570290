/* Unit tests for src/base64.c: strict RFC 4648 decoding. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "core/request/base64.h"
#include "../../b64_reference.h"

static const char alphabet[] = B64_REFERENCE_ALPHABET;

/* Decode from an exactly-sized heap copy into an exactly-sized heap
 * buffer, so that ASan/valgrind catch any read or write out of bounds. */
static invoice_b64_status_t decode_exact(const char *in, size_t len,
                                         unsigned char *dst, size_t *outlen)
{
    char *copy = malloc(len ? len : 1);
    size_t max = invoice_base64_decoded_max(len);
    unsigned char *out = malloc(max ? max : 1);
    invoice_b64_status_t st;

    assert_non_null(copy);
    assert_non_null(out);
    memcpy(copy, in, len);
    st = invoice_base64_decode(copy, len, out, outlen);
    if (st == INVOICE_B64_OK && dst != NULL) {
        memcpy(dst, out, *outlen);
    }
    free(out);
    free(copy);
    return st;
}

typedef struct {
    const char *in;
    size_t len;                 /* 0: strlen(in) */
    invoice_b64_status_t st;
    const char *out;            /* expected bytes when OK */
} b64_case;

static const b64_case cases[] = {
    /* RFC 4648 section 10 test vectors */
    { "Zg==", 0, INVOICE_B64_OK, "f" },
    { "Zm8=", 0, INVOICE_B64_OK, "fo" },
    { "Zm9v", 0, INVOICE_B64_OK, "foo" },
    { "Zm9vYg==", 0, INVOICE_B64_OK, "foob" },
    { "Zm9vYmE=", 0, INVOICE_B64_OK, "fooba" },
    { "Zm9vYmFy", 0, INVOICE_B64_OK, "foobar" },
    { "SGVsbG8=", 0, INVOICE_B64_OK, "Hello" },
    { "+/+/", 0, INVOICE_B64_OK, "\xfb\xff\xbf" },
    { "AAAA", 0, INVOICE_B64_OK, "\0\0\0" },
    /* empty */
    { "", 0, INVOICE_B64_EMPTY, NULL },
    /* length not a multiple of 4 (unpadded, whitespace, truncated) */
    { "Zg", 0, INVOICE_B64_BAD_LENGTH, NULL },
    { "Zg=", 0, INVOICE_B64_BAD_LENGTH, NULL },
    { "Zm9vYg", 0, INVOICE_B64_BAD_LENGTH, NULL },
    { "Zm9v\n", 0, INVOICE_B64_BAD_LENGTH, NULL },
    { "Zm9vY", 0, INVOICE_B64_BAD_LENGTH, NULL },
    { "Zg===", 0, INVOICE_B64_BAD_LENGTH, NULL },
    /* bytes outside the alphabet, whitespace and line breaks included */
    { "Zm9\nZm9v", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zm9vZm9v\r\nAA", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zm 9", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zm\t9", 0, INVOICE_B64_BAD_CHAR, NULL },
    { " Zm9vYmF", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zm9vYmF ", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zm-_", 0, INVOICE_B64_BAD_CHAR, NULL },          /* URL-safe */
    { "-_-_Zm9v", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zm9v-g==", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Z.9v", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zm9\0", 4, INVOICE_B64_BAD_CHAR, NULL },
    { "\0m9v", 4, INVOICE_B64_BAD_CHAR, NULL },
    { "\xffm9v", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zm9\xc3", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Zg=\xff", 0, INVOICE_B64_BAD_PADDING, NULL },    /* '=' comes first */
    { "Z\xff==", 0, INVOICE_B64_BAD_CHAR, NULL },
    /* '=' anywhere but the last one or two places */
    { "====", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Z===", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "=m9v", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Z=9v", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zm=v", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zg=a", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zg==Zm9v", 0, INVOICE_B64_BAD_PADDING, NULL },   /* two documents */
    { "Zm8=Zm8=", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zm9vZ===", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zm9v====", 0, INVOICE_B64_BAD_PADDING, NULL },
    /* non-zero bits in the last symbol before padding */
    { "SGVsbG9=", 0, INVOICE_B64_BAD_PADDING, NULL },   /* "Hello" */
    { "Zh==", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zv==", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zm9=", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zm+=", 0, INVOICE_B64_BAD_PADDING, NULL },
    { "Zm9vZm9=", 0, INVOICE_B64_BAD_PADDING, NULL },
    /* the first problem, left to right, is the one reported */
    { "Zm!vZ===", 0, INVOICE_B64_BAD_CHAR, NULL },
    { "Z=!vZm9v", 0, INVOICE_B64_BAD_PADDING, NULL },
};

static void test_table(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const b64_case *c = &cases[i];
        size_t len = c->len ? c->len : strlen(c->in);
        unsigned char out[64];
        size_t outlen = 12345;
        invoice_b64_status_t st = decode_exact(c->in, len, out, &outlen);

        if (st != c->st) {
            fail_msg("case %zu \"%s\": got %d, want %d", i, c->in, (int)st,
                     (int)c->st);
        }
        if (st == INVOICE_B64_OK) {
            size_t want = c->out[0] ? strlen(c->out) : 3;   /* "AAAA" */

            assert_int_equal(outlen, want);
            assert_memory_equal(out, c->out, want);
        }
        else {
            assert_int_equal(outlen, 12345);    /* untouched on failure */
        }
    }
}

static void test_decoded_max(void **state)
{
    (void)state;
    assert_int_equal(invoice_base64_decoded_max(0), 0);
    assert_int_equal(invoice_base64_decoded_max(3), 0);
    assert_int_equal(invoice_base64_decoded_max(4), 3);
    assert_int_equal(invoice_base64_decoded_max(7), 3);
    assert_int_equal(invoice_base64_decoded_max(8), 6);
    assert_int_equal(invoice_base64_decoded_max(8956), 6717);
    assert_true(invoice_base64_decoded_max(SIZE_MAX) <= SIZE_MAX / 4 * 3);
}

/* Every length 0..300 and every byte value survive encode + decode. */
static void test_round_trip(void **state)
{
    unsigned char in[300], out[300];
    char enc[404];
    size_t n, i, outlen;

    (void)state;
    for (i = 0; i < sizeof(in); i++) {
        in[i] = (unsigned char)(i * 167 + 13);
    }
    for (n = 1; n <= sizeof(in); n++) {
        size_t elen = b64_reference_encode(in, n, enc);

        assert_int_equal(decode_exact(enc, elen, out, &outlen),
                         INVOICE_B64_OK);
        assert_int_equal(outlen, n);
        assert_memory_equal(out, in, n);
        assert_true(outlen <= invoice_base64_decoded_max(elen));
    }
}

/* A small PDF built here (not read from disk): text header, binary
 * comment line, body, and trailer, as real PDFs have. */
static void test_pdf_round_trip(void **state)
{
    static const char head[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n";
    static const char body[] =
        "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
        "trailer << /Root 1 0 R >>\n%%EOF\n";
    unsigned char pdf[sizeof(head) + sizeof(body) + 256], *dec;
    char *enc;
    size_t n = 0, i, elen, outlen;

    (void)state;
    memcpy(pdf, head, sizeof(head) - 1);
    n += sizeof(head) - 1;
    for (i = 0; i < 256; i++) {
        pdf[n++] = (unsigned char)i;
    }
    memcpy(pdf + n, body, sizeof(body) - 1);
    n += sizeof(body) - 1;
    enc = malloc(n / 3 * 4 + 5);    /* + 1 for the line break below */
    dec = malloc(n);
    assert_non_null(enc);
    assert_non_null(dec);
    elen = b64_reference_encode(pdf, n, enc);
    assert_int_equal(decode_exact(enc, elen, dec, &outlen), INVOICE_B64_OK);
    assert_int_equal(outlen, n);
    assert_memory_equal(dec, pdf, n);
    assert_memory_equal(dec, "%PDF-", 5);
    /* The same text wrapped at 76 columns, as `base64` prints it. */
    memmove(enc + 77, enc + 76, elen - 76);
    enc[76] = '\n';
    assert_int_not_equal(decode_exact(enc, elen + 1, dec, &outlen),
                         INVOICE_B64_OK);
    free(dec);
    free(enc);
}

/* Only one spelling is canonical for the symbol before the padding. */
static void test_trailing_bits(void **state)
{
    char in[4];
    size_t outlen;
    int s;

    (void)state;
    for (s = 0; s < 64; s++) {
        in[0] = 'Q';
        in[1] = alphabet[s];
        in[2] = '=';
        in[3] = '=';
        assert_int_equal(decode_exact(in, 4, NULL, &outlen),
                         (s & 15) ? INVOICE_B64_BAD_PADDING : INVOICE_B64_OK);
        in[1] = 'Q';
        in[2] = alphabet[s];
        in[3] = '=';
        assert_int_equal(decode_exact(in, 4, NULL, &outlen),
                         (s & 3) ? INVOICE_B64_BAD_PADDING : INVOICE_B64_OK);
    }
}

/* Every byte that is not in the alphabet is refused at every position. */
static void test_every_bad_byte(void **state)
{
    char in[8];
    size_t outlen, pos;
    int b;

    (void)state;
    for (b = 0; b < 256; b++) {
        if (b == '=' || (b != 0 && strchr(alphabet, b) != NULL)) {
            continue;
        }
        for (pos = 0; pos < sizeof(in); pos++) {
            memcpy(in, "Zm9vYmFy", sizeof(in));
            in[pos] = (char)b;
            assert_int_equal(decode_exact(in, sizeof(in), NULL, &outlen),
                             INVOICE_B64_BAD_CHAR);
        }
    }
}

static void test_large(void **state)
{
    size_t n = 1 << 20, elen, outlen, i;
    unsigned char *in = malloc(n), *out;
    char *enc = malloc(n / 3 * 4 + 4);

    (void)state;
    assert_non_null(in);
    assert_non_null(enc);
    for (i = 0; i < n; i++) {
        in[i] = (unsigned char)((i * 2654435761u) >> 13);
    }
    elen = b64_reference_encode(in, n, enc);
    out = malloc(invoice_base64_decoded_max(elen));
    assert_non_null(out);
    assert_int_equal(invoice_base64_decode(enc, elen, out, &outlen),
                     INVOICE_B64_OK);
    assert_int_equal(outlen, n);
    assert_memory_equal(out, in, n);
    enc[elen / 2] = '\n';
    assert_int_equal(invoice_base64_decode(enc, elen, out, &outlen),
                     INVOICE_B64_BAD_CHAR);
    free(out);
    free(enc);
    free(in);
}

static void test_pool(void **state)
{
    apr_pool_t *p = NULL;
    unsigned char *out = (unsigned char *)"x";
    size_t outlen = 0;

    (void)state;
    assert_int_equal(apr_pool_create(&p, NULL), APR_SUCCESS);
    assert_int_equal(invoice_base64_decode_pool(p, "Zm9vYmFy", 8, &out,
                                                &outlen), INVOICE_B64_OK);
    assert_non_null(out);
    assert_int_equal(outlen, 6);
    assert_memory_equal(out, "foobar", 6);
    assert_int_equal(invoice_base64_decode_pool(p, "", 0, &out, &outlen),
                     INVOICE_B64_EMPTY);
    assert_null(out);
    assert_int_equal(invoice_base64_decode_pool(p, "Zm9", 3, &out, &outlen),
                     INVOICE_B64_BAD_LENGTH);
    assert_null(out);
    assert_int_equal(invoice_base64_decode_pool(p, "Zm9\n", 4, &out,
                                                &outlen),
                     INVOICE_B64_BAD_CHAR);
    assert_null(out);
    assert_int_equal(invoice_base64_decode_pool(p, "SGVsbG9=", 8, &out,
                                                &outlen),
                     INVOICE_B64_BAD_PADDING);
    assert_null(out);
    apr_pool_destroy(p);
}

static void test_reason(void **state)
{
    invoice_b64_status_t st;

    (void)state;
    for (st = INVOICE_B64_EMPTY; st <= INVOICE_B64_BAD_PADDING; st++) {
        const char *r = invoice_base64_reason(st);

        assert_non_null(r);
        assert_non_null(strstr(r, "is not valid base64"));
    }
    assert_non_null(invoice_base64_reason(INVOICE_B64_OK));
    assert_non_null(invoice_base64_reason((invoice_b64_status_t)99));
    assert_string_not_equal(invoice_base64_reason(INVOICE_B64_BAD_CHAR),
                            invoice_base64_reason(INVOICE_B64_BAD_PADDING));
}

static int group_setup(void **state)
{
    (void)state;
    return apr_initialize() == APR_SUCCESS ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    apr_terminate();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_decoded_max),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_pdf_round_trip),
        cmocka_unit_test(test_trailing_bits),
        cmocka_unit_test(test_every_bad_byte),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_pool),
        cmocka_unit_test(test_reason),
    };

    return cmocka_run_group_tests_name("base64", tests, group_setup,
                                       group_teardown);
}
