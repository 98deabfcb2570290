/* The state of an s3: file store (store/files/s3.c), for s3.c and its
 * tests (test/s3/): the rest of the module knows only invoice_files_s3. */
#ifndef MOD_INVOICE_STORE_FILES_S3_STORE_H
#define MOD_INVOICE_STORE_FILES_S3_STORE_H

#include <apr_pools.h>
#include <apr_time.h>

#include "store/files/s3_client.h"
#include "store/files/s3_endpoint.h"

typedef struct {
    invoice_s3_endpoint_t endpoint;
    invoice_s3_client_t client;
    int list_page_size;             /* max-keys of a listing page: 1000,
                                     * the most S3 gives */
    const char *spool_dir;          /* per process (child_init): where
                                     * uploads are spooled, or NULL */
} invoice_s3_store_t;

/** invoice_files_s3.presign, signed at `now`. */
const char *invoice_s3_presign_at(void *state, apr_pool_t *p,
                                  const char *key, int seconds,
                                  apr_time_t now);

#endif
