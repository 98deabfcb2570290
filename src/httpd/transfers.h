/* The bound on file transfers a child serves at once: upload bodies being
 * read and file downloads being sent (including those the MPM finishes
 * writing after the handler returned).  A slow client holds one of these
 * places, never a database connection; beyond the bound the request gets
 * a 503 with Retry-After before anything is read or fetched. */
#ifndef MOD_INVOICE_HTTPD_TRANSFERS_H
#define MOD_INVOICE_HTTPD_TRANSFERS_H

#include <httpd.h>

typedef enum {
    INVOICE_TRANSFER_UPLOAD,
    INVOICE_TRANSFER_DOWNLOAD,
} invoice_transfer_t;

/** Take a place for r (given back when r is done); 0 when none is left,
 *  after sending r's 503. */
int invoice_transfer_admit(request_rec *r, invoice_transfer_t kind);

#endif
