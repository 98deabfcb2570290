/* What mod_dbd was told.  See dbd_conf.h.  Conditional sections and
 * Includes are already flattened in the tree, and ${VAR} already resolved;
 * within one level the last occurrence wins, as in mod_dbd. */
#include "httpd/dbd_conf.h"

#include <stdlib.h>
#include <apr_strings.h>

/* mod_dbd's defaults with threads (mod_dbd.c). */
#define DBD_DEFAULT_MIN 1
#define DBD_DEFAULT_MAX 10

static void read_level(apr_pool_t *p, const ap_directive_t *n,
                       invoice_dbd_conf_t *out)
{
    for (; n != NULL; n = n->next) {
        const char *args = n->args;

        if (strcasecmp(n->directive, "DBDriver") == 0) {
            out->driver = ap_getword_conf(p, &args);
        }
        else if (strcasecmp(n->directive, "DBDParams") == 0) {
            out->params = ap_getword_conf(p, &args);
        }
        else if (strcasecmp(n->directive, "DBDMin") == 0) {
            out->min = atoi(ap_getword_conf(p, &args));
        }
        else if (strcasecmp(n->directive, "DBDMax") == 0) {
            out->max = atoi(ap_getword_conf(p, &args));
        }
    }
}

void invoice_dbd_conf_read(apr_pool_t *p, const ap_directive_t *vhost,
                           invoice_dbd_conf_t *out)
{
    out->driver = out->params = NULL;
    out->min = DBD_DEFAULT_MIN;
    out->max = DBD_DEFAULT_MAX;
    read_level(p, ap_conftree, out);
    if (vhost != NULL) {
        read_level(p, vhost->first_child, out);
    }
}
