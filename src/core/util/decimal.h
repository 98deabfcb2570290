/* Decimal numbers written by clients: ids in paths and headers, limits,
 * byte positions.  The one digit scanner of the module.  Pure code. */
#ifndef MOD_INVOICE_CORE_UTIL_DECIMAL_H
#define MOD_INVOICE_CORE_UTIL_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

#define INVOICE_ID_MAX 2147483647

/**
 * Scan the ASCII digits at the start of s[0..len) (no sign, no space).
 * @param cap  the value is clamped to cap: a result equal to cap may stand
 *             for any larger number, so pass one more than the largest
 *             value the caller accepts
 * @param out  the value of the digits, at most cap (0 when there are none)
 * @return the number of digits scanned (0 when s does not start with one)
 */
size_t invoice_decimal_scan(const char *s, size_t len, uint64_t cap,
                            uint64_t *out);

/**
 * A positive id 1..2147483647 written as s[0..len): ASCII digits only, no
 * sign, no leading zero, nothing before or after (path segments, the
 * Authorization header, ?limit=).  *id is untouched on failure.
 * @return 1 on success, 0 otherwise
 */
int invoice_parse_positive_id(const char *s, size_t len, int *id);

/**
 * A duration in seconds: decimal digits and an optional unit, s (the
 * default), m, h or d ("24h", "90m", "3600").  *seconds is untouched on
 * failure.
 * @return 1 on success, 0 otherwise (no digits, another unit, overflow)
 */
int invoice_parse_duration(const char *s, long *seconds);

#endif
