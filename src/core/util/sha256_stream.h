/* A SHA-256 computed piece by piece, as bytes pass (an upload), by
 * libcrypto; the context lives in an APR pool.  Pure code. */
#ifndef MOD_INVOICE_CORE_UTIL_SHA256_STREAM_H
#define MOD_INVOICE_CORE_UTIL_SHA256_STREAM_H

#include <apr_pools.h>

#include "core/util/sha256.h"

typedef struct invoice_sha256_stream_t invoice_sha256_stream_t;

/** A new stream, released with p. */
invoice_sha256_stream_t *invoice_sha256_begin(apr_pool_t *p);

void invoice_sha256_update(invoice_sha256_stream_t *s, const void *data,
                           size_t len);

/** digest <- the SHA-256 of everything given; the stream is done. */
void invoice_sha256_end(invoice_sha256_stream_t *s,
                        unsigned char digest[INVOICE_SHA256_LEN]);

#endif
