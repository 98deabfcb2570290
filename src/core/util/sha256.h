/* SHA-256 (FIPS 180-4), by libcrypto.  The digest is the invoice file's ETag
 * and stored integrity check, computed here so the database does not; it
 * also fingerprints requests under an Idempotency-Key. */
#ifndef MOD_INVOICE_CORE_UTIL_SHA256_H
#define MOD_INVOICE_CORE_UTIL_SHA256_H

#include <stddef.h>

#define INVOICE_SHA256_LEN 32

typedef struct {
    const void *data;
    size_t len;
} invoice_bytes_t;

/** digest <- SHA-256 of data[0..len). */
void invoice_sha256(const unsigned char *data, size_t len,
                    unsigned char digest[INVOICE_SHA256_LEN]);

/** digest <- SHA-256 of the n pieces, one after the other. */
void invoice_sha256_pieces(const invoice_bytes_t *pieces, size_t n,
                           unsigned char digest[INVOICE_SHA256_LEN]);

#endif
