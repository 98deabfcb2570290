/* Query strings.  See query.h.  Every value the API accepts is short, so
 * names and values are decoded into small buffers of the caller's. */
#include "core/http/query.h"

#include <string.h>

#include "core/util/hex.h"

invoice_query_decode_t invoice_query_decode(const char *s, size_t len,
                                            char *out, size_t cap,
                                            size_t *outlen)
{
    size_t i = 0, o = 0;

    while (i < len) {
        char c = s[i++];

        if (c == '%') {
            int hi, lo;

            if (len - i < 2 || (hi = invoice_hex_digit(s[i])) < 0
                || (lo = invoice_hex_digit(s[i + 1])) < 0) {
                return INVOICE_QUERY_BAD_ESCAPE;
            }
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        else if (c == '+') {
            c = ' ';
        }
        if (o == cap) {
            return INVOICE_QUERY_TOO_LONG;
        }
        out[o++] = c;
    }
    *outlen = o;
    return INVOICE_QUERY_DECODED;
}

int invoice_query_each(const char *args,
                       int (*fn)(void *ctx, const char *name, size_t nlen,
                                 const char *value, size_t vlen),
                       void *ctx)
{
    while (args != NULL && *args != '\0') {
        size_t plen = strcspn(args, "&");
        const char *eq = memchr(args, '=', plen);
        size_t nlen = eq ? (size_t)(eq - args) : plen;
        const char *val = eq ? eq + 1 : args + plen;

        if (!fn(ctx, args, nlen, val, (size_t)(args + plen - val))) {
            return 0;
        }
        args += plen;
        if (*args == '&') {
            args++;
        }
    }
    return 1;
}

typedef struct {
    const char *name;
    char *out;
    size_t cap, *len;
    int found;
} lookup_t;

static int lookup_pair(void *ctx, const char *name, size_t nlen,
                       const char *value, size_t vlen)
{
    lookup_t *l = ctx;
    char decoded[64];
    size_t n;

    if (invoice_query_decode(name, nlen, decoded, sizeof(decoded), &n)
            != INVOICE_QUERY_DECODED
        || n != strlen(l->name) || memcmp(decoded, l->name, n) != 0) {
        return 1;   /* another parameter */
    }
    if (l->found++ > 0
        || invoice_query_decode(value, vlen, l->out, l->cap, l->len)
               != INVOICE_QUERY_DECODED) {
        l->found = -1;
        return 0;
    }
    return 1;
}

int invoice_query_value(const char *args, const char *name, char *out,
                        size_t cap, size_t *len)
{
    lookup_t l = { name, out, cap, len, 0 };

    invoice_query_each(args, lookup_pair, &l);
    return l.found;
}
