/* httpd's own errors as problem+json.  See errors.h. */
#include "httpd/errors.h"

#include <http_core.h>
#include <http_protocol.h>
#include <http_request.h>
#include <util_filter.h>
#include <apr_strings.h>

#include "core/http/problem.h"
#include "core/routes.h"
#include "httpd/config.h"
#include "httpd/context.h"
#include "httpd/respond.h"
#include "httpd/tracing.h"

#define FILTER_NAME "INVOICE_PROBLEM"

static const char *detail_for_status(request_rec *r, int status)
{
    switch (status) {
    case HTTP_REQUEST_ENTITY_TOO_LARGE:
        return apr_psprintf(r->pool, "request body exceeds the limit of %"
                            APR_OFF_T_FMT " bytes", ap_get_limit_req_body(r));
    case HTTP_UNAUTHORIZED:
        return "authentication required";
    case HTTP_FORBIDDEN:
        return "access denied by the server's rules";
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

/* The route r was for, whatever stopped it: for the access log, the
 * metrics, and the Allow of a 405.  *allow is NULL unless the path is
 * known and the method is not one of its own. */
static void route_of(request_rec *r, request_rec *in_mount, const char **allow)
{
    const char *path = invoice_config_below_mount(in_mount);
    invoice_route_t route;
    invoice_route_status_t st = path
        ? invoice_route_match(r->method, path, &route) : INVOICE_ROUTE_NOT_FOUND;

    *allow = st == INVOICE_ROUTE_METHOD_NOT_ALLOWED
                 ? apr_pstrdup(r->pool, route.allow) : NULL;
    if (st == INVOICE_ROUTE_OK && invoice_req(r)->action == INVOICE_ACTION_NONE) {
        invoice_req_identify(r, route.action, NULL, route.id);
    }
}

typedef struct {
    int started;
    const char *allow;      /* the path's methods, for a 405 */
} filter_ctx_t;

static apr_status_t problem_filter(ap_filter_t *f, apr_bucket_brigade *bb)
{
    request_rec *r = f->r;
    filter_ctx_t *ctx = f->ctx;
    apr_bucket *e = APR_BRIGADE_FIRST(bb);

    if (!ctx->started) {        /* before the headers go out */
        ctx->started = 1;
        ap_set_content_type(r, INVOICE_PROBLEM_MEDIA);
        apr_table_unset(r->headers_out, "Content-Length");
        /* httpd's own 405 names only what it knows (TRACE). */
        if (ctx->allow != NULL && r->status == HTTP_METHOD_NOT_ALLOWED) {
            apr_table_setn(r->headers_out, "Allow", ctx->allow);
        }
    }
    while (e != APR_BRIGADE_SENTINEL(bb) && !APR_BUCKET_IS_EOS(e)) {
        apr_bucket *next = APR_BUCKET_NEXT(e);

        if (!APR_BUCKET_IS_METADATA(e)) {
            apr_bucket_delete(e);   /* httpd's HTML page */
        }
        e = next;
    }
    if (e != APR_BRIGADE_SENTINEL(bb)) {
        apr_size_t len;
        const char *body = invoice_problem_render(
            r->pool, r->status, detail_for_status(r, r->status), NULL, &len);

        APR_BUCKET_INSERT_BEFORE(e, apr_bucket_pool_create(body, len, r->pool,
                                                           f->c->bucket_alloc));
        ap_remove_output_filter(f);
    }
    return ap_pass_brigade(f->next, bb);
}

void invoice_errors_register(void)
{
    ap_register_output_filter(FILTER_NAME, problem_filter, NULL,
                              AP_FTYPE_CONTENT_SET);
}

void invoice_errors_insert_filter(request_rec *r)
{
    filter_ctx_t *ctx;

    if (invoice_config_mount_prefix(r) == NULL) {
        return;
    }
    ctx = apr_pcalloc(r->pool, sizeof(*ctx));
    invoice_tracing_apply(r);
    route_of(r, r, &ctx->allow);
    ap_add_output_filter(FILTER_NAME, ctx, r, r->connection);
}

int invoice_errors_document(request_rec *r)
{
    request_rec *prev = r->prev;
    int status = prev ? prev->status : HTTP_NOT_FOUND;
    const char *allow = prev ? apr_table_get(prev->headers_out, "Allow") : NULL;
    const char *ours;

    if (prev == NULL) {     /* asked for directly: there is nothing here */
        return invoice_send_problem(r, HTTP_NOT_FOUND, "no such resource", NULL);
    }
    if (status < 400 || status > 599) {
        status = HTTP_INTERNAL_SERVER_ERROR;
    }
    route_of(prev, prev, &ours);
    if (status == HTTP_METHOD_NOT_ALLOWED && ours != NULL) {
        allow = ours;
    }
    if (allow != NULL) {
        apr_table_setn(r->headers_out, "Allow", allow);
    }
    return invoice_send_problem(r, status, detail_for_status(prev, status), NULL);
}
