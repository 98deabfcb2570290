/* The list routes' query string: ?limit=N&starting_after=<id>&status=S,
 * and the events routes' ?limit=N&starting_after=<event id>.  Pure code. */
#ifndef MOD_INVOICE_CORE_REQUEST_LIST_QUERY_H
#define MOD_INVOICE_CORE_REQUEST_LIST_QUERY_H

#include "core/invoice.h"
#include "core/util/uuid.h"

#define INVOICE_LIST_LIMIT_DEFAULT 100
#define INVOICE_LIST_LIMIT_MAX 1000

typedef struct {
    int limit;                                  /* 1..INVOICE_LIST_LIMIT_MAX */
    char starting_after[INVOICE_UUID_LEN + 1];  /* "" when absent */
    invoice_status_t status;                    /* NONE when absent */
    int events;             /* set by the parser: starting_after is an event
                             * id (decimal), status is not a parameter */
} invoice_list_query_t;

/**
 * Parse r->args (raw, still percent-encoded; NULL or "" means no query).
 * Pairs are separated by '&'; names and values are percent-decoded ('+' is
 * a space).  limit: decimal 1..1000, ASCII digits only, no sign, no
 * leading zeros ("010" is refused).  starting_after: a UUID.  status:
 * open, paid or void.
 * Unknown names are ignored (so cache-busting parameters do no harm); a
 * known name given twice, an empty value, a bad percent escape in a known
 * pair, or a value out of range is an error.
 *
 * Names are case-sensitive and compared after decoding ("%6cimit" is
 * limit, "Limit" is unknown); a name that does not decode is unknown.  A
 * name with no '=' has an empty value.  Twice is an error even with equal
 * values.  On error q holds defaults or part of the values: do not use it.
 *
 * @param err  on failure, a static English detail such as
 *             "limit must be an integer between 1 and 1000" or
 *             "starting_after must be an invoice id"
 * @return 1 on success (q filled, defaults applied), 0 on error
 */
int invoice_list_query_parse(const char *args, invoice_list_query_t *q,
                             const char **err);

/**
 * The same for an events route: limit, and starting_after an event id (a
 * positive decimal integer below 2^63, no leading zero): "starting_after
 * must be an event id".  status is not one of its parameters.
 */
int invoice_events_query_parse(const char *args, invoice_list_query_t *q,
                               const char **err);

#endif
