/* libFuzzer target: the Authorization header.  Cross-check: a value (the
 * input up to its first NUL, as httpd would hand it over) is accepted only
 * when it is exactly "<role> " + the decimal of the id. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http/authorization.h"
#include "core/util/decimal.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct { invoice_role_t role; const char *prefix; } roles[] = {
        { INVOICE_ROLE_SENDER, "sender " },
        { INVOICE_ROLE_CONSUMER, "consumer " },
    };
    char *value = malloc(size + 1), canon[32];
    int id;

    FUZZ_CHECK(value != NULL);
    memcpy(value, data, size);
    value[size] = '\0';
    for (size_t i = 0; i < 2; i++) {
        id = -7;
        if (invoice_auth_parse(value, roles[i].role, &id)) {
            FUZZ_CHECK(id > 0);
            snprintf(canon, sizeof(canon), "%s%d", roles[i].prefix, id);
            FUZZ_CHECK(strcmp(canon, value) == 0);
        }
        else {
            FUZZ_CHECK(id == -7);                       /* untouched */
        }
    }
    /* Path ids: the raw bytes, not NUL-terminated. */
    id = -7;
    if (invoice_parse_positive_id((const char *)data, size, &id)) {
        FUZZ_CHECK(id > 0);
        snprintf(canon, sizeof(canon), "%d", id);
        FUZZ_CHECK(strlen(canon) == size && memcmp(canon, data, size) == 0);
    }
    else {
        FUZZ_CHECK(id == -7);
    }
    free(value);
    return 0;
}
