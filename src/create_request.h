/* The body of POST /api/sender/invoices: parse and validate it completely
 * before any database work.  Pure code. */
#ifndef MOD_INVOICE_CREATE_REQUEST_H
#define MOD_INVOICE_CREATE_REQUEST_H

#include <stddef.h>
#include <apr_pools.h>

#include "filetype.h"
#include "problem.h"
#include "sha256.h"

#define INVOICE_ID_MAX 2147483647

typedef struct {
    int receiver_id;
    invoice_filetype_t file_type;
    const unsigned char *content;   /* decoded bytes, allocated from the pool */
    size_t content_len;
    unsigned char sha256[INVOICE_SHA256_LEN];   /* of the decoded bytes */
} invoice_create_t;

typedef struct {
    int status;                     /* 0 (valid), 400 or 422 */
    const char *detail;             /* English explanation when status != 0 */
    invoice_field_errors_t *errors; /* the field errors of a 422 */
} invoice_create_result_t;

/**
 * Parse {"invoice": {"receiver_id": int, "file_type": str, "content": b64}}.
 * 400 when the body is not strict JSON, not an object, or lacks an
 * "invoice" object; 422 listing every bad field otherwise (unknown fields
 * inside "invoice" included).
 */
invoice_create_result_t invoice_create_parse(apr_pool_t *p, const char *body,
                                             size_t len, invoice_create_t *out);

/**
 * Validate the fields once they are known, whatever carried them (JSON or
 * an upload).  Adds to errors; returns the number of errors added.
 * content may be NULL when the caller already decoded nothing.
 */
int invoice_create_check_file(invoice_filetype_t type,
                              const unsigned char *content, size_t len,
                              invoice_field_errors_t *errors);

#endif
