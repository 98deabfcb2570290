/* Repeated downloads of files in a file store, without the database.
 *
 * Once an invoice's first download is recorded, the facts a download of
 * its file needs never change: its consumer, type, digest, size and
 * creation time.  Only where the file is may change (mod-invoice-files
 * moves files between stores).  So the children share a table of them
 * (InvoiceDownloadCache entries, in shared memory made at startup), and a
 * download that finds its invoice there, for the same consumer, costs no
 * round trip: static-file speed (issue 13).  A file not in the store its
 * entry names sends the download back to the database
 * (invoice_filecache_forget).  Files in this database are never kept:
 * their bytes come from it anyway. */
#ifndef MOD_INVOICE_HTTPD_FILECACHE_H
#define MOD_INVOICE_HTTPD_FILECACHE_H

#include <httpd.h>

#include "store/store.h"

/** The table for the configured size, made (or found again after a
 *  restart, its entries then forgotten) in the parent; none when the
 *  size is 0 or the shared memory cannot be had (logged). */
void invoice_filecache_post_config(server_rec *s);

/** The facts of invoice id's file for consumer, as the store would give
 *  them (downloaded set, no head): 1, or 0 when not kept for that
 *  consumer. */
int invoice_filecache_get(apr_pool_t *p, int consumer, const char *id,
                          invoice_file_t *out);

/** Keep f (a file in a file store whose first download is recorded). */
void invoice_filecache_put(int consumer, const char *id,
                           const invoice_file_t *f);

/** Forget invoice id: its file was not where the entry said. */
void invoice_filecache_forget(const char *id);

#endif
