/* The body of POST .../sender/invoices: parse and validate it completely
 * before any database work.  Pure code. */
#ifndef MOD_INVOICE_CORE_REQUEST_CREATE_H
#define MOD_INVOICE_CORE_REQUEST_CREATE_H

#include <stddef.h>
#include <apr_pools.h>

#include "core/filetype.h"
#include "core/http/problem.h"
#include "core/request/terms.h"
#include "core/util/decimal.h"
#include "core/util/sha256.h"

/* The first bytes of a file kept for its type check (every type's magic
 * fits). */
#define INVOICE_FILE_HEAD_LEN 16

typedef struct {
    int receiver_id;
    invoice_filetype_t file_type;
    invoice_terms_t terms;
    int given;                      /* a file came with the request */
    const unsigned char *content;   /* its bytes (from the pool), or NULL
                                     * when they went to a file store as
                                     * they came (core/request/file_tap.h) */
    size_t content_len;
    const unsigned char *head;      /* its first bytes (all, in content) */
    size_t head_len;
    int hashed;                     /* sha256 is known already */
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
 * Check that the file of out is a non-empty file of out->file_type (magic
 * bytes), reporting under `field`.  Nothing is checked when the type is
 * unknown or no file was given (those are reported elsewhere).  Returns
 * errors added.
 */
int invoice_create_check_file(const invoice_create_t *out, const char *field,
                              invoice_field_errors_t *errors);

/** receiver_id given as decimal text (an upload's field or query). */
void invoice_create_check_receiver_text(const char *s, size_t len,
                                        invoice_create_t *out,
                                        invoice_field_errors_t *errors);

/**
 * An upload's "invoice" part: a strict JSON object with receiver_id and
 * optionally file_type (put in *declared, left alone when absent).
 * Problems are field errors (a malformed part is an "invoice" error, not a
 * 400).
 */
void invoice_create_parse_meta(apr_pool_t *p, const char *json, size_t len,
                               invoice_create_t *out,
                               invoice_filetype_t *declared,
                               invoice_field_errors_t *errors);

/**
 * The end of every create check: a 422 with `detail` when errors were
 * found, otherwise a valid result with out->sha256 known.
 */
invoice_create_result_t invoice_create_conclude(invoice_create_result_t res,
                                                invoice_create_t *out,
                                                const char *detail);

#endif
