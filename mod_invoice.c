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

#include "src/httpd/counters.h"
#include "src/httpd/dispatch.h"
#include "src/httpd/ops.h"
#include "src/httpd/startup.h"
#include "src/httpd/tracing.h"

static void invoice_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = { "mod_dbd.c", NULL };

    ap_hook_post_config(invoice_startup_post_config, NULL, before_dbd,
                        APR_HOOK_MIDDLE);
    ap_hook_handler(invoice_dispatch_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(invoice_dispatch_translate_name, NULL, NULL,
                           APR_HOOK_FIRST);
    ap_hook_map_to_storage(invoice_dispatch_map_to_storage, NULL, NULL,
                           APR_HOOK_FIRST);
    ap_hook_fixups(invoice_tracing_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(invoice_counters_log_transaction, NULL, NULL,
                            APR_HOOK_MIDDLE);
    APR_OPTIONAL_HOOK(ap, status_hook, invoice_ops_status_hook, NULL, NULL,
                      APR_HOOK_MIDDLE);
}

AP_DECLARE_MODULE(invoice) = {
    STANDARD20_MODULE_STUFF,
    NULL,                       /* per-directory config */
    NULL,                       /* merge per-directory */
    NULL,                       /* per-server config */
    NULL,                       /* merge per-server */
    NULL,                       /* directives */
    invoice_register_hooks
};
