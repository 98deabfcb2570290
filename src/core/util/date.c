/* YYYY-MM-DD dates.  See date.h. */
#include "core/util/date.h"

#include <stdint.h>

#include "core/util/decimal.h"

static int is_leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31 };

    return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

/* Exactly n digits at s, as a number (or -1). */
static int fixed_digits(const char *s, size_t n)
{
    uint64_t v;

    return invoice_decimal_scan(s, n, 10000, &v) == n ? (int)v : -1;
}

invoice_date_status_t invoice_date_parse(const char *s, size_t len,
                                         invoice_date_t *out)
{
    int y, m, d;

    if (s == NULL || len != INVOICE_DATE_LEN || s[4] != '-' || s[7] != '-') {
        return INVOICE_DATE_MALFORMED;
    }
    y = fixed_digits(s, 4);
    m = fixed_digits(s + 5, 2);
    d = fixed_digits(s + 8, 2);
    if (y < 0 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m)) {
        return INVOICE_DATE_MALFORMED;
    }
    if (y < INVOICE_DATE_MIN_YEAR || y > INVOICE_DATE_MAX_YEAR) {
        return INVOICE_DATE_OUT_OF_RANGE;
    }
    out->year = y;
    out->month = m;
    out->day = d;
    return INVOICE_DATE_OK;
}
