/* mod_invoice: an invoice delivery and payment API inside Apache httpd.
 *
 * The module record and its hooks; everything they call lives in src/,
 * in rings that only look inward: src/httpd/ (Apache glue), then
 * src/identity/ and src/store/, then src/core/ (pure code). */
#include <httpd.h>
#include <http_config.h>
#include <http_protocol.h>
#include <http_request.h>
#include <mod_status.h>

#include "src/httpd/config.h"
#include "src/httpd/counters.h"
#include "src/httpd/dispatch.h"
#include "src/httpd/errors.h"
#include "src/httpd/filestores.h"
#include "src/httpd/ops.h"
#include "src/httpd/startup.h"
#include "src/httpd/tracing.h"

static void invoice_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = { "mod_dbd.c", NULL };
    /* A ProxyPass inside a mount wins over the mount. */
    static const char *const after_proxy[] = { "mod_proxy.c", NULL };

    ap_hook_check_config(invoice_startup_check_config, NULL, NULL,
                         APR_HOOK_MIDDLE);
    ap_hook_post_config(invoice_startup_post_config, NULL, before_dbd,
                        APR_HOOK_MIDDLE);
    ap_hook_child_init(invoice_startup_child_init, NULL, NULL, APR_HOOK_LAST);
    ap_hook_translate_name(invoice_dispatch_translate_name, after_proxy, NULL,
                           APR_HOOK_FIRST);
    ap_hook_map_to_storage(invoice_dispatch_map_to_storage, NULL, NULL,
                           APR_HOOK_FIRST);
    /* Claim first (after core's SetHandler), then trace what is ours. */
    ap_hook_fixups(invoice_dispatch_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_fixups(invoice_tracing_fixups, NULL, NULL, APR_HOOK_LAST);
    ap_hook_handler(invoice_dispatch_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_insert_error_filter(invoice_errors_insert_filter, NULL, NULL,
                                APR_HOOK_MIDDLE);
    ap_hook_log_transaction(invoice_counters_log_transaction, NULL, NULL,
                            APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, invoice_ops_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
    invoice_errors_register();
    invoice_filestores_register(p);
}

AP_DECLARE_MODULE(invoice) = {
    STANDARD20_MODULE_STUFF,
    invoice_config_create_dir,
    invoice_config_merge_dir,
    invoice_config_create_srv,
    NULL,                       /* a vhost's mounts are its own */
    invoice_directives,
    invoice_register_hooks
};
