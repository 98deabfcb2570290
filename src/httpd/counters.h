/* The metrics block all children share (core/metrics.h), created in
 * shared memory at startup, and the hooks that count into it.  Counting
 * is a no-op until the block exists (it is optional: a failure to create
 * it is logged and the API works without metrics). */
#ifndef MOD_INVOICE_HTTPD_COUNTERS_H
#define MOD_INVOICE_HTTPD_COUNTERS_H

#include <httpd.h>

#include "core/metrics.h"

/** Create (or find again after a graceful restart) the shared block. */
void invoice_counters_post_config(server_rec *s);

/** The block, or NULL when there is none. */
invoice_metrics_t *invoice_counters(void);

/** Add n to counter c. */
void invoice_count(invoice_counter_t c, apr_uint64_t n);

/** Observe the time taken to get a pooled database connection. */
void invoice_count_db_acquire(apr_int64_t duration_us);

/** A file-store operation of the backend with that scheme ("file", "s3")
 *  took duration_us. */
void invoice_count_store_op(const char *scheme, invoice_store_op_t op,
                            apr_int64_t duration_us, int failed);

/** log_transaction hook: the request's route, status and duration. */
int invoice_counters_log_transaction(request_rec *r);

#endif
