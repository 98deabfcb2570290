/* Prometheus metrics: a fixed block of 64-bit counters that lives in
 * shared memory (created by the glue at startup, so every child adds to
 * the same numbers and they survive graceful restarts), updated with
 * lock-free atomics, rendered in the text exposition format.
 * Pure code: no httpd, only APR atomics. */
#ifndef MOD_INVOICE_CORE_METRICS_H
#define MOD_INVOICE_CORE_METRICS_H

#include <apr.h>
#include <apr_pools.h>

#include "core/routes.h"

/* Requests are counted per action of core/routes.def (the API routes and
 * the operations endpoints); INVOICE_ACTION_NONE counts unmatched
 * requests: 404, 405 and httpd's own errors. */

#define INVOICE_METRIC_BUCKETS 12   /* latency buckets, +Inf last */

typedef enum {
    INVOICE_COUNT_CREATED, INVOICE_COUNT_PAID, INVOICE_COUNT_DOWNLOADED,
    INVOICE_COUNT_BYTES_UPLOADED, INVOICE_COUNT_BYTES_DOWNLOADED,
    INVOICE_COUNT_DB_ERRORS, INVOICE_COUNT_UNAVAILABLE,
    INVOICE_COUNT_IDEM_REPLAYED, INVOICE_COUNT_IDEM_MISMATCHED,
    INVOICE_COUNT_IDEM_IN_FLIGHT, INVOICE_COUNT_DB_TIMEOUTS,
    INVOICE_COUNT_BREAKER_REFUSED, INVOICE_COUNT_TRANSFERS_REFUSED,
    INVOICE_COUNT_DOWNLOADS_KEPT, INVOICE_COUNT_DOWNLOADS_MOVED,
    INVOICE_COUNT_N
} invoice_counter_t;

typedef struct {
    apr_uint64_t n[INVOICE_METRIC_BUCKETS];     /* per bucket, not cumulative */
    apr_uint64_t sum_us;
} invoice_histogram_t;

/* File-store operations, per backend (core/metrics.c names them). */
typedef enum { INVOICE_STORE_BACKEND_FILE, INVOICE_STORE_BACKEND_S3,
               INVOICE_STORE_BACKEND_N } invoice_store_backend_t;
typedef enum { INVOICE_STORE_OP_WRITE, INVOICE_STORE_OP_READ,
               INVOICE_STORE_OP_N } invoice_store_op_t;

typedef struct {
    apr_uint64_t requests[INVOICE_ACTION_COUNT][6]; /* [route][status/100] */
    invoice_histogram_t latency[INVOICE_ACTION_COUNT];
    apr_uint64_t counters[INVOICE_COUNT_N];
    apr_uint64_t rejected[600];                 /* 4xx by status: the reason */
    invoice_histogram_t db_acquire;
    invoice_histogram_t store_ops[INVOICE_STORE_BACKEND_N][INVOICE_STORE_OP_N];
    apr_uint64_t store_errors[INVOICE_STORE_BACKEND_N];
} invoice_metrics_t;

/** Count one finished request of an invoice_action_t; duration in
 *  microseconds. */
void invoice_metrics_request(invoice_metrics_t *m, int route, int status,
                             apr_int64_t duration_us);

void invoice_metrics_add(invoice_metrics_t *m, invoice_counter_t c,
                         apr_uint64_t n);

void invoice_metrics_db_acquire(invoice_metrics_t *m, apr_int64_t duration_us);

/** A file-store operation that took duration_us, failed or not. */
void invoice_metrics_store_op(invoice_metrics_t *m, invoice_store_backend_t b,
                              invoice_store_op_t op, apr_int64_t duration_us,
                              int failed);

/** The whole exposition text, allocated from p; version is the module's,
 *  shown as invoice_build_info{version="..."} 1. */
const char *invoice_metrics_render(apr_pool_t *p, invoice_metrics_t *m,
                                   const char *version);

/** Key figures, one "name value" line each (for mod_status). */
const char *invoice_metrics_summary(apr_pool_t *p, invoice_metrics_t *m);

#endif
