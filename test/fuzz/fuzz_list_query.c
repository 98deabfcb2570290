/* libFuzzer target: the list routes' query string. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http/query.h"
#include "core/request/list_query.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *args = malloc(size + 1), value[64];
    invoice_list_query_t q;
    const char *err = NULL;
    size_t len = (size_t)-1;
    int rc;

    FUZZ_CHECK(args != NULL);
    memcpy(args, data, size);
    args[size] = '\0';
    if (invoice_list_query_parse(args, &q, &err)) {
        FUZZ_CHECK(q.limit >= 1 && q.limit <= INVOICE_LIST_LIMIT_MAX);
        FUZZ_CHECK(strlen(q.starting_after) == 0
                   || strlen(q.starting_after) == INVOICE_UUID_LEN);
    }
    else {
        FUZZ_CHECK(err != NULL);
    }
    rc = invoice_query_value(args, "receiver_id", value, sizeof(value), &len);
    FUZZ_CHECK(rc >= -1 && rc <= 1);
    FUZZ_CHECK(rc != 1 || len <= sizeof(value));
    free(args);
    return 0;
}
