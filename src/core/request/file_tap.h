/* An uploaded file's bytes as they pass, piece by piece: counted, hashed
 * (SHA-256), the first ones kept for the type check, and either collected
 * in one buffer (for the database) or handed on at once to a sink (a file
 * store's writer), so that a large upload never sits in memory.  Pure
 * code. */
#ifndef MOD_INVOICE_CORE_REQUEST_FILE_TAP_H
#define MOD_INVOICE_CORE_REQUEST_FILE_TAP_H

#include <apr_pools.h>

#include "core/request/create.h"

/* Receives the bytes; NULL, or why it could not take them (the tap then
 * stops passing bytes on). */
typedef const char *(*invoice_file_sink_fn)(void *ctx, const char *data,
                                            size_t len);

typedef struct invoice_file_tap_t invoice_file_tap_t;

/** A tap collecting into a buffer (sink NULL: size_hint, the expected
 *  size or 0, sizes it up front) or handing on to sink. */
invoice_file_tap_t *invoice_file_tap_make(apr_pool_t *p, size_t size_hint,
                                          invoice_file_sink_fn sink,
                                          void *ctx);

/** The next bytes: NULL, or why they were not taken (out of memory, the
 *  sink's reason); after a failure nothing more is taken. */
const char *invoice_file_tap_feed(invoice_file_tap_t *t, const char *data,
                                  size_t len);

/** How many bytes passed. */
size_t invoice_file_tap_size(const invoice_file_tap_t *t);

/** The file as a create sees it: content (NULL when handed on), length,
 *  first bytes, SHA-256 (out->hashed set). */
void invoice_file_tap_finish(invoice_file_tap_t *t, invoice_create_t *out);

#endif
