/* JSON rendering of invoices and events.  Every value but the sender's
 * reference is a number, a boolean, or text produced or checked by this
 * service (UUIDs, allow-listed media types and currency codes, dates and
 * timestamps formatted here), so only the reference is escaped and a
 * single printf per invoice keeps the list path cheap. */
#include "core/render.h"

#include <apr_strings.h>

#include "core/util/json.h"

const char *invoice_render_time(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t e;

    apr_time_exp_gmt(&e, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                        e.tm_year + 1900, e.tm_mon + 1, e.tm_mday, e.tm_hour,
                        e.tm_min, e.tm_sec, e.tm_usec);
}

/* A JSON string or null. */
static const char *text_or_null(apr_pool_t *p, const char *s)
{
    return s ? invoice_json_quote(p, s) : "null";
}

/* Text this service produced (timestamps, dates, codes): no escaping. */
static const char *ours_or_null(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrcat(p, "\"", s, "\"", NULL) : "null";
}

static const char *render_object(apr_pool_t *p, const invoice_t *inv)
{
    return apr_psprintf(p,
        "{\"id\":\"%s\",\"sender_id\":%d,\"receiver_id\":%d,"
        "\"file_type\":\"%s\",\"file_size\":%d,\"status\":\"%s\","
        "\"amount\":%s,\"currency\":%s,\"due_date\":%s,\"reference\":%s,"
        "\"is_payable\":%s,\"paid_at\":%s,\"voided_at\":%s,"
        "\"first_downloaded_at\":%s,\"inserted_at\":\"%s\",\"updated_at\":\"%s\"}",
        inv->id, inv->sender_id, inv->receiver_id, inv->file_type,
        inv->file_size, invoice_status_name(inv->status),
        inv->has_amount ? apr_psprintf(p, "%" APR_INT64_T_FMT,
                                       (apr_int64_t)inv->amount) : "null",
        ours_or_null(p, inv->currency), ours_or_null(p, inv->due_date),
        text_or_null(p, inv->reference), inv->is_payable ? "true" : "false",
        ours_or_null(p, inv->paid_at), ours_or_null(p, inv->voided_at),
        ours_or_null(p, inv->first_downloaded_at), inv->inserted_at,
        inv->updated_at);
}

const char *invoice_render_one(apr_pool_t *p, const invoice_t *inv,
                               apr_size_t *len)
{
    const char *s = apr_pstrcat(p, "{\"data\":", render_object(p, inv), "}",
                                NULL);
    *len = strlen(s);
    return s;
}

static const char *render_event(apr_pool_t *p, const invoice_event_t *ev)
{
    return apr_psprintf(p, "{\"id\":\"%s\",\"type\":\"%s\",\"invoice_id\":"
                        "\"%s\",\"created_at\":\"%s\",\"data\":%s}", ev->id,
                        invoice_event_type_name(ev->type), ev->invoice.id,
                        ev->created_at, render_object(p, &ev->invoice));
}

/* {"data": [item, ...], "has_more": b} */
static const char *render_page(apr_pool_t *p, const apr_array_header_t *items,
                               const char *(*item)(apr_pool_t *, const void *),
                               int has_more, apr_size_t *len)
{
    apr_array_header_t *parts = apr_array_make(p, items->nelts + 1,
                                               sizeof(const char *));
    const char *s;

    for (int i = 0; i < items->nelts; i++) {
        *(const char **)apr_array_push(parts) =
            item(p, items->elts + (size_t)i * (size_t)items->elt_size);
    }
    s = apr_pstrcat(p, "{\"data\":[", apr_array_pstrcat(p, parts, ','),
                    "],\"has_more\":", has_more ? "true" : "false", "}", NULL);
    *len = strlen(s);
    return s;
}

static const char *invoice_item(apr_pool_t *p, const void *item)
{
    return render_object(p, item);
}

static const char *event_item(apr_pool_t *p, const void *item)
{
    return render_event(p, item);
}

const char *invoice_render_list(apr_pool_t *p, const apr_array_header_t *items,
                                int has_more, apr_size_t *len)
{
    return render_page(p, items, invoice_item, has_more, len);
}

const char *invoice_render_events(apr_pool_t *p,
                                  const apr_array_header_t *events,
                                  int has_more, apr_size_t *len)
{
    return render_page(p, events, event_item, has_more, len);
}
