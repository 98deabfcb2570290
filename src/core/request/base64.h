/* Strict base64 (RFC 4648 section 4, standard alphabet, padded).
 * apr_base64_decode accepts anything and silently truncates; this one
 * refuses every input that is not canonical base64.  Pure code. */
#ifndef MOD_INVOICE_CORE_REQUEST_BASE64_H
#define MOD_INVOICE_CORE_REQUEST_BASE64_H

#include <stddef.h>
#include <apr_pools.h>

typedef enum {
    INVOICE_B64_OK = 0,
    INVOICE_B64_EMPTY,          /* zero-length input */
    INVOICE_B64_BAD_LENGTH,     /* length not a multiple of 4 */
    INVOICE_B64_BAD_CHAR,       /* byte outside A-Z a-z 0-9 + / (and '=' only as padding) */
    INVOICE_B64_BAD_PADDING,    /* '=' anywhere but the last one or two places,
                                   or non-zero bits in the last symbol before padding */
} invoice_b64_status_t;

/** Upper bound of the decoded size of len input bytes. */
size_t invoice_base64_decoded_max(size_t len);

/**
 * Decode in[0..len) strictly into out, which must hold at least
 * invoice_base64_decoded_max(len) bytes.  No whitespace or line breaks are
 * accepted.  Non-canonical trailing bits ("SGVsbG9=" for "Hello") are
 * refused as INVOICE_B64_BAD_PADDING.
 *
 * @param outlen set to the number of decoded bytes on success (untouched
 *               otherwise)
 * @return INVOICE_B64_OK or the first problem found
 */
invoice_b64_status_t invoice_base64_decode(const char *in, size_t len,
                                           unsigned char *out, size_t *outlen);

/** Convenience: allocate the output from pool p, then decode.  *out is
 *  NULL on failure; nothing is allocated when len is 0 or not a multiple
 *  of 4. */
invoice_b64_status_t invoice_base64_decode_pool(apr_pool_t *p, const char *in,
                                                size_t len, unsigned char **out,
                                                size_t *outlen);

/** A short English reason for a status ("is not valid base64: ..."), to
 *  follow a field name; INVOICE_B64_OK gives "is valid base64". */
const char *invoice_base64_reason(invoice_b64_status_t st);

#endif
