/* Unit tests for Range satisfiability. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "byte_range.h"

typedef struct {
    const char *header;
    apr_off_t size;
    int unsatisfiable;
} range_case;

static void table(void **state)
{
    static const range_case cases[] = {
        { NULL, 100, 0 },
        { "bytes=0-99", 100, 0 },
        { "bytes=100-", 100, 1 },
        { "bytes=100-200", 100, 1 },
        { "bytes=99-", 100, 0 },
        { "bytes=-500", 100, 0 },      /* suffix longer than the file: all of it */
        { "bytes=-0", 100, 1 },
        { "bytes=-1", 0, 1 },          /* nothing to give of an empty file */
        { "bytes=200-300, 400-", 100, 1 },
        { "bytes=200-300, 0-0", 100, 0 },
        { "bytes= 200-300 ,", 100, 1 },
        { "BYTES=200-", 100, 1 },
        /* Malformed: ignored (the whole file is sent), so never 416. */
        { "bytes=", 100, 0 },
        { "bytes=,", 100, 0 },
        { "bytes=5-1", 100, 0 },
        { "bytes=a-", 100, 0 },
        { "bytes=200", 100, 0 },
        { "bytes=200-x", 100, 0 },
        { "items=200-", 100, 0 },
        { "bytes=99999999999999999999999-", 100, 0 },
        { "bytes=--5", 100, 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (invoice_range_unsatisfiable(cases[i].header, cases[i].size)
            != cases[i].unsatisfiable) {
            fail_msg("case %zu: \"%s\" size %d", i,
                     cases[i].header ? cases[i].header : "(null)",
                     (int)cases[i].size);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = { cmocka_unit_test(table) };
    return cmocka_run_group_tests_name("byte_range", tests, NULL, NULL);
}
