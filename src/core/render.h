/* JSON rendering of invoices.  Pure code. */
#ifndef MOD_INVOICE_CORE_RENDER_H
#define MOD_INVOICE_CORE_RENDER_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#include "core/invoice.h"

/** RFC 3339 UTC with microseconds ("2026-11-24T10:00:00.000001Z") of a
 *  time in microseconds since the Unix epoch. */
const char *invoice_render_time(apr_pool_t *p, apr_time_t t);

/** {"data": {...}} for one invoice. */
const char *invoice_render_one(apr_pool_t *p, const invoice_t *inv,
                               apr_size_t *len);

/** {"data": [...], "has_more": b} for an array of invoice_t. */
const char *invoice_render_list(apr_pool_t *p, const apr_array_header_t *items,
                                int has_more, apr_size_t *len);

/** {"data": [...], "has_more": b} for an array of invoice_event_t. */
const char *invoice_render_events(apr_pool_t *p,
                                  const apr_array_header_t *events,
                                  int has_more, apr_size_t *len);

#endif
