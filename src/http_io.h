/* The HTTP edge of the module: reading bodies, writing JSON and problems.
 * Glue: knows request_rec, knows nothing about invoices. */
#ifndef MOD_INVOICE_HTTP_IO_H
#define MOD_INVOICE_HTTP_IO_H

#include <httpd.h>

#include "problem.h"

/** The Content-Length when it is within LimitRequestBody, else 0: a size
 *  to allocate up front. */
apr_size_t invoice_http_body_size_hint(request_rec *r);

/* Receives body bytes; returns 0 to stop caring (the rest is drained). */
typedef int (*invoice_http_sink_fn)(void *ctx, const char *data, apr_size_t n);

/**
 * Stream the request body through sink, piece by piece as it arrives.
 * @return OK, or the status to return from the handler as is (for
 *         LimitRequestBody / malformed chunking this is AP_FILTER_ERROR:
 *         httpd has already chosen the response, 413 or 400).
 */
int invoice_http_stream_body(request_rec *r, invoice_http_sink_fn sink,
                             void *ctx);

/**
 * Read the whole request body into one buffer from r->pool (NUL-terminated
 * for convenience; *len excludes the NUL).  Honours LimitRequestBody
 * through the HTTP_IN filter.
 * @return as invoice_http_stream_body
 */
int invoice_http_read_body(request_rec *r, char **body, apr_size_t *len);

/** 1 when the Content-Type's media type is application/json (any case,
 *  parameters such as charset allowed). */
int invoice_http_has_json_body(request_rec *r);

/** Send status with an application/json body; returns DONE. */
int invoice_http_send_json(request_rec *r, int status, const char *body,
                           apr_size_t len);

/** Send an application/problem+json response; returns DONE. */
int invoice_http_send_problem(request_rec *r, int status, const char *detail,
                              const invoice_field_errors_t *errors);

#endif
