/* Byte ranges (RFC 9110 14.1.2) of a file download.  One range is served
 * as 206; several ranges are answered with the whole file (200), which
 * RFC 9110 allows; a range set none of which overlaps the file is 416.
 * Pure code. */
#ifndef MOD_INVOICE_CORE_HTTP_BYTE_RANGE_H
#define MOD_INVOICE_CORE_HTTP_BYTE_RANGE_H

#include <apr.h>

typedef enum {
    INVOICE_RANGE_FULL,             /* no Range, malformed, or several ranges */
    INVOICE_RANGE_PARTIAL,          /* exactly one range: start, len set */
    INVOICE_RANGE_UNSATISFIABLE,    /* well-formed, nothing overlaps [0, size) */
} invoice_range_t;

/**
 * @param header  the Range header value, or NULL
 * @param size    the file's length
 * @param start   first byte of a PARTIAL answer
 * @param len     its length (clipped to the file)
 */
invoice_range_t invoice_range_parse(const char *header, apr_off_t size,
                                    apr_off_t *start, apr_off_t *len);

#endif
