/* Unit tests for Range parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/http/byte_range.h"

typedef struct {
    const char *header;
    apr_off_t size;
    invoice_range_t kind;
    apr_off_t start, len;       /* for PARTIAL */
} range_case;

#define FULL INVOICE_RANGE_FULL, 0, 0
#define NONE INVOICE_RANGE_UNSATISFIABLE, 0, 0
#define PART INVOICE_RANGE_PARTIAL

static void table(void **state)
{
    static const range_case cases[] = {
        { NULL, 100, FULL },
        { "bytes=0-99", 100, PART, 0, 100 },
        { "bytes=0-0", 100, PART, 0, 1 },
        { "bytes=10-19", 100, PART, 10, 10 },
        { "bytes=50-500", 100, PART, 50, 50 },   /* clipped to the end */
        { "bytes=99-", 100, PART, 99, 1 },
        { "bytes=-500", 100, PART, 0, 100 },     /* suffix longer than the file */
        { "bytes=-10", 100, PART, 90, 10 },
        { "BYTES=5-", 100, PART, 5, 95 },
        { "bytes= 5-6 ,", 100, PART, 5, 2 },
        { "bytes=200-300, 0-0", 100, PART, 0, 1 },  /* one overlaps */
        { "bytes=100-", 100, NONE },
        { "bytes=100-200", 100, NONE },
        { "bytes=-0", 100, NONE },
        { "bytes=-1", 0, NONE },                 /* nothing to give of an empty file */
        { "bytes=200-300, 400-", 100, NONE },
        /* Several ranges: the whole file. */
        { "bytes=0-1,5-6", 100, FULL },
        /* Malformed: ignored, the whole file is sent. */
        { "bytes=", 100, FULL },
        { "bytes=,", 100, FULL },
        { "bytes=5-1", 100, FULL },
        { "bytes=a-", 100, FULL },
        { "bytes=200", 100, FULL },
        { "bytes=200-x", 100, FULL },
        { "items=200-", 100, FULL },
        { "bytes=99999999999999999999999-", 100, FULL },
        { "bytes=--5", 100, FULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        apr_off_t start = -1, len = -1;
        invoice_range_t kind = invoice_range_parse(cases[i].header, cases[i].size,
                                                   &start, &len);
        if (kind != cases[i].kind || (kind == INVOICE_RANGE_PARTIAL
            && (start != cases[i].start || len != cases[i].len))) {
            fail_msg("case %zu: \"%s\" size %d: kind %d start %d len %d", i,
                     cases[i].header ? cases[i].header : "(null)",
                     (int)cases[i].size, (int)kind, (int)start, (int)len);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(table) };
    return cmocka_run_group_tests_name("byte_range", tests, NULL, NULL);
}
