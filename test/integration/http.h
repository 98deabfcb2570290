/* A tiny HTTP client over libcurl for the integration tests.
 *
 * Every request uses its own easy handle (so its own connection), except
 * through a session, which keeps its connection alive between requests; the
 * concurrent helper drives several at once with curl_multi.  No request
 * header is added implicitly except Host, Content-Length / Transfer-Encoding
 * and Accept (libcurl defaults): the Content-Type libcurl would add to a
 * POST is removed, and so is "Expect: 100-continue".
 *
 * When IT_OPENAPI_LOG names a file, every exchange (request method, path and
 * Content-Type; response status, headers and body, file bytes left out) is
 * appended to it as one JSON line, for test/openapi/validate.py to check
 * against docs/openapi.yaml (test/integration/run.sh). */
#ifndef INVOICE_IT_HTTP_H
#define INVOICE_IT_HTTP_H

#include <stddef.h>

typedef struct {
    char *name;
    char *value;
} http_header_t;

typedef struct {
    char *what;             /* "METHOD /path", for messages */
    long status;            /* 0 when the transfer failed (see error) */
    int curl_code;          /* CURLcode of the transfer */
    long new_connections;   /* connections opened for it (0: reused one) */
    char error[256];        /* libcurl's message when curl_code != 0 */
    char *body;             /* always NUL-terminated (extra byte) */
    size_t body_len;
    http_header_t *headers; /* of the final response only */
    size_t nheaders;
} http_response_t;

typedef struct {
    const char *method;          /* "GET", "POST", ... */
    const char *path;            /* appended to the base URL */
    const char *const *headers;  /* NULL-terminated "Name: value" list, or NULL */
    const void *body;            /* NULL: no request body */
    size_t body_len;
    int chunked;                 /* send body with Transfer-Encoding: chunked */
    const char *client_cert;     /* PEM file with a TLS client certificate
                                    and its key, or NULL */
} http_request_t;

/* Set the base URL ("http://127.0.0.1:PORT") and initialise libcurl.  For
 * https, the server's certificate is checked against the CA file named by
 * INVOICE_IT_CA. */
void http_init(const char *base_url);
void http_cleanup(void);
const char *http_base_url(void);

/* One request, synchronously.  Never returns NULL. */
http_response_t *http_do(const http_request_t *req);

/* Shorthand for http_do. */
http_response_t *http_request(const char *method, const char *path,
                              const char *const *headers,
                              const void *body, size_t body_len);

/* Run n requests concurrently (all started together with curl_multi);
 * returns n responses in request order (array and responses to be freed
 * with http_free_many). */
http_response_t **http_do_many(const http_request_t *reqs, size_t n);
void http_free_many(http_response_t **rs, size_t n);

/* A keep-alive session: requests made through it reuse one connection
 * whenever the server keeps it open. */
typedef struct http_session http_session_t;
http_session_t *http_session_new(void);
http_response_t *http_session_do(http_session_t *s, const http_request_t *req);
void http_session_free(http_session_t *s);

/* Value of the first header of that name (case-insensitive), or NULL. */
const char *http_header(const http_response_t *r, const char *name);

void http_free(http_response_t *r);

#endif
