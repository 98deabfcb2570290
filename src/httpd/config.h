/* Where the module answers: the handler names an operator sets with
 * SetHandler, and the API's mount point. */
#ifndef MOD_INVOICE_HTTPD_CONFIG_H
#define MOD_INVOICE_HTTPD_CONFIG_H

#include <httpd.h>

#define INVOICE_API_HANDLER "invoice"
#define INVOICE_HEALTH_HANDLER "invoice-health"
#define INVOICE_METRICS_HANDLER "invoice-metrics"

/* The API's mount point: routes (core/routes.def) are relative to it. */
#define INVOICE_MOUNT "/api"

/** True for the module's own handler names. */
int invoice_config_handler_is_ours(const char *handler);

/** The path of uri below the mount ("/sender/invoices"), or NULL when uri
 *  is not under it. */
const char *invoice_config_below_mount(const char *uri);

#endif
