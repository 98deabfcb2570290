/* mod_invoice: an invoice delivery and payment API inside Apache httpd.
 *
 * This file is the glue: the module record, hooks, and the dispatch of a
 * request to a route handler.  Everything else lives in src/. */
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <http_log.h>
#include <apr_strings.h>
#include <mod_status.h>

#include "src/auth.h"
#include "src/handlers.h"
#include "src/http_io.h"
#include "src/ops.h"
#include "src/router.h"
#include "src/storage.h"

#define INVOICE_HANDLER "invoice"
/* Target of the shipped `ErrorDocument` lines: errors that httpd itself
 * raises inside /api (413 from LimitRequestBody, 400 from bad chunking,
 * 405 from TraceEnable off ...) come back here to be rendered as
 * problem+json like every other error of the API. */
#define PROBLEM_PATH "/api/.problem"

module AP_MODULE_DECLARE_DATA invoice_module;

static const char *detail_for_status(request_rec *r, int status)
{
    switch (status) {
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return apr_psprintf(r->pool, "request body exceeds the limit of %"
                            APR_OFF_T_FMT " bytes", ap_get_limit_req_body(r));
    case HTTP_METHOD_NOT_ALLOWED:
        return "method not allowed";
    case HTTP_REQUEST_TIME_OUT:
        return "request timed out";
    case HTTP_BAD_REQUEST:
        return "malformed request";
    default:
        return invoice_problem_title(status);
    }
}

/* An ErrorDocument internal redirect: answer with the original status. */
static int render_httpd_error(request_rec *r)
{
    int status = r->prev->status;
    const char *allow = apr_table_get(r->prev->headers_out, "Allow");

    if (status < 400 || status > 599) {
        status = HTTP_INTERNAL_SERVER_ERROR;
    }
    if (allow == NULL && status == HTTP_METHOD_NOT_ALLOWED) {
        /* httpd refused the method itself (TRACE): name what the path allows. */
        invoice_route_t route;
        if (invoice_router_match(r->prev->method, r->prev->uri, &route)
            == INVOICE_ROUTE_METHOD_NOT_ALLOWED) {
            allow = route.allow;
        }
    }
    if (allow) {
        apr_table_setn(r->headers_out, "Allow", allow);
    }
    return invoice_http_send_problem(r, status, detail_for_status(r->prev, status),
                                     NULL);
}

static int unauthorized(request_rec *r, invoice_role_t role)
{
    const char *scheme = role == INVOICE_ROLE_SENDER ? "sender" : "consumer";

    apr_table_setn(r->err_headers_out, "WWW-Authenticate",
                   apr_pstrcat(r->pool, scheme, " realm=\"mod_invoice\"", NULL));
    return invoice_http_send_problem(r, HTTP_UNAUTHORIZED,
        apr_pstrcat(r->pool, "Authorization must be \"", scheme,
                    " <id>\" with an id from 1 to 2147483647", NULL), NULL);
}

static int api_handler(request_rec *r)
{
    invoice_route_t route;
    int caller = 0;

    if (r->prev != NULL && strcmp(r->uri, PROBLEM_PATH) == 0) {
        return render_httpd_error(r);
    }
    switch (invoice_router_match(r->method, r->uri, &route)) {
    case INVOICE_ROUTE_NOT_FOUND:
        ap_discard_request_body(r);
        return invoice_http_send_problem(r, HTTP_NOT_FOUND, "no such resource",
                                         NULL);
    case INVOICE_ROUTE_METHOD_NOT_ALLOWED:
        ap_discard_request_body(r);
        apr_table_setn(r->err_headers_out, "Allow", route.allow);
        return invoice_http_send_problem(r, HTTP_METHOD_NOT_ALLOWED,
            apr_pstrcat(r->pool, route.template, " allows ", route.allow, NULL),
            NULL);
    case INVOICE_ROUTE_OK:
        break;
    }
    if (!invoice_auth_parse(apr_table_get(r->headers_in, "Authorization"),
                            route.role, &caller)) {
        invoice_req_identify(r, route.action, route.role, 0, route.id);
        ap_discard_request_body(r);
        return unauthorized(r, route.role);
    }
    invoice_req_identify(r, route.action, route.role, caller, route.id);
    if (route.action != INVOICE_ACTION_SENDER_CREATE
        && route.action != INVOICE_ACTION_SENDER_UPLOAD) {
        ap_discard_request_body(r);
    }
    return invoice_handler_for(route.action)(r, &route, caller);
}

static int invoice_handler(request_rec *r)
{
    if (r->handler == NULL) {
        return DECLINED;
    }
    if (strcmp(r->handler, INVOICE_HANDLER) == 0) {
        return api_handler(r);
    }
    if (strcmp(r->handler, INVOICE_HEALTH_HANDLER) == 0) {
        return invoice_ops_health(r);
    }
    if (strcmp(r->handler, INVOICE_METRICS_HANDLER) == 0) {
        return invoice_ops_metrics(r);
    }
    return DECLINED;
}

static int invoice_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                               apr_pool_t *ptemp, server_rec *s)
{
    const char *err = invoice_storage_init();

    /* Statements must reach mod_dbd before it builds connections. */
    for (server_rec *sv = s; err == NULL && sv != NULL; sv = sv->next) {
        err = invoice_storage_register(sv);
    }
    if (err != NULL) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, "%s", err);
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    invoice_ops_post_config(pconf, s);  /* metrics are optional: logged */
    return OK;
}

/* The API is a namespace, not files: httpd must not map its paths onto
 * DocumentRoot (that fails with a 403 for ids past PATH_MAX, and costs a
 * stat per request).  r->filename names the module, as mod_proxy's
 * "proxy:" does. */
static int is_api_path(const char *uri)
{
    return strncmp(uri, "/api/", 5) == 0 || strcmp(uri, "/api") == 0;
}

static int invoice_translate_name(request_rec *r)
{
    if (!is_api_path(r->uri)) {
        return DECLINED;
    }
    r->filename = apr_pstrcat(r->pool, "invoice:", r->uri, NULL);
    return OK;
}

static int invoice_map_to_storage(request_rec *r)
{
    return is_api_path(r->uri) ? OK : DECLINED;
}

static void invoice_register_hooks(apr_pool_t *p)
{
    static const char *const before_dbd[] = { "mod_dbd.c", NULL };

    ap_hook_post_config(invoice_post_config, NULL, before_dbd, APR_HOOK_MIDDLE);
    ap_hook_handler(invoice_handler, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_translate_name(invoice_translate_name, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_map_to_storage(invoice_map_to_storage, NULL, NULL, APR_HOOK_FIRST);
    ap_hook_fixups(invoice_ops_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_log_transaction(invoice_ops_log_transaction, NULL, NULL,
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
