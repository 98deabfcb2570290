/* What happens when httpd has read its configuration (post_config): the
 * store's statements go to mod_dbd, the shared metrics block is made. */
#ifndef MOD_INVOICE_HTTPD_STARTUP_H
#define MOD_INVOICE_HTTPD_STARTUP_H

#include <httpd.h>

/** The post_config hook (to run before mod_dbd's). */
int invoice_startup_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s);

#endif
