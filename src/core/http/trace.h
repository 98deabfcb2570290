/* W3C Trace Context (traceparent) handling.  Pure code: randomness comes
 * from the caller. */
#ifndef MOD_INVOICE_CORE_HTTP_TRACE_H
#define MOD_INVOICE_CORE_HTTP_TRACE_H

#define INVOICE_TRACE_ID_LEN 32     /* hex digits */
#define INVOICE_SPAN_ID_LEN 16      /* hex digits */
#define INVOICE_TRACEPARENT_LEN 55  /* "00-" trace "-" span "-" flags */

typedef struct {
    char trace_id[INVOICE_TRACE_ID_LEN + 1];
    char parent_id[INVOICE_SPAN_ID_LEN + 1];    /* the caller's span, "" if none */
    char span_id[INVOICE_SPAN_ID_LEN + 1];      /* this request's span */
    char flags[3];
} invoice_trace_t;

/**
 * Start the trace of a request.  When header is a valid traceparent
 * (version 00 exactly 55 characters; a later version at least that, with
 * '-' after; lowercase hex; ids not all zero; version not ff) the trace id
 * and flags are taken from it and parent_id is its span; otherwise a new
 * trace id comes from random[0..16) (flags "00", no parent).  The span id
 * always comes from random[16..24).
 * @return 1 when the header was used, 0 when a new trace was started
 */
int invoice_trace_start(const char *header, const unsigned char random[24],
                        invoice_trace_t *out);

/** The traceparent to send on: "00-<trace>-<span>-<flags>" into out[56]. */
void invoice_trace_format(const invoice_trace_t *t,
                          char out[INVOICE_TRACEPARENT_LEN + 1]);

#endif
