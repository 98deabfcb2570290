/* The events feeds and histories of the PostgreSQL store.  See store.h,
 * and sql/004_lifecycle.sql for why they never skip an event. */
#include "store/pg/handle.h"

#include <stdlib.h>

#include "store/pg/rows.h"
#include "store/pg/statements.h"

/* The statement of the page: a sender's or a consumer's, the feed or one
 * invoice's history, from the start or after a cursor (statements.h). */
static int events_statement(const invoice_event_page_t *page)
{
    int sender = page->caller.role == INVOICE_ROLE_SENDER;
    int base = page->invoice_id
                   ? (sender ? ST_EVENTS_SENDER_INVOICE : ST_EVENTS_RECEIVER_INVOICE)
                   : (sender ? ST_EVENTS_SENDER : ST_EVENTS_RECEIVER);

    return base + (page->after != NULL);
}

/* An empty page after a cursor: the end, or a cursor not in this feed? */
static invoice_store_status_t check_cursor(invoice_pg_t *db,
                                           const invoice_event_page_t *page)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;

    invoice_pg_int(&ps, db->ctx->pool, page->caller.id);
    invoice_pg_text(&ps, page->after);
    status = invoice_pg_run(db, page->caller.role == INVOICE_ROLE_SENDER
                                    ? ST_EVENT_IN_SENDER_FEED
                                    : ST_EVENT_IN_RECEIVER_FEED, &ps, 0, &res);
    if (status != INVOICE_STORE_OK) {
        return status;
    }
    if (PQntuples(res) == 0 || (page->invoice_id != NULL
                                && strcmp(PQgetvalue(res, 0, 0),
                                          page->invoice_id) != 0)) {
        return INVOICE_STORE_BAD_CURSOR;
    }
    return INVOICE_STORE_OK;
}

/* Every events statement takes: caller, limit, [invoice], [cursor]. */
static void events_params(invoice_pg_params_t *ps, apr_pool_t *p,
                          const invoice_event_page_t *page)
{
    invoice_pg_int(ps, p, page->caller.id);
    invoice_pg_int(ps, p, page->limit + 1);  /* one extra row: has_more */
    if (page->invoice_id != NULL) {
        invoice_pg_text(ps, page->invoice_id);
    }
    if (page->after != NULL) {
        invoice_pg_text(ps, page->after);
    }
}

static invoice_store_status_t events(invoice_pg_t *db,
                                     const invoice_event_page_t *page,
                                     apr_array_header_t **out, int *has_more)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    apr_pool_t *p = db->ctx->pool;
    invoice_store_status_t status;
    int rows;

    /* A history's cursor must be an event of that invoice: the page
     * statement only scopes it to the caller, so another invoice's event
     * would silently start the page at its position. */
    if (page->after != NULL && page->invoice_id != NULL
        && (status = check_cursor(db, page)) != INVOICE_STORE_OK) {
        return status;
    }
    events_params(&ps, p, page);
    status = invoice_pg_run(db, events_statement(page), &ps, 1, &res);
    if (status != INVOICE_STORE_OK) {
        return status;
    }
    if (PQntuples(res) == 0 && page->after != NULL && page->invoice_id == NULL
        && (status = check_cursor(db, page)) != INVOICE_STORE_OK) {
        return status;
    }
    *has_more = PQntuples(res) > page->limit;
    *out = apr_array_make(p, page->limit, sizeof(invoice_event_t));
    rows = invoice_pg_events(p, res, (invoice_event_t *)(*out)->elts,
                             page->limit);
    if (rows < 0) {
        return invoice_pg_failed(db, "decoding event rows", NULL);
    }
    (*out)->nelts = rows;
    return INVOICE_STORE_OK;
}

invoice_store_status_t invoice_store_events(invoice_store_t *st,
                                            const invoice_event_page_t *page,
                                            apr_array_header_t **out,
                                            int *has_more)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, events(db, page, out, has_more))
              : status;
}
