/* Bytes on the wire, for what libcurl would normalise away: a growable
 * byte buffer, a multipart/form-data builder, and raw HTTP/1.1 exchanges
 * over a plain socket (NULs in headers, malformed chunking, a body shorter
 * than its Content-Length ...). */
#ifndef INVOICE_IT_WIRE_H
#define INVOICE_IT_WIRE_H

#include <stddef.h>

#include "http.h"

/* ---- byte buffer ------------------------------------------------------ */

typedef struct {
    unsigned char *data;   /* always NUL-terminated (extra byte) */
    size_t len, cap;
} buf_t;

void buf_add(buf_t *b, const void *p, size_t n);
void buf_adds(buf_t *b, const char *s);
void buf_addf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_free(buf_t *b);

/* ---- multipart/form-data ---------------------------------------------- */

/* The boundary of every body built here, and the matching Content-Type. */
#define MP_BOUNDARY "it-boundary-7d1f0c2a9b"
#define MP_CTYPE "multipart/form-data; boundary=" MP_BOUNDARY

/* One part: name NULL for a part without a name; ctype NULL for none. */
void mp_part(buf_t *b, const char *name, const char *ctype,
             const void *data, size_t len);
/* A text part (no Content-Type). */
void mp_field(buf_t *b, const char *name, const char *value);
/* The closing boundary line. */
void mp_close(buf_t *b);

/* ---- raw HTTP exchanges ----------------------------------------------- */

typedef struct {
    int status;            /* 0: no status line received */
    char *head;            /* status line and headers (NUL-terminated) */
    unsigned char *body;   /* what followed the headers, as received */
    size_t body_len;
    int closed;            /* the server closed the connection */
    int timed_out;         /* gave up waiting */
    long elapsed_ms;
    char what[96];         /* start of the request line, for messages */
} raw_resp_t;

/* Connect to INVOICE_BASE_URL's host and port, send req, optionally shut
 * down the sending side (the server then sees the end of the request
 * stream), and read the answer until one complete response (by its
 * Content-Length), the server closes, or timeout_ms passes. */
raw_resp_t *raw_exchange(const void *req, size_t len, int shut_wr,
                         long timeout_ms);
/* A header's value (malloc'd copy, trimmed), or NULL. */
char *raw_header(const raw_resp_t *r, const char *name);
void raw_free(raw_resp_t *r);
/* The same answer as an http_response_t (for the usual assertions; status
 * 0 when none came).  Free with http_free. */
http_response_t *raw_as_response(const raw_resp_t *r);

#endif
