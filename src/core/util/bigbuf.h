/* Buffers for whole files (up to the upload limit, 32 MiB by default).
 * Large ones are mapped from the kernel and unmapped when their pool goes,
 * so a child's memory returns to its idle size after a big upload instead
 * of staying in malloc's arenas.  Pure code (POSIX + APR). */
#ifndef MOD_INVOICE_CORE_UTIL_BIGBUF_H
#define MOD_INVOICE_CORE_UTIL_BIGBUF_H

#include <apr_pools.h>

/* From this size on, buffers are mapped rather than taken from the pool. */
#define INVOICE_BIGBUF_MAP_FROM (256 * 1024)

/** size bytes that live as long as p (NULL if the mapping fails). */
void *invoice_bigbuf_alloc(apr_pool_t *p, apr_size_t size);

/**
 * Grow buf (used bytes kept) to at least `need`, doubling: returns the new
 * buffer (NULL if mapping failed) and updates *cap.  The old buffer is
 * released with the pool: growth only happens for bodies of unknown length.
 */
void *invoice_bigbuf_grow(apr_pool_t *p, void *buf, apr_size_t used,
                          apr_size_t *cap, apr_size_t need);

#endif
