/* What mod_dbd was told for a server: its DBDriver, DBDParams, DBDMin and
 * DBDMax, read from the parsed configuration (mod_dbd keeps its own
 * configuration private).  For the checks at configtest and the
 * diagnosis of a database that cannot be used. */
#ifndef MOD_INVOICE_HTTPD_DBD_CONF_H
#define MOD_INVOICE_HTTPD_DBD_CONF_H

#include <httpd.h>
#include <http_config.h>

typedef struct {
    const char *driver;     /* DBDriver, NULL when none */
    const char *params;     /* DBDParams (variables resolved), NULL: none */
    int min, max;           /* DBDMin, DBDMax, or mod_dbd's defaults */
} invoice_dbd_conf_t;

/** The settings of the server whose <VirtualHost> node is vhost (NULL for
 *  the main server): the main server's, overridden by the vhost's own. */
void invoice_dbd_conf_read(apr_pool_t *p, const ap_directive_t *vhost,
                           invoice_dbd_conf_t *out);

#endif
