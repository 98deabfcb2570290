/* Integration tests of mod_invoice: run through test/integration/run.sh,
 * which starts PostgreSQL and Apache and sets the INVOICE_* variables.
 * INVOICE_TEST_FILTER (a cmocka pattern such as "*pay*") runs a subset. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GROUP(g) { it_tests_##g, &it_tests_##g##_n }

int main(void)
{
    if (!it_env_load())
        return 2;
    http_init(it_env.base_url);

    const struct {
        const struct CMUnitTest *tests;
        const size_t *n;
    } groups[] = {
        GROUP(auth), GROUP(create), GROUP(validation), GROUP(list),
        GROUP(consumer), GROUP(errors), GROUP(protocol),
        GROUP(upload), GROUP(download), GROUP(hostile), GROUP(hostile_http),
        GROUP(authz),
        GROUP(idempotency),
        GROUP(terms), GROUP(lifecycle), GROUP(events),
        GROUP(db),   /* last: stops and restarts PostgreSQL */
    };
    size_t total = 0;
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++)
        total += *groups[g].n;
    struct CMUnitTest *all = calloc(total, sizeof *all);
    if (!all)
        return 2;
    size_t k = 0;
    for (size_t g = 0; g < sizeof groups / sizeof *groups; g++)
        for (size_t i = 0; i < *groups[g].n; i++)
            all[k++] = groups[g].tests[i];

    const char *filter = getenv("INVOICE_TEST_FILTER");
    if (filter && *filter)
        cmocka_set_test_filter(filter);

    /* its 20 s wait overlaps the other tests (t_hostile_short_body
     * collects it; it starts it itself when filtered out here) */
    if (!filter || !*filter)
        it_short_body_start();

    int failed = _cmocka_run_group_tests("mod_invoice_integration", all, total,
                                         NULL, NULL);
    free(all);
    http_cleanup();
    return failed ? 1 : 0;
}
