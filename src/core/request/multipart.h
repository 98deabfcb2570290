/* A streaming multipart/form-data parser (RFC 7578 over RFC 2046).
 * Bytes are fed in pieces of any size, as they come off the input brigade:
 * no assumption is made that a boundary or a header arrives in one piece.
 * Part bodies are handed to callbacks as they are found, so the caller
 * decides what to keep (a file's bytes once, small fields capped).
 * Pure code. */
#ifndef MOD_INVOICE_CORE_REQUEST_MULTIPART_H
#define MOD_INVOICE_CORE_REQUEST_MULTIPART_H

#include <stddef.h>
#include <apr_pools.h>

#define INVOICE_MP_MAX_BOUNDARY 70      /* RFC 2046 */
#define INVOICE_MP_MAX_HEADER_BYTES 8192 /* all header lines of one part */
#define INVOICE_MP_MAX_PARTS 16

typedef struct {
    const char *name;           /* Content-Disposition name, never NULL */
    const char *filename;       /* Content-Disposition filename, or NULL */
    const char *content_type;   /* Content-Type of the part, or NULL */
} invoice_mp_part_t;

/* Each callback returns NULL to go on, or an error detail that stops the
 * parse and is returned by feed/finish. */
typedef struct {
    const char *(*part_begin)(void *ctx, const invoice_mp_part_t *part);
    const char *(*part_data)(void *ctx, const char *data, size_t len);
    const char *(*part_end)(void *ctx);
} invoice_mp_handler_t;

typedef struct invoice_multipart_t invoice_multipart_t;

/**
 * Extract the boundary of a "multipart/form-data; boundary=..." media type
 * (quoted or not; 1..70 characters of RFC 2046 bchars).
 * @return the boundary allocated from p, or NULL when content_type is not
 *         multipart/form-data with a valid boundary
 */
const char *invoice_multipart_boundary(apr_pool_t *p, const char *content_type);

/** A parser for one body with the given boundary. */
invoice_multipart_t *invoice_multipart_make(apr_pool_t *p, const char *boundary,
                                            const invoice_mp_handler_t *handler,
                                            void *ctx);

/** Feed the next len bytes.  @return NULL, or an error detail (sticky). */
const char *invoice_multipart_feed(invoice_multipart_t *mp, const char *data,
                                   size_t len);

/** The body ended: @return NULL if the closing boundary was seen, else an
 *  error detail. */
const char *invoice_multipart_finish(invoice_multipart_t *mp);

#endif
