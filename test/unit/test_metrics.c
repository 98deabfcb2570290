/* Unit tests for the metrics block and its exposition text. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <apr_general.h>

#include "core/metrics.h"

#include "unit_pool.h"

static void has_line(const char *text, const char *line)
{
    if (strstr(text, line) == NULL) {
        fail_msg("missing line: %s", line);
    }
}

static void requests_and_histogram(void **state)
{
    invoice_metrics_t m;
    const char *text;

    memset(&m, 0, sizeof(m));
    invoice_metrics_request(&m, INVOICE_ACTION_SENDER_CREATE, 201, 800);
    invoice_metrics_request(&m, INVOICE_ACTION_SENDER_CREATE, 201, 30000);
    invoice_metrics_request(&m, INVOICE_ACTION_SENDER_CREATE, 422, 400);
    invoice_metrics_request(&m, INVOICE_ACTION_NONE, 404, 100);
    invoice_metrics_request(&m, 999, 503, 20000000);    /* out of range route */
    text = invoice_metrics_render(pool, &m, "9.8.7");

    has_line(text, "invoice_build_info{version=\"9.8.7\"} 1\n");
    has_line(text, "invoice_http_requests_total{route=\"POST /sender/invoices\","
                   "status=\"2xx\"} 2\n");
    has_line(text, "invoice_http_requests_total{route=\"POST /sender/invoices\","
                   "status=\"4xx\"} 1\n");
    has_line(text, "invoice_http_requests_total{route=\"unmatched\",status=\"4xx\"} 1\n");
    has_line(text, "invoice_http_requests_total{route=\"unmatched\",status=\"5xx\"} 1\n");
    /* Cumulative buckets: 400us and 800us are <= 1ms, 30ms <= 50ms. */
    has_line(text, "invoice_http_request_duration_seconds_bucket{route=\"POST /"
                   "sender/invoices\",le=\"0.001\"} 2\n");
    has_line(text, "invoice_http_request_duration_seconds_bucket{route=\"POST /"
                   "sender/invoices\",le=\"0.025\"} 2\n");
    has_line(text, "invoice_http_request_duration_seconds_bucket{route=\"POST /"
                   "sender/invoices\",le=\"0.05\"} 3\n");
    has_line(text, "invoice_http_request_duration_seconds_bucket{route=\"POST /"
                   "sender/invoices\",le=\"+Inf\"} 3\n");
    has_line(text, "invoice_http_request_duration_seconds_sum{route=\"POST /"
                   "sender/invoices\"} 0.031200\n");
    has_line(text, "invoice_http_request_duration_seconds_count{route=\"POST /"
                   "sender/invoices\"} 3\n");
    has_line(text, "invoice_http_request_duration_seconds_bucket{route=\"unmatched\","
                   "le=\"2.5\"} 1\n");
    has_line(text, "invoice_http_request_duration_seconds_bucket{route=\"unmatched\","
                   "le=\"+Inf\"} 2\n");
    has_line(text, "invoice_rejected_requests_total{reason=\"invalid_fields\"} 1\n");
    has_line(text, "invoice_rejected_requests_total{reason=\"not_found\"} 1\n");
}

static void counters_and_acquire(void **state)
{
    invoice_metrics_t m;
    const char *text, *summary;

    memset(&m, 0, sizeof(m));
    invoice_metrics_add(&m, INVOICE_COUNT_CREATED, 3);
    invoice_metrics_add(&m, INVOICE_COUNT_BYTES_UPLOADED, 20154);
    invoice_metrics_add(&m, INVOICE_COUNT_UNAVAILABLE, 1);
    invoice_metrics_db_acquire(&m, 50);
    text = invoice_metrics_render(pool, &m, "9.8.7");
    has_line(text, "# TYPE invoice_created_total counter\ninvoice_created_total 3\n");
    has_line(text, "invoice_uploaded_bytes_total 20154\n");
    has_line(text, "invoice_unavailable_total 1\n");
    has_line(text, "invoice_db_acquire_seconds_bucket{le=\"0.001\"} 1\n");
    has_line(text, "invoice_db_acquire_seconds_count 1\n");
    summary = invoice_metrics_summary(pool, &m);
    has_line(summary, "InvoiceCreated: 3\n");
    has_line(summary, "InvoiceUnavailable: 1\n");
}

static void route_names(void **state)
{
    assert_string_equal(invoice_route_label(INVOICE_ACTION_CONSUMER_PAY),
                        "POST /consumer/invoices/{id}/pay");
    assert_string_equal(invoice_route_label(INVOICE_ACTION_READYZ),
                        "GET /readyz");
    assert_string_equal(invoice_route_label(-1), "unmatched");
    for (int r = 0; r < INVOICE_ACTION_COUNT; r++) {
        assert_non_null(invoice_route_label(r));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(requests_and_histogram),
        cmocka_unit_test(counters_and_acquire),
        cmocka_unit_test(route_names),
    };
    return cmocka_run_group_tests_name("metrics", tests, setup, teardown);
}
