/* Query strings (application/x-www-form-urlencoded pairs in r->args):
 * percent-decoding, and the value of one parameter.  Pure code. */
#ifndef MOD_INVOICE_CORE_HTTP_QUERY_H
#define MOD_INVOICE_CORE_HTTP_QUERY_H

#include <stddef.h>

typedef enum {
    INVOICE_QUERY_DECODED = 0,
    INVOICE_QUERY_BAD_ESCAPE,   /* '%' not followed by two hex digits */
    INVOICE_QUERY_TOO_LONG,     /* the decoded text exceeds the buffer */
} invoice_query_decode_t;

/** Form-decode s[0..len) into out[0..cap): %XX escapes, '+' is a space.
 *  *outlen receives the decoded length on success. */
invoice_query_decode_t invoice_query_decode(const char *s, size_t len,
                                            char *out, size_t cap,
                                            size_t *outlen);

/**
 * Call fn for each name=value pair of args (raw r->args, NULL or ""
 * meaning none), pairs separated by '&'; a pair without '=' has an empty
 * value.  Nothing is decoded.  Stops when fn returns 0.
 * @return 1 when every call returned 1, else 0
 */
int invoice_query_each(const char *args,
                       int (*fn)(void *ctx, const char *name, size_t nlen,
                                 const char *value, size_t vlen),
                       void *ctx);

/**
 * The percent-decoded value of parameter `name` in args (raw r->args).
 * @param out  receives the value (not NUL-terminated), at most cap bytes
 * @return 1 found (value in out[0..*len)), 0 absent, -1 given twice, a bad
 *         escape, or longer than cap
 */
int invoice_query_value(const char *args, const char *name, char *out,
                        size_t cap, size_t *len);

#endif
