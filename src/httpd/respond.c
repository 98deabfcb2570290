/* Writing responses.  See respond.h. */
#include "httpd/respond.h"

#include <http_protocol.h>

static int send_body(request_rec *r, int status, const char *type,
                     const char *body, apr_size_t len)
{
    r->status = status;
    ap_set_content_type(r, type);
    ap_set_content_length(r, (apr_off_t)len);
    if (!r->header_only) {
        ap_rwrite(body, (int)len, r);
    }
    return DONE;
}

int invoice_send_json(request_rec *r, int status, const char *body,
                      apr_size_t len)
{
    return send_body(r, status, "application/json", body, len);
}

int invoice_send_problem(request_rec *r, int status, const char *detail,
                         const invoice_field_errors_t *errors)
{
    apr_size_t len;
    const char *body = invoice_problem_render(r->pool, status, detail, errors,
                                              &len);
    return send_body(r, status, INVOICE_PROBLEM_MEDIA, body, len);
}

int invoice_send_problem_members(request_rec *r, int status,
                                 const char *detail,
                                 const char *const *members)
{
    apr_size_t len;
    const char *body = invoice_problem_render_members(r->pool, status, detail,
                                                      NULL, members, &len);
    return send_body(r, status, INVOICE_PROBLEM_MEDIA, body, len);
}

int invoice_send_not_allowed(request_rec *r, const char *allow,
                             const char *detail)
{
    apr_table_setn(r->err_headers_out, "Allow", allow);
    return invoice_send_problem(r, HTTP_METHOD_NOT_ALLOWED, detail, NULL);
}

int invoice_send_unavailable(request_rec *r, const char *detail,
                             const char *cause)
{
    const char *members[] = { "cause", cause, NULL };

    apr_table_setn(r->err_headers_out, "Retry-After",
                   INVOICE_RETRY_AFTER_SECONDS);
    return invoice_send_problem_members(r, HTTP_SERVICE_UNAVAILABLE, detail,
                                        cause ? members : NULL);
}
