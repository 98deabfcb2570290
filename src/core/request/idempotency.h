/* The Idempotency-Key request header (IETF httpapi draft, Stripe's
 * semantics) and the fingerprint of the request a key was used with.
 * Pure code. */
#ifndef MOD_INVOICE_CORE_REQUEST_IDEMPOTENCY_H
#define MOD_INVOICE_CORE_REQUEST_IDEMPOTENCY_H

#include <stddef.h>

#include "core/util/sha256.h"

#define INVOICE_IDEM_KEY_MAX 255

/** A valid key: 1 to 255 visible ASCII characters (0x21-0x7E). */
int invoice_idem_key_valid(const char *key);

/**
 * The fingerprint of a request: SHA-256 over the route's label and the
 * parts that make the request what it is (path parameters, the body's or
 * the file's hash, form fields), each ended by a newline, so that no two
 * different part lists give the same input.
 * @param parts  nparts strings (NUL-terminated, no newline inside)
 */
void invoice_idem_fingerprint(const char *route, const char *const *parts,
                              size_t nparts,
                              unsigned char out[INVOICE_SHA256_LEN]);

#endif
