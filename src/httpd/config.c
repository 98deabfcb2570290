/* Where the module answers.  See config.h. */
#include "httpd/config.h"

#include <string.h>

int invoice_config_handler_is_ours(const char *handler)
{
    return handler != NULL
        && (strcmp(handler, INVOICE_API_HANDLER) == 0
            || strcmp(handler, INVOICE_HEALTH_HANDLER) == 0
            || strcmp(handler, INVOICE_METRICS_HANDLER) == 0);
}

const char *invoice_config_below_mount(const char *uri)
{
    size_t n = strlen(INVOICE_MOUNT);

    if (uri == NULL || strncmp(uri, INVOICE_MOUNT, n) != 0
        || (uri[n] != '/' && uri[n] != '\0')) {
        return NULL;
    }
    return uri + n;
}
