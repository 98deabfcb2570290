/* After the configuration is read.  See startup.h. */
#include "httpd/startup.h"

#include "httpd/counters.h"
#include "httpd/db.h"
#include "httpd/private.h"

int invoice_startup_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s)
{
    const char *err = invoice_db_post_config(s);

    if (err != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, INVLOGNO(00001) "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    invoice_counters_post_config(s);    /* metrics are optional: logged */
    return OK;
}
