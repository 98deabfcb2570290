/* Metrics counters and their Prometheus rendering.  See metrics.h. */
#include "core/metrics.h"

#include <apr_atomic.h>
#include <apr_strings.h>
#include <apr_tables.h>

/* Upper bounds in seconds (and as labels); the last bucket is +Inf. */
static const double bucket_le[INVOICE_METRIC_BUCKETS - 1] = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
};
static const char *const bucket_label[INVOICE_METRIC_BUCKETS] = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
    "1", "2.5", "+Inf",
};

static const struct {
    const char *name;
    const char *help;
} counter_info[INVOICE_COUNT_N] = {
    [INVOICE_COUNT_CREATED] = { "invoice_created_total", "Invoices created." },
    [INVOICE_COUNT_PAID] = { "invoice_paid_total", "Invoices paid." },
    [INVOICE_COUNT_DOWNLOADED] = { "invoice_downloads_total",
                                   "Invoice file downloads answered 200 or 206 (HEAD excluded)." },
    [INVOICE_COUNT_BYTES_UPLOADED] = { "invoice_uploaded_bytes_total",
                                       "File bytes stored by creates and uploads." },
    [INVOICE_COUNT_BYTES_DOWNLOADED] = { "invoice_downloaded_bytes_total",
                                         "File bytes sent by downloads (ranges count what was sent)." },
    [INVOICE_COUNT_DB_ERRORS] = { "invoice_db_errors_total",
                                  "Failed database operations (any cause)." },
    [INVOICE_COUNT_UNAVAILABLE] = { "invoice_unavailable_total",
                                    "Answers 503 because the database was unavailable." },
    [INVOICE_COUNT_IDEM_REPLAYED] = { "invoice_idempotent_replays_total",
        "Answers replayed for a repeated Idempotency-Key." },
    [INVOICE_COUNT_IDEM_MISMATCHED] = { "invoice_idempotency_mismatches_total",
        "Idempotency-Keys reused for a different request (422)." },
    [INVOICE_COUNT_IDEM_IN_FLIGHT] = { "invoice_idempotency_in_flight_total",
        "Idempotency-Keys repeated while their first request ran (409)." },
    [INVOICE_COUNT_DB_TIMEOUTS] = { "invoice_db_timeouts_total",
        "Database calls that got no answer by their deadline." },
    [INVOICE_COUNT_BREAKER_REFUSED] = { "invoice_db_breaker_refused_total",
        "Requests answered 503 at once because the database was found down." },
    [INVOICE_COUNT_TRANSFERS_REFUSED] = { "invoice_transfers_refused_total",
        "Uploads and downloads answered 503 beyond the per-child bound." },
    [INVOICE_COUNT_DOWNLOADS_KEPT] = { "invoice_downloads_without_db_total",
        "Downloads answered from the file facts a child kept (no database round trip)." },
    [INVOICE_COUNT_DOWNLOADS_MOVED] = { "invoice_download_facts_moved_total",
        "Kept file facts that named a store the file had left (the download asked the database)." },
};

static const char *reason_of(int status)
{
    switch (status) {
    case 400: return "malformed";
    case 401: return "unauthorized";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "already_paid";
    case 413: return "too_large";
    case 415: return "unsupported_media_type";
    case 416: return "range_not_satisfiable";
    case 422: return "invalid_fields";
    default: return NULL;
    }
}

static void observe(invoice_histogram_t *h, apr_int64_t us)
{
    int b = 0;

    if (us < 0) {
        us = 0;
    }
    while (b < INVOICE_METRIC_BUCKETS - 1 && (double)us > bucket_le[b] * 1e6) {
        b++;
    }
    apr_atomic_inc64(&h->n[b]);
    apr_atomic_add64(&h->sum_us, (apr_uint64_t)us);
}

