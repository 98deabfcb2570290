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

static int parse_after(const char *v, size_t n, invoice_list_query_t *q)
{
    return invoice_uuid_parse(v, n, q->starting_after);
}

static const param_def params[] = {
    { "limit", parse_limit, "limit must be an integer between 1 and 1000",
      "limit may be given only once" },
    { "starting_after", parse_after, "starting_after must be an invoice id",
      "starting_after may be given only once" },
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

    /* A name that does not decode, or is too long, is not one of ours. */
    if (invoice_query_decode(name, nlen, decoded_name, sizeof(decoded_name), &n)
            != INVOICE_QUERY_DECODED
        || (k = find_param(decoded_name, n)) < 0) {
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
        *st->err = params[k].bad_value;
        return 0;
    }
    return 1;
}

int invoice_list_query_parse(const char *args, invoice_list_query_t *q,
                             const char **err)
{
    parse_state_t st = { q, 0, err };

    q->limit = INVOICE_LIST_LIMIT_DEFAULT;
    q->starting_after[0] = '\0';
    return invoice_query_each(args, parse_pair, &st);
}
