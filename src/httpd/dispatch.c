/* From a request to an answer.  See dispatch.h. */
#include "httpd/dispatch.h"

#include <http_protocol.h>
#include <http_request.h>
#include <apr_strings.h>

#include "core/routes.h"
#include "httpd/body.h"
#include "httpd/config.h"
#include "httpd/context.h"
#include "httpd/db.h"
#include "httpd/errors.h"
#include "httpd/handlers.h"
#include "httpd/ops.h"
#include "httpd/private.h"
#include "httpd/respond.h"

/* The handler of each action, from the one route table. */
static invoice_handler_fn *const handlers[INVOICE_ACTION_COUNT] = {
#define INVOICE_ROUTE(action, method, template, role, body, handler, label) \
    [INVOICE_ACTION_##action] = handler,
#define INVOICE_OPS(action, label)
#include "core/routes.def"
#undef INVOICE_ROUTE
#undef INVOICE_OPS
};

/* r->filename of a claimed request. */
#define CLAIMED "invoice:"

int invoice_dispatch_translate_name(request_rec *r)
{
    if (invoice_config_below_mount(r) == NULL) {
        return DECLINED;
    }
    r->filename = apr_pstrcat(r->pool, CLAIMED, r->uri, NULL);
    return OK;
}

/* The per-directory configuration is the server's here (httpd resets it
 * before this hook): the claim is read from r->filename. */
int invoice_dispatch_map_to_storage(request_rec *r)
{
    return r->filename != NULL
           && strncmp(r->filename, CLAIMED, sizeof(CLAIMED) - 1) == 0
               ? OK : DECLINED;
}

int invoice_dispatch_fixups(request_rec *r)
{
    if (invoice_config_below_mount(r) != NULL) {
        r->handler = INVOICE_API_HANDLER;
    }
    return DECLINED;
}

/* No route: 404, or 405 naming what the path allows. */
static int unrouted(request_rec *r, invoice_route_status_t st,
                    const invoice_route_t *route)
{
    invoice_body_refuse(r);
    if (st == INVOICE_ROUTE_NOT_FOUND) {
        return invoice_send_problem(r, HTTP_NOT_FOUND, "no such resource", NULL);
    }
    return invoice_send_not_allowed(r, apr_pstrdup(r->pool, route->allow),
        apr_pstrcat(r->pool, invoice_config_mount_prefix(r), route->template,
                    " allows ", route->allow, NULL));
}

static int refused(request_rec *r, invoice_identity_status_t st,
                   const invoice_identity_refusal_t *why)
{
    invoice_body_refuse(r);
    if (why->log != NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, INVLOGNO(00103) "%s",
                      why->log);    /* the error log escapes it */
    }
    if (why->challenge != NULL) {
        apr_table_setn(r->err_headers_out, "WWW-Authenticate", why->challenge);
    }
    return invoice_send_problem(r, st == INVOICE_IDENTITY_FORBIDDEN
                                       ? HTTP_FORBIDDEN : HTTP_UNAUTHORIZED,
                                why->detail, NULL);
}

static int api_handler(request_rec *r)
{
    const char *path = invoice_config_below_mount(r);
    invoice_route_t route;
    invoice_route_status_t st;
    invoice_call_t call = { r, &route, { 0, 0 }, NULL };
    invoice_identity_refusal_t why;
    invoice_identity_status_t who;

    st = path ? invoice_route_match(r->method, path, &route)
              : INVOICE_ROUTE_NOT_FOUND;
    if (st != INVOICE_ROUTE_OK) {
        return unrouted(r, st, &route);
    }
    /* A route of no role (the API's description) has no caller. */
    who = route.role == INVOICE_ROLE_NONE
              ? INVOICE_IDENTITY_OK
              : invoice_identity_of(r, &invoice_config_dir(r)->identity,
                                    route.role, &call.caller, &why);
    if (who != INVOICE_IDENTITY_OK) {
        invoice_req_identify(r, route.action, NULL, route.id);
        return refused(r, who, &why);
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
    if (strcmp(r->handler, INVOICE_PROBLEM_HANDLER) == 0) {
        return invoice_errors_document(r);
    }
    if (strcmp(r->handler, INVOICE_HEALTH_HANDLER) == 0) {
        return invoice_ops_health(r);
    }
    if (strcmp(r->handler, INVOICE_METRICS_HANDLER) == 0) {
        return invoice_ops_metrics(r);
    }
    return DECLINED;
}
