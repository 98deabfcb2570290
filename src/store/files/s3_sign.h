/* Presigned GET URLs (AWS Signature Version 4, query-string auth, with
 * libcrypto's HMAC-SHA256): the one signature the module computes itself.
 * Requests it sends are signed by libcurl (CURLOPT_AWS_SIGV4). */
#ifndef MOD_INVOICE_STORE_FILES_S3_SIGN_H
#define MOD_INVOICE_STORE_FILES_S3_SIGN_H

#include <apr_pools.h>
#include <apr_time.h>

#include "store/files/s3_creds.h"
#include "store/files/s3_endpoint.h"

typedef struct {
    const invoice_s3_endpoint_t *endpoint;
    const char *path;               /* encoded, as invoice_s3_object_path */
    const char *region;
    const invoice_s3_creds_t *creds;
    apr_time_t now;                 /* signed at */
    int seconds;                    /* valid for: 1 to 604800 (7 days) */
} invoice_s3_presign_t;

/** The URL that GETs in->path until now + seconds, signed for the Host
 *  header in->endpoint->authority (what libcurl and browsers send); NULL
 *  when seconds is out of range. */
const char *invoice_s3_presign_get(apr_pool_t *p,
                                   const invoice_s3_presign_t *in);

#endif
