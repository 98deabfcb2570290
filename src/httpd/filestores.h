/* The file stores (InvoiceFileStore): backends registered as providers of
 * the group "invoice_file_store", one per scheme (store/files.h); each
 * store named in the configuration configured once (when the configuration
 * is checked, so that configtest refuses a bad one), set up in each child,
 * and found again by the name rows record.  A name no longer configured
 * (rows written before a switch) is configured on first use, with the
 * same settings. */
#ifndef MOD_INVOICE_HTTPD_FILESTORES_H
#define MOD_INVOICE_HTTPD_FILESTORES_H

#include <httpd.h>
#include <http_config.h>

#include "store/files.h"

#define INVOICE_FILES_PROVIDER_GROUP "invoice_file_store"
#define INVOICE_FILES_PROVIDER_VERSION "0"

typedef struct {
    const char *name;               /* "file:/srv/files": what rows record */
    const invoice_files_ops_t *ops;
    void *state;
} invoice_filestore_t;

/** register_hooks: the backends as providers. */
void invoice_filestores_register(apr_pool_t *p);

/** While the configuration is read: NULL when name ("pg", "file:...",
 *  "s3:...") has a backend, else why not. */
const char *invoice_filestores_check_name(apr_pool_t *p, const char *name);

/** check_config: configure every store the servers name (errors logged
 *  with the directive's place): OK or not. */
int invoice_filestores_configure(apr_pool_t *pconf, server_rec *s);

/** child_init: each store's per-process setup. */
void invoice_filestores_child_init(apr_pool_t *pchild);

/** The store of that name (configured now if need be), or NULL (logged
 *  on r). */
const invoice_filestore_t *invoice_filestores_get(request_rec *r,
                                                  const char *name);

/** Can every configured store be used now?  OK, or the worst status with
 *  why (for /readyz). */
invoice_files_status_t invoice_filestores_check(apr_pool_t *p,
                                                const char **why);

#endif
