/* Reading binary results: PostgreSQL's wire formats for the columns the
 * store reads, and invoice rows decoded by column name. */
#ifndef MOD_INVOICE_STORE_PG_ROWS_H
#define MOD_INVOICE_STORE_PG_ROWS_H

#include <libpq-fe.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "core/invoice.h"

/** A binary int2 (big-endian). */
int invoice_pg_int2(const char *p);

/** A binary int8 (big-endian). */
apr_int64_t invoice_pg_int8(const char *p);

/** A binary timestamptz: microseconds since 2000-01-01 UTC. */
apr_time_t invoice_pg_time(const char *p);

/** Write v big-endian into bytes p[0..n) (COPY's binary format). */
void invoice_pg_put_be(unsigned char *p, apr_uint64_t v, int n);

/**
 * Every row of a binary result of invoice columns (INVOICE_COLS of
 * statements.c, found by name) into out[0..max): strings are copied into
 * pool or point into res (which must live as long).
 * @return the rows decoded, or -1 when a column is missing (a bug)
 */
int invoice_pg_invoices(apr_pool_t *pool, PGresult *res, invoice_t *out,
                        int max);

/** The events of res (EVENT_COLS of statements.c) into out[0..max): how
 *  many, or -1 when a column is missing. */
int invoice_pg_events(apr_pool_t *pool, PGresult *res, invoice_event_t *out,
                      int max);

#endif