void invoice_metrics_request(invoice_metrics_t *m, int route, int status,
                             apr_int64_t duration_us)
{
    int cls = status / 100;

    if (route < 0 || route >= INVOICE_ACTION_COUNT) {
        route = INVOICE_ACTION_NONE;
    }
    apr_atomic_inc64(&m->requests[route][cls >= 1 && cls <= 5 ? cls : 0]);
    observe(&m->latency[route], duration_us);
    if (status >= 400 && status < 500 && reason_of(status) != NULL) {
        apr_atomic_inc64(&m->rejected[status]);
    }
}

void invoice_metrics_add(invoice_metrics_t *m, invoice_counter_t c,
                         apr_uint64_t n)
{
    apr_atomic_add64(&m->counters[c], n);
}

void invoice_metrics_db_acquire(invoice_metrics_t *m, apr_int64_t duration_us)
{
    observe(&m->db_acquire, duration_us);
}

void invoice_metrics_store_op(invoice_metrics_t *m, invoice_store_backend_t b,
                              invoice_store_op_t op, apr_int64_t duration_us,
                              int failed)
{
    observe(&m->store_ops[b][op], duration_us);
    if (failed) {
        apr_atomic_inc64(&m->store_errors[b]);
    }
}

static void push(apr_array_header_t *out, const char *s)
{
    *(const char **)apr_array_push(out) = s;
}

static void render_histogram(apr_pool_t *p, apr_array_header_t *out,
                             const char *name, const char *labels,
                             invoice_histogram_t *h)
{
    apr_uint64_t cumulative = 0;
    const char *sep = *labels ? "," : "";

    for (int b = 0; b < INVOICE_METRIC_BUCKETS; b++) {
        cumulative += apr_atomic_read64(&h->n[b]);
        push(out, apr_psprintf(p, "%s_bucket{%s%sle=\"%s\"} %" APR_UINT64_T_FMT
                               "\n", name, labels, sep, bucket_label[b],
                               cumulative));
    }
    push(out, apr_psprintf(p, "%s_sum%s%s%s %.6f\n", name, *labels ? "{" : "",
                           labels, *labels ? "}" : "",
                           (double)apr_atomic_read64(&h->sum_us) / 1e6));
    push(out, apr_psprintf(p, "%s_count%s%s%s %" APR_UINT64_T_FMT "\n", name,
                           *labels ? "{" : "", labels, *labels ? "}" : "",
                           cumulative));
}

static void render_requests(apr_pool_t *p, apr_array_header_t *out,
                            invoice_metrics_t *m)
{
    static const char *const classes[6] = { "other", "1xx", "2xx", "3xx",
                                            "4xx", "5xx" };

    push(out, "# HELP invoice_http_requests_total HTTP requests by route and status class.\n"
              "# TYPE invoice_http_requests_total counter\n");
    for (int r = 0; r < INVOICE_ACTION_COUNT; r++) {
        for (int c = 0; c < 6; c++) {
            apr_uint64_t v = apr_atomic_read64(&m->requests[r][c]);
            if (v > 0) {
                push(out, apr_psprintf(p, "invoice_http_requests_total{route=\"%s\","
                                       "status=\"%s\"} %" APR_UINT64_T_FMT "\n",
                                       invoice_route_label(r), classes[c], v));
            }
        }
    }
    push(out, "# HELP invoice_http_request_duration_seconds Request latency by route.\n"
              "# TYPE invoice_http_request_duration_seconds histogram\n");
    for (int r = 0; r < INVOICE_ACTION_COUNT; r++) {
        render_histogram(p, out, "invoice_http_request_duration_seconds",
                         apr_psprintf(p, "route=\"%s\"", invoice_route_label(r)),
                         &m->latency[r]);
    }
}

