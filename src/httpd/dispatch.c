/* From a request to an answer.  See dispatch.h. */
#include "httpd/dispatch.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>

#include "core/routes.h"
#include "httpd/config.h"
#include "httpd/context.h"
#include "httpd/db.h"
#include "httpd/handlers.h"
#include "httpd/ops.h"
#include "httpd/respond.h"
#include "identity/identity.h"

/* The handler of each action, from the one route table. */
static invoice_handler_fn *const handlers[INVOICE_ACTION_COUNT] = {
#define INVOICE_ROUTE(action, method, template, role, body, handler, label) \
    [INVOICE_ACTION_##action] = handler,
#define INVOICE_OPS(action, label)
#include "core/routes.def"
#undef INVOICE_ROUTE
#undef INVOICE_OPS
};

/* Target of the shipped `ErrorDocument` lines: errors that httpd itself
 * raises inside the API (413 from LimitRequestBody, 400 from bad chunking,
 * 405 from TraceEnable off ...) come back here to be rendered as
 * problem+json like every other error of the API. */
#define PROBLEM_PATH INVOICE_MOUNT "/.problem"

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
    const char *path = invoice_config_below_mount(r->prev->uri);
    invoice_route_t route;

    if (status < 400 || status > 599) {
        status = HTTP_INTERNAL_SERVER_ERROR;
    }
    /* httpd refused the method itself (TRACE): name what the path allows. */
    if (allow == NULL && status == HTTP_METHOD_NOT_ALLOWED && path != NULL
        && invoice_route_match(r->prev->method, path, &route)
               == INVOICE_ROUTE_METHOD_NOT_ALLOWED) {
        allow = apr_pstrdup(r->pool, route.allow);
    }
    if (allow) {
        apr_table_setn(r->headers_out, "Allow", allow);
    }
    return invoice_send_problem(r, status, detail_for_status(r->prev, status),
                                NULL);
}

/* No route: 404, or 405 naming what the path allows. */
static int unrouted(request_rec *r, invoice_route_status_t st,
                    const invoice_route_t *route)
{
    ap_discard_request_body(r);
    if (st == INVOICE_ROUTE_NOT_FOUND) {
        return invoice_send_problem(r, HTTP_NOT_FOUND, "no such resource", NULL);
    }
    return invoice_send_not_allowed(r, apr_pstrdup(r->pool, route->allow),
        apr_pstrcat(r->pool, INVOICE_MOUNT, route->template, " allows ",
                    route->allow, NULL));
}

static int unauthenticated(request_rec *r, const invoice_identity_refusal_t *why)
{
    ap_discard_request_body(r);
    apr_table_setn(r->err_headers_out, "WWW-Authenticate", why->challenge);
    return invoice_send_problem(r, HTTP_UNAUTHORIZED, why->detail, NULL);
}

static int api_handler(request_rec *r)
{
    const char *path = invoice_config_below_mount(r->uri);
    invoice_route_t route;
    invoice_route_status_t st;
    invoice_call_t call = { r, &route, { 0, 0 }, NULL };
    invoice_identity_refusal_t why;

    if (r->prev != NULL && strcmp(r->uri, PROBLEM_PATH) == 0) {
        return render_httpd_error(r);
    }
    st = path ? invoice_route_match(r->method, path, &route)
              : INVOICE_ROUTE_NOT_FOUND;
    if (st != INVOICE_ROUTE_OK) {
        return unrouted(r, st, &route);
    }
    if (invoice_identity_of(r, route.role, &call.caller, &why)
            != INVOICE_IDENTITY_OK) {
        invoice_req_identify(r, route.action, NULL, route.id);
        return unauthenticated(r, &why);
    }
    invoice_req_identify(r, route.action, &call.caller, route.id);
    if (route.def->body == INVOICE_BODY_DISCARD) {
        ap_discard_request_body(r);
    }
    call.store = invoice_db_store(r);
    return handlers[route.action](&call);
}

int invoice_dispatch_handler(request_rec *r)
{
    if (r->handler == NULL) {
        return DECLINED;
    }
    if (strcmp(r->handler, INVOICE_API_HANDLER) == 0) {
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

/* r->filename names the module, as mod_proxy's "proxy:" does. */
int invoice_dispatch_translate_name(request_rec *r)
{
    if (invoice_config_below_mount(r->uri) == NULL) {
        return DECLINED;
    }
    r->filename = apr_pstrcat(r->pool, "invoice:", r->uri, NULL);
    return OK;
}

int invoice_dispatch_map_to_storage(request_rec *r)
{
    return invoice_config_below_mount(r->uri) ? OK : DECLINED;
}
