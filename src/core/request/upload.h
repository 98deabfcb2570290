/* POST /api/sender/uploads: the file as multipart/form-data (curl -F) or as
 * the raw body, validated by the same rules as the JSON create.  The file's
 * bytes go through a tap (core/request/file_tap.h): kept once, in a buffer
 * sized up front, or handed on to a file store as they come; nothing is
 * base64.  Pure code. */
#ifndef MOD_INVOICE_CORE_REQUEST_UPLOAD_H
#define MOD_INVOICE_CORE_REQUEST_UPLOAD_H

#include <apr_pools.h>

#include "core/request/create.h"
#include "core/request/file_tap.h"
#include "core/request/multipart.h"

/* Non-file parts are small: a decimal id, or a short JSON object. */
#define INVOICE_UPLOAD_MAX_FIELD 4096

/* The media types a raw upload may declare, and the multipart one: the
 * value of Accept-Post on a 415. */
#define INVOICE_UPLOAD_ACCEPT "multipart/form-data, application/pdf, image/png"

typedef struct invoice_upload_t invoice_upload_t;

/** Collect a multipart upload; the file part's bytes go through tap. */
invoice_upload_t *invoice_upload_make(apr_pool_t *p, invoice_file_tap_t *tap);

/** The callbacks to give invoice_multipart_make, with the upload as ctx. */
const invoice_mp_handler_t *invoice_upload_mp_handler(void);

/**
 * After the multipart body parsed completely: check the parts and fill out.
 * Parts: "receiver_id" (decimal text) and "file" (bytes, typed by the
 * part's Content-Type), or "invoice" (a JSON object with receiver_id and
 * optionally file_type) instead of "receiver_id".  Unknown or repeated
 * parts are field errors.  status 0, 400 or 422 as for the JSON route.
 */
invoice_create_result_t invoice_upload_finish(invoice_upload_t *u,
                                              invoice_create_t *out);

/**
 * A raw upload: media is the request's Content-Type, tap the whole body
 * after it passed, args the raw query string carrying receiver_id.
 */
invoice_create_result_t invoice_upload_raw(apr_pool_t *p, const char *media,
                                           invoice_file_tap_t *tap,
                                           const char *args,
                                           invoice_create_t *out);

/** The file type named by a request's Content-Type (parameters ignored):
 *  PDF or PNG for a raw upload, UNKNOWN otherwise. */
invoice_filetype_t invoice_upload_raw_type(const char *content_type);

#endif