/* The file stores: latency per backend and operation, errors per backend. */
static void render_store_ops(apr_pool_t *p, apr_array_header_t *out,
                             invoice_metrics_t *m)
{
    static const char *const backends[] = { "file", "s3" };
    static const char *const ops[] = { "write", "read" };

    push(out, "# HELP invoice_file_store_seconds File-store operations: a "
              "whole file written (durable), a file opened or read.\n"
              "# TYPE invoice_file_store_seconds histogram\n");
    for (int b = 0; b < INVOICE_STORE_BACKEND_N; b++) {
        for (int o = 0; o < INVOICE_STORE_OP_N; o++) {
            render_histogram(p, out, "invoice_file_store_seconds",
                             apr_psprintf(p, "backend=\"%s\",op=\"%s\"",
                                          backends[b], ops[o]),
                             &m->store_ops[b][o]);
        }
    }
    push(out, "# HELP invoice_file_store_errors_total Failed file-store "
              "operations.\n# TYPE invoice_file_store_errors_total counter\n");
    for (int b = 0; b < INVOICE_STORE_BACKEND_N; b++) {
        push(out, apr_psprintf(p, "invoice_file_store_errors_total{backend=\"%s\"} %"
                               APR_UINT64_T_FMT "\n", backends[b],
                               apr_atomic_read64(&m->store_errors[b])));
    }
}

const char *invoice_metrics_render(apr_pool_t *p, invoice_metrics_t *m,
                                   const char *version)
{
    apr_array_header_t *out = apr_array_make(p, 256, sizeof(const char *));

    push(out, apr_psprintf(p, "# HELP invoice_build_info The module's version.\n"
                           "# TYPE invoice_build_info gauge\n"
                           "invoice_build_info{version=\"%s\"} 1\n", version));

    render_requests(p, out, m);
    for (int c = 0; c < INVOICE_COUNT_N; c++) {
        push(out, apr_psprintf(p, "# HELP %s %s\n# TYPE %s counter\n%s %"
                               APR_UINT64_T_FMT "\n", counter_info[c].name,
                               counter_info[c].help, counter_info[c].name,
                               counter_info[c].name,
                               apr_atomic_read64(&m->counters[c])));
    }
    push(out, "# HELP invoice_rejected_requests_total Requests refused with a 4xx, by reason.\n"
              "# TYPE invoice_rejected_requests_total counter\n");
    for (int s = 400; s < 500; s++) {
        if (reason_of(s) != NULL) {
            push(out, apr_psprintf(p, "invoice_rejected_requests_total{reason=\"%s\"} %"
                                   APR_UINT64_T_FMT "\n", reason_of(s),
                                   apr_atomic_read64(&m->rejected[s])));
        }
    }
    push(out, "# HELP invoice_db_acquire_seconds Time to get a pooled database connection.\n"
              "# TYPE invoice_db_acquire_seconds histogram\n");
    render_histogram(p, out, "invoice_db_acquire_seconds", "", &m->db_acquire);
    render_store_ops(p, out, m);
    return apr_array_pstrcat(p, out, '\0');
}

const char *invoice_metrics_summary(apr_pool_t *p, invoice_metrics_t *m)
{
    apr_uint64_t total = 0, errors = 0;

    for (int r = 0; r < INVOICE_ACTION_COUNT; r++) {
        for (int c = 0; c < 6; c++) {
            total += apr_atomic_read64(&m->requests[r][c]);
        }
        errors += apr_atomic_read64(&m->requests[r][5]);
    }
    return apr_psprintf(p,
        "InvoiceRequests: %" APR_UINT64_T_FMT "\n"
        "InvoiceServerErrors: %" APR_UINT64_T_FMT "\n"
        "InvoiceCreated: %" APR_UINT64_T_FMT "\n"
        "InvoicePaid: %" APR_UINT64_T_FMT "\n"
        "InvoiceDownloads: %" APR_UINT64_T_FMT "\n"
        "InvoiceDbErrors: %" APR_UINT64_T_FMT "\n"
        "InvoiceUnavailable: %" APR_UINT64_T_FMT "\n",
        total, errors,
        apr_atomic_read64(&m->counters[INVOICE_COUNT_CREATED]),
        apr_atomic_read64(&m->counters[INVOICE_COUNT_PAID]),
        apr_atomic_read64(&m->counters[INVOICE_COUNT_DOWNLOADED]),
        apr_atomic_read64(&m->counters[INVOICE_COUNT_DB_ERRORS]),
        apr_atomic_read64(&m->counters[INVOICE_COUNT_UNAVAILABLE]));
}
