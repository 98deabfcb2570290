/* Reading request bodies through the input filters, so LimitRequestBody,
 * chunking and timeouts are httpd's.  Knows nothing about invoices. */
#ifndef MOD_INVOICE_HTTPD_BODY_H
#define MOD_INVOICE_HTTPD_BODY_H

#include <httpd.h>

/** The Content-Length when it is within LimitRequestBody, else 0: a size
 *  to allocate up front. */
apr_size_t invoice_body_size_hint(request_rec *r);

/* Receives body bytes; returns 0 to stop caring (the rest is drained). */
typedef int (*invoice_body_sink_fn)(void *ctx, const char *data, apr_size_t n);

/**
 * Stream the request body through sink, piece by piece as it arrives.
 * @return OK, or the status to return from the handler as is (for
 *         LimitRequestBody / malformed chunking this is AP_FILTER_ERROR:
 *         httpd has already chosen the response, 413 or 400).
 */
int invoice_body_stream(request_rec *r, invoice_body_sink_fn sink, void *ctx);

/**
 * Read the whole request body into one buffer that lives as long as
 * r->pool (NUL-terminated for convenience; *len excludes the NUL).
 * @return as invoice_body_stream
 */
int invoice_body_read(request_rec *r, char **body, apr_size_t *len);

/** Before answering a request that is refused without its body: a small
 *  body is read and thrown away (the connection then serves the next
 *  request); a large or chunked one, or one the client holds back until
 *  "100 Continue", is never asked for: the connection closes after the
 *  answer instead. */
void invoice_body_refuse(request_rec *r);

/** 1 when the Content-Type's media type is application/json (any case,
 *  parameters such as charset allowed). */
int invoice_body_is_json(request_rec *r);

#endif
