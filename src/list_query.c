/* Query strings: the list routes' ?limit=N&starting_after=<id>, and
 * single values such as the raw upload's ?receiver_id=N.
 * Pure code: names and values are percent-decoded into small stack
 * buffers, since every value we accept is short. */
#include "list_query.h"

#include "auth.h"

#include <string.h>

typedef enum { DEC_OK, DEC_BAD_ESCAPE, DEC_TOO_LONG } dec_status;

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

/* Form-decode s[0..len) into out[0..cap): %XX escapes, '+' is a space. */
static dec_status form_decode(const char *s, size_t len, char *out,
                              size_t cap, size_t *outlen)
{
    size_t i = 0, o = 0;

    while (i < len) {
        char c = s[i++];

        if (c == '%') {
            int hi, lo;

            if (len - i < 2 || (hi = invoice_hex_digit(s[i])) < 0
                || (lo = invoice_hex_digit(s[i + 1])) < 0) {
                return DEC_BAD_ESCAPE;
            }
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        else if (c == '+') {
            c = ' ';
        }
        if (o == cap) {
            return DEC_TOO_LONG;
        }
        out[o++] = c;
    }
    *outlen = o;
    return DEC_OK;
}

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

static int parse_pair(const char *pair, size_t len, invoice_list_query_t *q,
                      unsigned *seen, const char **err)
{
    const char *eq = memchr(pair, '=', len);
    size_t nlen = eq ? (size_t)(eq - pair) : len;
    const char *val = eq ? eq + 1 : pair + len;
    size_t vlen = eq ? len - nlen - 1 : 0;
    char name[16], value[64];
    size_t n;
    dec_status ds;
    int k;

    /* A name that does not decode, or is too long, is not one of ours. */
    if (form_decode(pair, nlen, name, sizeof(name), &n) != DEC_OK
        || (k = find_param(name, n)) < 0) {
        return 1;
    }
    if (*seen & (1u << k)) {
        *err = params[k].repeated;
        return 0;
    }
    *seen |= 1u << k;
    ds = form_decode(val, vlen, value, sizeof(value), &n);
    if (ds == DEC_BAD_ESCAPE) {
        *err = "bad percent escape in query string";
        return 0;
    }
    if (ds != DEC_OK || n == 0 || !params[k].parse(value, n, q)) {
        *err = params[k].bad_value;
        return 0;
    }
    return 1;
}

int invoice_list_query_parse(const char *args, invoice_list_query_t *q,
                             const char **err)
{
    unsigned seen = 0;

    q->limit = INVOICE_LIST_LIMIT_DEFAULT;
    q->starting_after[0] = '\0';
    if (args == NULL) {
        return 1;
    }
    while (*args != '\0') {
        size_t len = strcspn(args, "&");

        if (!parse_pair(args, len, q, &seen, err)) {
            return 0;
        }
        args += len;
        if (*args == '&') {
            args++;
        }
    }
    return 1;
}

int invoice_query_value(const char *args, const char *name, char *out,
                        size_t cap, size_t *len)
{
    size_t name_len = strlen(name);
    int found = 0;

    while (args != NULL && *args != '\0') {
        size_t plen = strcspn(args, "&");
        const char *eq = memchr(args, '=', plen);
        size_t nlen = eq ? (size_t)(eq - args) : plen;
        char decoded[64];
        size_t n;

        if (form_decode(args, nlen, decoded, sizeof(decoded), &n) == DEC_OK
            && n == name_len && memcmp(decoded, name, n) == 0) {
            const char *val = eq ? eq + 1 : args + plen;
            if (found++ > 0
                || form_decode(val, (size_t)(args + plen - val), out, cap, len)
                       != DEC_OK) {
                return -1;
            }
        }
        args += plen;
        if (*args == '&') {
            args++;
        }
    }
    return found;
}
