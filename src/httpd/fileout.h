/* A new invoice's file on its way to a file store (InvoiceFileStore
 * file:/s3:): begun before the body is read, fed as the body arrives (a
 * file tap's sink), made durable before the row is written, removed again
 * when the row is not.  With the database as the store (pg) there is no
 * file out: the bytes go with the row. */
#ifndef MOD_INVOICE_HTTPD_FILEOUT_H
#define MOD_INVOICE_HTTPD_FILEOUT_H

#include <httpd.h>

#include "core/request/file_tap.h"
#include "httpd/filestores.h"

typedef struct invoice_file_out_t invoice_file_out_t;

/** Begin the file of invoice id in r's store: OK with *out (NULL when the
 *  store is the database), or DONE after answering 503 (logged). */
int invoice_file_out_begin(request_rec *r, const char *id,
                           invoice_file_out_t **out);

/** The sink to give a file tap (ctx: the file out). */
const char *invoice_file_out_sink(void *ctx, const char *data, size_t len);

/** Did the store refuse bytes? */
int invoice_file_out_failed(const invoice_file_out_t *out);

/** The store refused bytes: nothing is kept, the 503 is answered: DONE. */
int invoice_file_out_refused(invoice_file_out_t *out);

/** Make the file durable (digest and size of the bytes given): OK, or
 *  DONE after answering 503.  A failed sink is answered here too. */
int invoice_file_out_commit(invoice_file_out_t *out,
                            const unsigned char *sha256, apr_off_t size);

/** The store's name, for the row (NULL for none). */
const char *invoice_file_out_store(const invoice_file_out_t *out);

/** The request ended without its row: nothing is kept (before commit the
 *  writer is dropped, after it the file is removed, best effort). */
void invoice_file_out_discard(invoice_file_out_t *out);

/** The 503 for a store that failed (why: the operator's words, logged;
 *  MISCONFIGURED says "misconfiguration" to the client): DONE. */
int invoice_file_store_failure(request_rec *r, invoice_files_status_t status,
                               const char *why);

#endif
