/* libFuzzer target: the Authorization header and party identities.
 * Cross-checks: a header value (the input up to its first NUL, as httpd
 * would hand it over) is accepted only when it is exactly "<role> " + the
 * decimal of the id; a party value (REMOTE_USER, an expression's value)
 * only when it is exactly "N" or "<role>:N" for the route's role; an
 * Idempotency-Key only when it is 1-255 visible ASCII characters. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/http/authorization.h"
#include "core/request/idempotency.h"
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
    for (size_t i = 0; i < 2; i++) {
        invoice_caller_t who = { INVOICE_ROLE_NONE, -7 };
        char qualified[48];

        if (invoice_party_parse(value, roles[i].role, &who) == INVOICE_PARTY_OK) {
            FUZZ_CHECK(who.id > 0 && who.role == roles[i].role);
            snprintf(canon, sizeof(canon), "%d", who.id);
            snprintf(qualified, sizeof(qualified), "%s:%d",
                     invoice_role_name(roles[i].role), who.id);
            FUZZ_CHECK(strcmp(canon, value) == 0 || strcmp(qualified, value) == 0);
        }
        else {
            FUZZ_CHECK(who.id == -7);
        }
    }
    /* Idempotency-Key: 1..255 bytes of 0x21-0x7E, nothing else. */
    {
        size_t n = strlen(value), visible = 0;
        while (visible < n && value[visible] >= 0x21 && value[visible] <= 0x7e)
            visible++;
        FUZZ_CHECK(invoice_idem_key_valid(value) == (n >= 1 && n <= 255 && visible == n));
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
