/* Decimal numbers.  See decimal.h. */
#include "core/util/decimal.h"

size_t invoice_decimal_scan(const char *s, size_t len, uint64_t cap,
                            uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        /* Saturate rather than overflow: the caller range-checks. */
        v = (d > cap || v > (cap - d) / 10) ? cap : v * 10 + d;
    }
    *out = v;
    return i;
}

int invoice_parse_positive_id(const char *s, size_t len, int *id)
{
    uint64_t v;

    /* The first digit must be 1-9: this refuses "", "0", "05", "+5", "-1". */
    if (s == NULL || len == 0 || s[0] < '1' || s[0] > '9'
        || invoice_decimal_scan(s, len, (uint64_t)INVOICE_ID_MAX + 1, &v) != len
        || v > INVOICE_ID_MAX) {
        return 0;
    }
    *id = (int)v;
    return 1;
}
