/* Unit tests for src/filetype.c: media types and magic bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/filetype.h"

typedef struct {
    const char *media;
    invoice_filetype_t type;
} media_case;

static void test_from_media(void **state)
{
    static const media_case cases[] = {
        { "application/pdf", INVOICE_FILETYPE_PDF },
        { "image/png", INVOICE_FILETYPE_PNG },
        { "Application/PDF", INVOICE_FILETYPE_UNKNOWN },
        { "application/PDF", INVOICE_FILETYPE_UNKNOWN },
        { "IMAGE/PNG", INVOICE_FILETYPE_UNKNOWN },
        { "application/pdf; charset=binary", INVOICE_FILETYPE_UNKNOWN },
        { "application/pdf ", INVOICE_FILETYPE_UNKNOWN },
        { " application/pdf", INVOICE_FILETYPE_UNKNOWN },
        { "application/pd", INVOICE_FILETYPE_UNKNOWN },
        { "application/pdfx", INVOICE_FILETYPE_UNKNOWN },
        { "application/x-pdf", INVOICE_FILETYPE_UNKNOWN },
        { "image/jpeg", INVOICE_FILETYPE_UNKNOWN },
        { "image/png\n", INVOICE_FILETYPE_UNKNOWN },
        { "pdf", INVOICE_FILETYPE_UNKNOWN },
        { "", INVOICE_FILETYPE_UNKNOWN },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        invoice_filetype_t t = invoice_filetype_from_media(
            cases[i].media, strlen(cases[i].media));

        if (t != cases[i].type) {
            fail_msg("case %zu \"%s\": got %d", i, cases[i].media, (int)t);
        }
    }
}

static void test_from_media_respects_len(void **state)
{
    (void)state;
    /* Not NUL-terminated at len: only the first len bytes count. */
    assert_int_equal(invoice_filetype_from_media("application/pdf!!", 15),
                     INVOICE_FILETYPE_PDF);
    assert_int_equal(invoice_filetype_from_media("image/pngXYZ", 9),
                     INVOICE_FILETYPE_PNG);
    assert_int_equal(invoice_filetype_from_media("application/pdf", 14),
                     INVOICE_FILETYPE_UNKNOWN);
    assert_int_equal(invoice_filetype_from_media("application/pdf\0", 16),
                     INVOICE_FILETYPE_UNKNOWN);
    assert_int_equal(invoice_filetype_from_media(NULL, 0),
                     INVOICE_FILETYPE_UNKNOWN);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(invoice_filetype_media(INVOICE_FILETYPE_PDF),
                        "application/pdf");
    assert_string_equal(invoice_filetype_media(INVOICE_FILETYPE_PNG),
                        "image/png");
    assert_null(invoice_filetype_media(INVOICE_FILETYPE_UNKNOWN));
    assert_null(invoice_filetype_media((invoice_filetype_t)99));
    assert_string_equal(invoice_filetype_ext(INVOICE_FILETYPE_PDF), "pdf");
    assert_string_equal(invoice_filetype_ext(INVOICE_FILETYPE_PNG), "png");
    assert_null(invoice_filetype_ext(INVOICE_FILETYPE_UNKNOWN));
    assert_null(invoice_filetype_ext((invoice_filetype_t)99));
}

static void test_media_round_trip(void **state)
{
    invoice_filetype_t t;

    (void)state;
    for (t = INVOICE_FILETYPE_PDF; t <= INVOICE_FILETYPE_PNG; t++) {
        const char *m = invoice_filetype_media(t);

        assert_int_equal(invoice_filetype_from_media(m, strlen(m)), t);
    }
}

typedef struct {
    invoice_filetype_t type;
    const char *bytes;
    size_t len;
    int match;
} magic_case;

static void test_matches(void **state)
{
    static const magic_case cases[] = {
        { INVOICE_FILETYPE_PDF, "%PDF-1.7\n%\xe2\xe3", 12, 1 },
        { INVOICE_FILETYPE_PDF, "%PDF-", 5, 1 },
        { INVOICE_FILETYPE_PDF, "%PDF", 4, 0 },
        { INVOICE_FILETYPE_PDF, "%PDF-1.7", 3, 0 },     /* len counts */
        { INVOICE_FILETYPE_PDF, "%pdf-1.7", 8, 0 },
        { INVOICE_FILETYPE_PDF, " %PDF-1.7", 9, 0 },
        { INVOICE_FILETYPE_PDF, "\xef\xbb\xbf%PDF-1.7", 11, 0 },
        { INVOICE_FILETYPE_PDF, "\x89PNG\r\n\x1a\n", 8, 0 },
        { INVOICE_FILETYPE_PDF, "", 0, 0 },
        { INVOICE_FILETYPE_PNG, "\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, 1 },
        { INVOICE_FILETYPE_PNG, "\x89PNG\r\n\x1a\n", 8, 1 },
        { INVOICE_FILETYPE_PNG, "\x89PNG\r\n\x1a", 7, 0 },
        { INVOICE_FILETYPE_PNG, "\x89PNG\n\x1a\n\0", 8, 0 },
        { INVOICE_FILETYPE_PNG, "PNG\r\n\x1a\n\0", 8, 0 },
        { INVOICE_FILETYPE_PNG, "%PDF-1.7", 8, 0 },
        { INVOICE_FILETYPE_UNKNOWN, "%PDF-1.7", 8, 0 },
        { INVOICE_FILETYPE_UNKNOWN, "", 0, 0 },
        { (invoice_filetype_t)99, "%PDF-1.7", 8, 0 },
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int m = invoice_filetype_matches(
            cases[i].type, (const unsigned char *)cases[i].bytes,
            cases[i].len);

        if (m != cases[i].match) {
            fail_msg("case %zu: got %d", i, m);
        }
    }
    assert_false(invoice_filetype_matches(INVOICE_FILETYPE_PDF, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_media),
        cmocka_unit_test(test_from_media_respects_len),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_media_round_trip),
        cmocka_unit_test(test_matches),
    };

    return cmocka_run_group_tests_name("filetype", tests, NULL, NULL);
}
