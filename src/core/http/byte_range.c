/* Range parsing.  See byte_range.h. */
#include "core/http/byte_range.h"

#include <string.h>
#include <strings.h>

#include "core/util/decimal.h"

/* Parse digits at *p (at least one) into *out; 0 on overflow or none. */
static int parse_pos(const char **p, apr_off_t *out)
{
    uint64_t v;
    size_t n = invoice_decimal_scan(*p, strlen(*p), (uint64_t)APR_INT64_MAX, &v);

    /* A value that reached the cap may have been larger: refused. */
    if (n == 0 || v >= (uint64_t)APR_INT64_MAX) {
        return 0;
    }
    *p += n;
    *out = (apr_off_t)v;
    return 1;
}

static const char *skip_ows(const char *p)
{
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    return p;
}

/* One range-spec at *p.  When it overlaps the file, *start and *len are
 * set and *satisfiable is 1.  Returns 0 when malformed. */
static int parse_spec(const char **p, apr_off_t size, int *satisfiable,
                      apr_off_t *start, apr_off_t *len)
{
    apr_off_t first, last = APR_INT64_MAX;

    if (**p == '-') {                       /* suffix: the last N bytes */
        (*p)++;
        if (!parse_pos(p, &last)) {
            return 0;
        }
        *satisfiable = last > 0 && size > 0;
        *start = last < size ? size - last : 0;
        *len = size - *start;
        return 1;
    }
    if (!parse_pos(p, &first) || **p != '-') {
        return 0;
    }
    (*p)++;
    if (**p >= '0' && **p <= '9') {
        if (!parse_pos(p, &last) || last < first) {
            return 0;
        }
    }
    *satisfiable = first < size;
    *start = first;
    *len = (last < size ? last + 1 : size) - first;
    return 1;
}

invoice_range_t invoice_range_parse(const char *header, apr_off_t size,
                                    apr_off_t *start, apr_off_t *len)
{
    const char *p;
    int satisfiable = 0, specs = 0;

    if (header == NULL || strncasecmp(header, "bytes=", 6) != 0) {
        return INVOICE_RANGE_FULL;
    }
    p = header + 6;
    for (;;) {
        int ok = 0;
        apr_off_t s = 0, n = 0;
        p = skip_ows(p);
        if (*p == ',') {            /* empty list elements are allowed */
            p++;
            continue;
        }
        if (*p == '\0') {
            break;
        }
        if (!parse_spec(&p, size, &ok, &s, &n)) {
            return INVOICE_RANGE_FULL;
        }
        specs++;
        if (ok && satisfiable++ == 0) {
            *start = s;
            *len = n;
        }
        p = skip_ows(p);
        if (*p != ',' && *p != '\0') {
            return INVOICE_RANGE_FULL;
        }
    }
    if (specs == 0 || satisfiable > 1) {
        return INVOICE_RANGE_FULL;
    }
    return satisfiable == 1 ? INVOICE_RANGE_PARTIAL : INVOICE_RANGE_UNSATISFIABLE;
}
