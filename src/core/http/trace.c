/* W3C traceparent.  See trace.h. */
#include "core/http/trace.h"

#include <string.h>

#include "core/util/hex.h"

static int is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
            return 0;
        }
    }
    return 1;
}

static int all_zero(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '0') {
            return 0;
        }
    }
    return 1;
}

/* Layout: vv-tttt(32)-pppp(16)-ff, dashes at 2, 35 and 52. */
static int valid_traceparent(const char *h)
{
    size_t len = strlen(h);

    if (len < INVOICE_TRACEPARENT_LEN || h[2] != '-' || h[35] != '-'
        || h[52] != '-') {
        return 0;
    }
    if (!is_lower_hex(h, 2) || strncmp(h, "ff", 2) == 0
        || !is_lower_hex(h + 3, 32) || all_zero(h + 3, 32)
        || !is_lower_hex(h + 36, 16) || all_zero(h + 36, 16)
        || !is_lower_hex(h + 53, 2)) {
        return 0;
    }
    if (strncmp(h, "00", 2) == 0) {
        return len == INVOICE_TRACEPARENT_LEN;
    }
    /* Later versions may append fields after a dash. */
    return len == INVOICE_TRACEPARENT_LEN || h[INVOICE_TRACEPARENT_LEN] == '-';
}

int invoice_trace_start(const char *header, const unsigned char random[24],
                        invoice_trace_t *out)
{
    int used = header != NULL && valid_traceparent(header);

    if (used) {
        memcpy(out->trace_id, header + 3, INVOICE_TRACE_ID_LEN);
        out->trace_id[INVOICE_TRACE_ID_LEN] = '\0';
        memcpy(out->parent_id, header + 36, INVOICE_SPAN_ID_LEN);
        out->parent_id[INVOICE_SPAN_ID_LEN] = '\0';
        memcpy(out->flags, header + 53, 2);
    }
    else {
        invoice_hex_encode(random, 16, out->trace_id);
        out->parent_id[0] = '\0';
        memcpy(out->flags, "00", 2);
    }
    out->flags[2] = '\0';
    invoice_hex_encode(random + 16, 8, out->span_id);
    return used;
}

void invoice_trace_format(const invoice_trace_t *t,
                          char out[INVOICE_TRACEPARENT_LEN + 1])
{
    memcpy(out, "00-", 3);
    memcpy(out + 3, t->trace_id, INVOICE_TRACE_ID_LEN);
    out[35] = '-';
    memcpy(out + 36, t->span_id, INVOICE_SPAN_ID_LEN);
    out[52] = '-';
    memcpy(out + 53, t->flags, 2);
    out[55] = '\0';
}
