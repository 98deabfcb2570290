/* An invoice's file in a file store, for a download: the file itself when
 * the store has local files (sent with sendfile), else its bytes spooled
 * to a temporary file first (so that neither a thread nor the store's
 * connection waits on a slow client), or a presigned URL when the store
 * delivers by redirect (InvoiceS3Delivery redirect). */
#ifndef MOD_INVOICE_HTTPD_FILEIN_H
#define MOD_INVOICE_HTTPD_FILEIN_H

#include <httpd.h>
#include <apr_file_io.h>

/** Bytes [start, start+len) of invoice id's file in the store named
 *  `store`, as [*offset, *offset+len) of *file: OK, or DONE after
 *  answering the failure (503; 500 for a file that is not there). */
int invoice_file_in_open(request_rec *r, const char *store, const char *id,
                         apr_off_t start, apr_off_t len, apr_file_t **file,
                         apr_off_t *offset);

/** The same for a store a kept entry named (filecache.h): DECLINED,
 *  unanswered, when the file is not there. */
int invoice_file_in_open_kept(request_rec *r, const char *store,
                              const char *id, apr_off_t start, apr_off_t len,
                              apr_file_t **file, apr_off_t *offset);

/** Where the client may GET the file itself for a while, when the store
 *  delivers by redirect; NULL otherwise. */
const char *invoice_file_in_redirect(request_rec *r, const char *store,
                                     const char *id);

#endif
