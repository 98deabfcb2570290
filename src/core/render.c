/* JSON rendering of invoices.  Every value is either a number, a boolean,
 * or text produced by this service (UUIDs, allow-listed media types,
 * timestamps formatted here), so no escaping is needed and a
 * single printf per invoice keeps the list path cheap. */
#include "core/render.h"

#include <apr_strings.h>

const char *invoice_render_time(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t e;

    apr_time_exp_gmt(&e, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                        e.tm_year + 1900, e.tm_mon + 1, e.tm_mday, e.tm_hour,
                        e.tm_min, e.tm_sec, e.tm_usec);
}

static const char *render_object(apr_pool_t *p, const invoice_t *inv)
{
    return apr_psprintf(p,
        "{\"id\":\"%s\",\"sender_id\":%d,\"receiver_id\":%d,"
        "\"file_type\":\"%s\",\"file_size\":%d,\"is_payable\":%s,"
        "\"paid_at\":%s%s%s,\"inserted_at\":\"%s\",\"updated_at\":\"%s\"}",
        inv->id, inv->sender_id, inv->receiver_id, inv->file_type,
        inv->file_size, inv->is_payable ? "true" : "false",
        inv->paid_at ? "\"" : "", inv->paid_at ? inv->paid_at : "null",
        inv->paid_at ? "\"" : "", inv->inserted_at, inv->updated_at);
}

const char *invoice_render_one(apr_pool_t *p, const invoice_t *inv,
                               apr_size_t *len)
{
    const char *s = apr_pstrcat(p, "{\"data\":", render_object(p, inv), "}",
                                NULL);
    *len = strlen(s);
    return s;
}

const char *invoice_render_list(apr_pool_t *p, const apr_array_header_t *items,
                                int has_more, apr_size_t *len)
{
    apr_array_header_t *parts = apr_array_make(p, items->nelts + 1,
                                               sizeof(const char *));
    const invoice_t *invs = (const invoice_t *)items->elts;
    const char *s;

    for (int i = 0; i < items->nelts; i++) {
        *(const char **)apr_array_push(parts) = render_object(p, &invs[i]);
    }
    s = apr_pstrcat(p, "{\"data\":[", apr_array_pstrcat(p, parts, ','),
                    "],\"has_more\":", has_more ? "true" : "false", "}", NULL);
    *len = strlen(s);
    return s;
}
