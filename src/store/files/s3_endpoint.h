/* Where the objects of an S3 store live, from the text after "s3:":
 *   http(s)://HOST[:PORT]/BUCKET[/PREFIX]   path style (any S3 service);
 *   http(s)://BUCKET.HOST                   virtual-host style (the bucket
 *                                           is in the host name: AWS).
 * And the request paths under it, encoded as SigV4 signs them: S3 signs
 * the path as sent, so a key is encoded once, here, and nowhere else.
 * Pure code: no network. */
#ifndef MOD_INVOICE_STORE_FILES_S3_ENDPOINT_H
#define MOD_INVOICE_STORE_FILES_S3_ENDPOINT_H

#include <apr_pools.h>

typedef struct {
    const char *scheme;         /* "http" or "https" */
    const char *authority;      /* the Host header as libcurl and browsers
                                 * send it: lowercase host, ":port" unless
                                 * it is the scheme's own */
    const char *origin;         /* scheme://authority */
    const char *bucket;         /* in vhost style, read from the host name
                                 * (for messages only) */
    const char *prefix;         /* "" or "a/b": no slash at either end */
    int virtual_host;           /* the bucket is in the host name */
} invoice_s3_endpoint_t;

/** Parse `where`; NULL, or an error an operator understands (which never
 *  repeats a where that holds user:password@). */
const char *invoice_s3_endpoint_parse(apr_pool_t *p, const char *where,
                                      invoice_s3_endpoint_t *out);

/** NULL when key can name an object, else why not: empty, too long, or
 *  with a "." or ".." segment (which URLs normalise away). */
const char *invoice_s3_key_problem(apr_pool_t *p,
                                   const invoice_s3_endpoint_t *ep,
                                   const char *key);

/** The object's name in the bucket: [PREFIX/]key. */
const char *invoice_s3_object_key(apr_pool_t *p,
                                  const invoice_s3_endpoint_t *ep,
                                  const char *key);

/** The object's request path, encoded: /BUCKET/OBJECT or /OBJECT. */
const char *invoice_s3_object_path(apr_pool_t *p,
                                   const invoice_s3_endpoint_t *ep,
                                   const char *key);

/** The bucket's request path: /BUCKET, or / in vhost style. */
const char *invoice_s3_bucket_path(apr_pool_t *p,
                                   const invoice_s3_endpoint_t *ep);

/** s with every byte but A-Z a-z 0-9 - . _ ~ (and '/' when keep_slash)
 *  written %XX, uppercase: the URI encoding of SigV4. */
char *invoice_s3_uri_encode(apr_pool_t *p, const char *s, int keep_slash);

#endif
