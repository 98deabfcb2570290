/* Parsing of the "Authorization: sender N" / "consumer N" header, and of
 * positive decimal ids in general.  Pure code. */
#include "auth.h"

#include <limits.h>
#include <string.h>

static const char *role_name(invoice_role_t role)
{
    switch (role) {
    case INVOICE_ROLE_SENDER:
        return "sender";
    case INVOICE_ROLE_CONSUMER:
        return "consumer";
    }
    return NULL;
}

int invoice_parse_positive_id(const char *s, size_t len, int *id)
{
    int v = 0;
    size_t i;

    /* The first digit must be 1-9: this refuses "", "0", "05", "+5", "-1". */
    if (s == NULL || len == 0 || s[0] < '1' || s[0] > '9') {
        return 0;
    }
    for (i = 0; i < len; i++) {
        int d;

        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        d = s[i] - '0';
        if (v > (INT_MAX - d) / 10) {
            return 0;
        }
        v = v * 10 + d;
    }
    *id = v;
    return 1;
}

int invoice_auth_parse(const char *value, invoice_role_t role, int *id)
{
    const char *name = role_name(role);
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
