/* Spooled response bodies.  See spool.h. */
#include "httpd/spool.h"

#include <apr_strings.h>

#include "httpd/private.h"

int invoice_spool_open(request_rec *r, invoice_spool_t *sp)
{
    const char *dir = NULL;
    char *name;
    apr_status_t rv = apr_temp_dir_get(&dir, r->pool);

    sp->r = r;
    sp->len = 0;
    sp->error = APR_SUCCESS;
    name = apr_pstrcat(r->pool, dir ? dir : "/tmp", "/mod_invoice.XXXXXX", NULL);
    if (rv == APR_SUCCESS) {
        rv = apr_file_mktemp(&sp->file, name, APR_FOPEN_CREATE | APR_FOPEN_READ
                             | APR_FOPEN_WRITE | APR_FOPEN_EXCL
                             | APR_FOPEN_SENDFILE_ENABLED, r->pool);
    }
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, INVLOGNO(00104)
                      "cannot make a temporary file for a download (%s)",
                      name);
        return 0;
    }
    /* Nameless from now on: nothing is left behind, whatever happens. */
    apr_file_remove(name, r->pool);
    return 1;
}

int invoice_spool_write(void *ctx, const char *data, apr_size_t len)
{
    invoice_spool_t *sp = ctx;
    apr_status_t rv = apr_file_write_full(sp->file, data, len, NULL);

    if (rv != APR_SUCCESS) {
        if (sp->error == APR_SUCCESS) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, sp->r, INVLOGNO(00105)
                          "cannot write a download to its temporary file "
                          "(disk full?)");
        }
        sp->error = rv;
        return 0;
    }
    sp->len += (apr_off_t)len;
    return 1;
}
