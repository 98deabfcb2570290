/* The list routes' ?limit=N&starting_after=<id>.  Pure code. */
#include "core/request/list_query.h"

#include <string.h>

#include "core/http/query.h"
#include "core/util/decimal.h"

typedef struct {
    const char *name;
    int (*parse)(const char *v, size_t n, invoice_list_query_t *q);
    const char *bad_value;
    const char *repeated;
} param_def;

static int parse_limit(const char *v, size_t n, invoice_list_query_t *q)
{
    int limit;

    if (!invoice_parse_positive_id(v, n, &limit)
        || limit > INVOICE_LIST_LIMIT_MAX) {
        return 0;
    }
    q->limit = limit;
    return 1;
}

/* An event id: 1..2^63-1 in plain decimal. */
static int parse_event_id(const char *v, size_t n, char *out)
{
    static const char max[] = "9223372036854775807";

    if (n == 0 || n > sizeof(max) - 1 || v[0] == '0') {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i] < '0' || v[i] > '9') {
            return 0;
        }
    }
    if (n == sizeof(max) - 1 && memcmp(v, max, n) > 0) {
        return 0;
    }
    memcpy(out, v, n);
    out[n] = '\0';
    return 1;
}

static int parse_after(const char *v, size_t n, invoice_list_query_t *q)
{
    return q->events ? parse_event_id(v, n, q->starting_after)
                     : invoice_uuid_parse(v, n, q->starting_after);
}

static int parse_status(const char *v, size_t n, invoice_list_query_t *q)
{
    q->status = q->events ? INVOICE_STATUS_NONE : invoice_status_parse(v, n);
    return q->status != INVOICE_STATUS_NONE;
}

static const param_def params[] = {
    { "limit", parse_limit, "limit must be an integer between 1 and 1000",
      "limit may be given only once" },
    { "starting_after", parse_after, "starting_after must be an invoice id",
      "starting_after may be given only once" },
    { "status", parse_status, "status must be one of: open, paid, void",
      "status may be given only once" },
};

#define NPARAMS (sizeof(params) / sizeof(params[0]))

/* The known parameter called name[0..len), or -1. */
static int find_param(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < NPARAMS; i++) {
        if (strlen(params[i].name) == len
            && memcmp(params[i].name, name, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

typedef struct {
    invoice_list_query_t *q;
    unsigned seen;
    const char **err;
} parse_state_t;

static int parse_pair(void *ctx, const char *name, size_t nlen,
                      const char *val, size_t vlen)
{
    parse_state_t *st = ctx;
    char decoded_name[16], value[64];
    size_t n;
    invoice_query_decode_t ds;
    int k;

    /* A name that does not decode, or is too long, is not one of ours;
     * nor is status on an events route. */
    if (invoice_query_decode(name, nlen, decoded_name, sizeof(decoded_name), &n)
            != INVOICE_QUERY_DECODED
        || (k = find_param(decoded_name, n)) < 0
        || (st->q->events && params[k].parse == parse_status)) {
        return 1;
    }
    if (st->seen & (1u << k)) {
        *st->err = params[k].repeated;
        return 0;
    }
    st->seen |= 1u << k;
    ds = invoice_query_decode(val, vlen, value, sizeof(value), &n);
    if (ds == INVOICE_QUERY_BAD_ESCAPE) {
        *st->err = "bad percent escape in query string";
        return 0;
    }
    if (ds != INVOICE_QUERY_DECODED || n == 0 || !params[k].parse(value, n, st->q)) {
        *st->err = st->q->events && params[k].parse == parse_after
                       ? "starting_after must be an event id" : params[k].bad_value;
        return 0;
    }
    return 1;
}

static int parse_query(const char *args, invoice_list_query_t *q, int events,
                       const char **err)
{
    parse_state_t st = { q, 0, err };

    q->limit = INVOICE_LIST_LIMIT_DEFAULT;
    q->starting_after[0] = '\0';
    q->status = INVOICE_STATUS_NONE;
    q->events = events;
    return invoice_query_each(args, parse_pair, &st);
}

int invoice_list_query_parse(const char *args, invoice_list_query_t *q,
                             const char **err)
{
    return parse_query(args, q, 0, err);
}

int invoice_events_query_parse(const char *args, invoice_list_query_t *q,
                               const char **err)
{
    return parse_query(args, q, 1, err);
}
