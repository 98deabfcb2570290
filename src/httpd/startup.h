/* Startup: what is checked when the configuration has been read (and so
 * fails `apachectl configtest`), what is set up before the children start,
 * and what each child does when it starts. */
#ifndef MOD_INVOICE_HTTPD_STARTUP_H
#define MOD_INVOICE_HTTPD_STARTUP_H

#include <httpd.h>

/** check_config hook (runs for configtest too): every mount's server has
 *  DBDriver pgsql, DBDParams that parse, DBDMin <= DBDMax. */
int invoice_startup_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s);

/** post_config hook (to run before mod_dbd's): the store's statements go
 *  to mod_dbd once per pool, the shared memory is made, the version is
 *  announced. */
int invoice_startup_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s);

/** child_init hook: the database diagnosis starts. */
void invoice_startup_child_init(apr_pool_t *pchild, server_rec *s);

#endif
