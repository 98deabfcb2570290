/* The request's context.  See context.h. */
#include "httpd/context.h"

#include <apr_strings.h>

#include "core/routes.h"
#include "httpd/private.h"

request_rec *invoice_req_original(request_rec *r)
{
    while (r->main != NULL) {
        r = r->main;
    }
    while (r->prev != NULL) {
        r = r->prev;
    }
    return r;
}

invoice_req_t *invoice_req(request_rec *r)
{
    request_rec *o = invoice_req_original(r);
    invoice_req_t *ctx = ap_get_module_config(o->request_config,
                                              &invoice_module);

    if (ctx == NULL) {
        ctx = apr_pcalloc(o->pool, sizeof(*ctx));
        ap_set_module_config(o->request_config, &invoice_module, ctx);
    }
    return ctx;
}

void invoice_req_identify(request_rec *r, int action,
                          const invoice_caller_t *caller,
                          const char *invoice_id)
{
    request_rec *o = invoice_req_original(r);

    invoice_req(r)->action = action;
    apr_table_setn(o->notes, "invoice_route", invoice_route_label(action));
    if (caller != NULL && caller->id > 0) {
        apr_table_setn(o->notes, "invoice_role", invoice_role_name(caller->role));
        apr_table_setn(o->notes, "invoice_caller", apr_itoa(o->pool, caller->id));
    }
    if (invoice_id != NULL && *invoice_id != '\0') {
        apr_table_setn(o->notes, "invoice_id", apr_pstrdup(o->pool, invoice_id));
    }
}
