/* Signed requests to one S3 bucket over libcurl, and what S3 answers in
 * invoice_files_status_t terms.
 *
 * libcurl signs (CURLOPT_AWS_SIGV4); the caller gives paths and queries
 * already canonical (keys encoded once, query sorted), since libcurl
 * 7.88 signs them as given, and every request carries its payload hash
 * (x-amz-content-sha256), which libcurl 7.88 does not compute for an
 * upload.  Easy handles are kept per process and lent to one thread at a
 * time: their connections are reused, never shared between threads
 * (libcurl's shared connection cache is not safe across threads). */
#ifndef MOD_INVOICE_STORE_FILES_S3_CLIENT_H
#define MOD_INVOICE_STORE_FILES_S3_CLIENT_H

#include <apr_file_io.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_thread_mutex.h>

#include "store/files.h"
#include "store/files/s3_creds.h"
#include "store/files/s3_endpoint.h"

typedef struct {
    const invoice_s3_endpoint_t *endpoint;
    invoice_s3_creds_t creds;
    const char *region;
    const char *sigv4;              /* "aws:amz:REGION:s3" */
    long connect_ms;                /* connect within */
    long stall_seconds;             /* no byte moved for so long: give up */
    /* Per process, from invoice_s3_client_child_init. */
    apr_thread_mutex_t *lock;       /* NULL: not initialised */
    apr_array_header_t *idle;       /* CURL * between two requests */
} invoice_s3_client_t;

/** What a body callback tells the transfer. */
typedef enum {
    INVOICE_S3_BODY_MORE,           /* go on */
    INVOICE_S3_BODY_ENOUGH,         /* all that was wanted came: stop, OK */
    INVOICE_S3_BODY_REFUSED,        /* stop: ABORTED */
} invoice_s3_body_t;

/* Bytes of a 2xx body; offset is where data[0] is in the object (a 206
 * starts where its Content-Range says). */
typedef invoice_s3_body_t (*invoice_s3_body_fn)(void *ctx, apr_off_t offset,
                                                const char *data,
                                                apr_size_t len);

typedef struct {
    const char *method;             /* GET, HEAD, PUT, DELETE */
    const char *target;             /* path[?query], canonical */
    const char *key;                /* the object, for messages (NULL: the
                                     * bucket) */
    apr_file_t *upload;             /* PUT: sent from where it stands */
    apr_off_t upload_len;
    const char *upload_sha256;      /* PUT: hex digest of the upload */
    const char *range;              /* "first-last", or NULL */
    invoice_s3_body_fn on_body;     /* a 2xx body; NULL: kept in the answer */
    void *ctx;
} invoice_s3_request_t;

typedef struct {
    long http_status;               /* 0: none came */
    const char *body;               /* kept (see on_body), NUL-terminated */
    apr_size_t len;
} invoice_s3_answer_t;

/** Fill in what does not depend on the process: timeouts from `timeout`
 *  (0: 10 s).  NULL, or why libcurl cannot serve the endpoint. */
const char *invoice_s3_client_configure(apr_pool_t *p,
                                        invoice_s3_client_t *c,
                                        apr_interval_time_t timeout);

/** Per process, before the first request: libcurl initialised and the
 *  handles kept, all released with pchild. */
void invoice_s3_client_child_init(invoice_s3_client_t *c, apr_pool_t *pchild);

/** Send rq and map the answer: OK for 2xx (answer filled in), else the
 *  status and why (from p).  Thread-safe. */
invoice_files_status_t invoice_s3_send(invoice_s3_client_t *c, apr_pool_t *p,
                                       const invoice_s3_request_t *rq,
                                       invoice_s3_answer_t *answer,
                                       const char **why);

#endif
