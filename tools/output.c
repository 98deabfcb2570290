/* Output and small parsers of mod-invoice-files.  See tool.h. */
#include "tool.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util/uuid.h"

void tool_say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);     /* an interrupted run has said all it did */
}

void tool_warn(const char *fmt, ...)
{
    va_list ap;

    fputs(TOOL_NAME ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int tool_parse_duration(const char *text, apr_interval_time_t *out)
{
    static const struct { const char *unit; apr_int64_t usec; } units[] = {
        { "", 1000000 }, { "s", 1000000 }, { "ms", 1000 },
        { "m", 60 * APR_INT64_C(1000000) }, { "h", 3600 * APR_INT64_C(1000000) },
        { "d", 86400 * APR_INT64_C(1000000) },
    };
    char *end;
    long long n;

    if (!isdigit((unsigned char)text[0])) {
        return 0;
    }
    errno = 0;
    n = strtoll(text, &end, 10);
    for (size_t i = 0; errno == 0 && i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcmp(end, units[i].unit) == 0 && n <= INT64_MAX / units[i].usec) {
            *out = (apr_interval_time_t)(n * units[i].usec);
            return 1;
        }
    }
    return 0;
}

int tool_is_invoice_id(const char *key)
{
    char canonical[INVOICE_UUID_LEN + 1];
    size_t len = strlen(key);

    /* The module names files by the lowercase text of their id: any other
     * spelling is no file of an invoice. */
    return invoice_uuid_parse(key, len, canonical)
        && strcmp(canonical, key) == 0;
}
