/* The "Authorization: sender N" / "consumer N" header.  Pure code. */
#include "core/http/authorization.h"

#include <string.h>

#include "core/util/decimal.h"

int invoice_auth_parse(const char *value, invoice_role_t role, int *id)
{
    const char *name = invoice_role_name(role);
    size_t n;

    if (value == NULL || name == NULL) {
        return 0;
    }
    n = strlen(name);
    if (strncmp(value, name, n) != 0 || value[n] != ' ') {
        return 0;
    }
    value += n + 1;
    return invoice_parse_positive_id(value, strlen(value), id);
}
