/* Decimal numbers.  See decimal.h. */
#include "core/util/decimal.h"

#include <string.h>

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

int invoice_parse_duration(const char *s, long *seconds)
{
    static const struct { const char *unit; long factor; } units[] = {
        { "", 1 }, { "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 },
    };
    uint64_t n;
    size_t digits = s ? invoice_decimal_scan(s, strlen(s), 1000000000, &n) : 0;

    if (digits == 0 || n >= 1000000000) {
        return 0;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(s + digits, units[i].unit) == 0) {
            *seconds = (long)n * units[i].factor;
            return 1;
        }
    }
    return 0;
}
