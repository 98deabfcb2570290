/* Calendar dates written by clients as YYYY-MM-DD (an invoice's due
 * date).  Pure code. */
#ifndef MOD_INVOICE_CORE_UTIL_DATE_H
#define MOD_INVOICE_CORE_UTIL_DATE_H

#include <stddef.h>

/* The years accepted.  Below 1900 is a placeholder rather than a date
 * (0001-01-01 is the zero value of .NET's and Go's time types, 0000-00-00
 * MySQL's); 9999 is the last year of four digits. */
#define INVOICE_DATE_MIN_YEAR 1900
#define INVOICE_DATE_MAX_YEAR 9999
#define INVOICE_DATE_LEN 10             /* "YYYY-MM-DD" */

typedef struct {
    int year, month, day;
} invoice_date_t;

typedef enum {
    INVOICE_DATE_OK = 0,
    INVOICE_DATE_MALFORMED,     /* not YYYY-MM-DD, or no such day */
    INVOICE_DATE_OUT_OF_RANGE,  /* a real day outside the years above */
} invoice_date_status_t;

/**
 * s[0..len) as exactly YYYY-MM-DD: ASCII digits, '-' separators, nothing
 * before or after, a day that exists in the proleptic Gregorian calendar
 * (2024-02-29 does, 2023-02-29 and 2024-04-31 do not).  *out is set on
 * INVOICE_DATE_OK only.
 */
invoice_date_status_t invoice_date_parse(const char *s, size_t len,
                                         invoice_date_t *out);

#endif
