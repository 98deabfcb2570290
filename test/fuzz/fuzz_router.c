/* libFuzzer target: method + path routing.  The input is the method, then
 * the path after the first NUL or newline.  Checks the documented
 * invariants of every outcome. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/routes.h"
#include "fuzz_check.h"

static int is_lower_uuid(const char *s)
{
    if (strlen(s) != INVOICE_UUID_LEN) {
        return 0;
    }
    for (size_t i = 0; i < INVOICE_UUID_LEN; i++) {
        int hyphen = i == 8 || i == 13 || i == 18 || i == 23;

        if (hyphen ? s[i] != '-'
                   : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

/* Whether method is one of the comma-separated methods of allow. */
static int in_allow(const char *allow, const char *method)
{
    size_t n = strlen(method);

    while (*allow) {
        size_t len = strcspn(allow, ",");

        if (len == n && n > 0 && memcmp(allow, method, n) == 0) {
            return 1;
        }
        allow += len;
        allow += strspn(allow, ", ");
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1), *method, *path, *cut;
    invoice_route_t r;
    invoice_route_status_t st;

    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data, size);
    buf[size] = '\0';
    method = buf;
    cut = memchr(buf, '\0', size);
    if (cut == NULL) {
        cut = memchr(buf, '\n', size);
    }
    else {
        char *nl = memchr(buf, '\n', (size_t)(cut - buf));
        cut = nl ? nl : cut;
    }
    path = cut ? cut + 1 : buf + size;
    if (cut) {
        *cut = '\0';
    }
    memset(&r, 0xa5, sizeof(r));        /* out must be fully initialised */
    st = invoice_route_match(method, path, &r);
    FUZZ_CHECK(r.id[INVOICE_UUID_LEN] == '\0' || r.id[0] == '\0');
    FUZZ_CHECK(r.id[0] == '\0' || is_lower_uuid(r.id));
    switch (st) {
    case INVOICE_ROUTE_OK:
        FUZZ_CHECK(r.action != INVOICE_ACTION_NONE);
        FUZZ_CHECK(r.role == INVOICE_ROLE_SENDER || r.role == INVOICE_ROLE_CONSUMER);
        FUZZ_CHECK(r.def != NULL && r.def->action == r.action && r.template != NULL);
        FUZZ_CHECK(in_allow(r.allow, method));
        FUZZ_CHECK((r.sender_id > 0) == (r.action == INVOICE_ACTION_CONSUMER_LIST_BY_SENDER));
        FUZZ_CHECK(r.sender_id >= 0);
        FUZZ_CHECK((r.id[0] != '\0') == (strstr(r.template, "{id}") != NULL));
        FUZZ_CHECK(!strcmp(method, "GET") || !strcmp(method, "HEAD") || !strcmp(method, "POST"));
        FUZZ_CHECK(path[0] == '/');
        break;
    case INVOICE_ROUTE_METHOD_NOT_ALLOWED:
        FUZZ_CHECK(r.action == INVOICE_ACTION_NONE && r.def == NULL);
        FUZZ_CHECK(r.allow[0] != '\0' && r.template != NULL);
        FUZZ_CHECK(r.role == INVOICE_ROLE_SENDER || r.role == INVOICE_ROLE_CONSUMER);
        FUZZ_CHECK(!in_allow(r.allow, method));
        break;
    case INVOICE_ROUTE_NOT_FOUND:
        FUZZ_CHECK(r.action == INVOICE_ACTION_NONE && r.role == 0);
        FUZZ_CHECK(r.allow[0] == '\0' && r.template == NULL && r.def == NULL);
        FUZZ_CHECK(r.id[0] == '\0' && r.sender_id == 0);
        break;
    default:
        FUZZ_CHECK(!"unknown route status");
    }
    free(buf);
    return 0;
}
