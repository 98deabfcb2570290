/* The invoices of the PostgreSQL store: create, get, list, pay, ping.
 * See store.h for what each promises. */
#include "store/pg/handle.h"

#include <string.h>

#include "core/util/uuid.h"
#include "store/pg/rows.h"
#include "store/pg/statements.h"

/* One invoice row out of statement st, or NOT_FOUND. */
static invoice_store_status_t run_one(invoice_pg_t *db, int st,
                                      const invoice_pg_params_t *ps,
                                      invoice_t *out)
{
    PGresult *res = NULL;
    invoice_store_status_t status = invoice_pg_run(db, st, ps, 1, &res);

    if (status != INVOICE_STORE_OK) {
        return status;
    }
    switch (invoice_pg_invoices(db->ctx->pool, res, out, 1)) {
    case 1:
        return INVOICE_STORE_OK;
    case 0:
        return INVOICE_STORE_NOT_FOUND;
    default:
        return invoice_pg_failed(db, "decoding an invoice row", NULL);
    }
}

static invoice_store_status_t get(invoice_pg_t *db,
                                  const invoice_caller_t *caller,
                                  const char *id, invoice_t *out)
{
    invoice_pg_params_t ps = { 0 };

    invoice_pg_param_scope(&ps, db->ctx->pool, id, caller->id);
    return run_one(db, caller->role == INVOICE_ROLE_SENDER ? ST_GET_BY_SENDER
                                                           : ST_GET_BY_RECEIVER,
                   &ps, out);
}

invoice_store_status_t invoice_store_get(invoice_store_t *st,
                                         const invoice_caller_t *caller,
                                         const char *id, invoice_t *out)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, get(db, caller, id, out)) : status;
}

/* $1..$12 of a new invoice's row. */
static void new_row_params(invoice_pg_params_t *ps, apr_pool_t *p,
                           const invoice_new_t *in)
{
    invoice_pg_text(ps, in->id);
    invoice_pg_int(ps, p, in->sender_id);
    invoice_pg_int(ps, p, in->receiver_id);
    invoice_pg_text(ps, in->file_type);
    invoice_pg_int(ps, p, (int)in->size);
    invoice_pg_bytes(ps, in->sha256, 32);
    invoice_pg_text(ps, in->inserted_at);
    invoice_pg_text(ps, in->file_store);    /* NULL: a NULL parameter */
    if (in->has_amount) {
        invoice_pg_bigint(ps, p, in->amount);
    }
    else {
        invoice_pg_text(ps, NULL);
    }
    invoice_pg_text(ps, in->currency);
    invoice_pg_text(ps, in->due_date);
    invoice_pg_text(ps, in->reference);
}

/* The unique reference of a sender (sql/004_lifecycle.sql). */
#define REFERENCE_INDEX "invoices_sender_reference_idx"

/* A create that broke a uniqueness: the sender's reference names another
 * invoice (REFERENCE_TAKEN, out is it), or it was our own id. */
static invoice_store_status_t after_conflict(invoice_pg_t *db,
                                             const invoice_new_t *in,
                                             invoice_t *out)
{
    invoice_pg_params_t ps = { 0 };
    invoice_caller_t sender = { INVOICE_ROLE_SENDER, in->sender_id };
    invoice_store_status_t status;

    if (db->constraint == NULL || strcmp(db->constraint, REFERENCE_INDEX) != 0) {
        /* The id is ours and fresh, so a duplicate means a retry after a
         * lost connection found the first attempt committed. */
        return get(db, &sender, in->id, out);
    }
    invoice_pg_int(&ps, db->ctx->pool, in->sender_id);
    invoice_pg_text(&ps, in->reference);
    status = run_one(db, ST_GET_BY_REFERENCE, &ps, out);
    return status == INVOICE_STORE_OK ? INVOICE_STORE_REFERENCE_TAKEN : status;
}

/* A large file: the row, then its bytes by COPY, in one transaction that
 * claims the idempotency key first when there is one. */
static invoice_store_status_t create_streamed(invoice_pg_t *db,
                                              const invoice_pg_params_t *ps,
                                              const invoice_new_t *in,
                                              const invoice_idem_t *idem,
                                              const invoice_reply_t *reply,
                                              invoice_t *out,
                                              invoice_reply_t *stored)
{
    invoice_store_status_t status = idem
        ? invoice_pg_key_claim(db, idem, reply, stored) : invoice_pg_begin(db);

    if (status != INVOICE_STORE_OK) {
        return status;
    }
    /* The bytes may take long on a slow link: the server's statement
     * timeout would end the COPY; the no-progress deadline watches it. */
    status = invoice_pg_command(db, INVOICE_PG_NO_STATEMENT_TIMEOUT,
                                PGRES_COMMAND_OK);
    if (status == INVOICE_STORE_OK) {
        status = run_one(db, ST_INSERT_META, ps, out);
    }
    if (status == INVOICE_STORE_OK) {
        status = invoice_pg_command(db, INVOICE_PG_COPY_FILE, PGRES_COPY_IN);
    }
    if (status == INVOICE_STORE_OK) {
        status = invoice_pg_copy_file(db, in->id, in->content, in->size);
    }
    status = invoice_pg_end(db, status);
    return status == INVOICE_STORE_CONFLICT ? after_conflict(db, in, out)
                                            : status;
}

/* Key, reply, row and file in one statement; no row: the key is taken. */
static invoice_store_status_t create_once(invoice_pg_t *db,
                                          invoice_pg_params_t *ps,
                                          const invoice_new_t *in,
                                          const invoice_idem_t *idem,
                                          const invoice_reply_t *reply,
                                          invoice_t *out,
                                          invoice_reply_t *stored)
{
    invoice_store_status_t status;

    invoice_pg_text(ps, idem->key);
    invoice_pg_bytes(ps, idem->fingerprint, 32);
    invoice_pg_text(ps, reply->location);
    invoice_pg_bytes(ps, reply->body, reply->len);
    invoice_pg_int(ps, db->ctx->pool, idem->ttl_seconds);
    status = run_one(db, ST_INSERT_ONCE, ps, out);
    if (status == INVOICE_STORE_CONFLICT) {
        return after_conflict(db, in, out);
    }
    return status == INVOICE_STORE_NOT_FOUND
               ? invoice_pg_key_replay(db, idem, stored) : status;
}


static invoice_store_status_t create(invoice_pg_t *db, const invoice_new_t *in,
                                     const invoice_idem_t *idem,
                                     const invoice_reply_t *reply,
                                     invoice_t *out, invoice_reply_t *stored)
{
    invoice_pg_params_t ps = { 0 };
    invoice_store_status_t status;

    new_row_params(&ps, db->ctx->pool, in);
    if (in->content != NULL && in->size > INVOICE_PG_STREAM_CHUNK) {
        return create_streamed(db, &ps, in, idem, reply, out, stored);
    }
    /* The bytes as $9, or NULL: the file is in a file store already. */
    invoice_pg_bytes(&ps, in->content, in->content ? in->size : 0);
    if (idem != NULL) {
        return create_once(db, &ps, in, idem, reply, out, stored);
    }
    status = run_one(db, ST_INSERT, &ps, out);
    return status == INVOICE_STORE_CONFLICT ? after_conflict(db, in, out)
                                            : status;
}

invoice_store_status_t invoice_store_create(invoice_store_t *st,
                                            const invoice_new_t *in,
                                            const invoice_idem_t *idem,
                                            const invoice_reply_t *reply,
                                            invoice_t *out,
                                            invoice_reply_t *stored)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, create(db, in, idem, reply, out,
                                                 stored))
              : status;
}

/* The list statement of the page's shape, cursor and status (their order
 * in statements.h). */
static int list_statement(const invoice_page_t *page)
{
    int shape = page->caller.role == INVOICE_ROLE_SENDER ? ST_LIST_SENDER
                : page->from_sender > 0 ? ST_LIST_PAIR : ST_LIST_RECEIVER;

    return shape + (page->after != NULL) + 2 * (page->status != INVOICE_STATUS_NONE);
}

/* An empty page after a cursor: is the cursor simply the last row, or
 * not in this list at all? */
static invoice_store_status_t check_cursor(invoice_pg_t *db,
                                           const invoice_page_t *page)
{
    invoice_t row;
    invoice_store_status_t status = get(db, &page->caller, page->after, &row);

    if (status == INVOICE_STORE_NOT_FOUND
        || (status == INVOICE_STORE_OK && page->from_sender > 0
            && row.sender_id != page->from_sender)) {
        return INVOICE_STORE_BAD_CURSOR;
    }
    return status;
}

/* Every list statement takes: caller, limit, [sender], [status], [cursor]. */
static void list_params(invoice_pg_params_t *ps, apr_pool_t *p,
                        const invoice_page_t *page)
{
    invoice_pg_int(ps, p, page->caller.id);
    invoice_pg_int(ps, p, page->limit + 1);  /* one extra row: has_more */
    if (page->caller.role == INVOICE_ROLE_CONSUMER && page->from_sender > 0) {
        invoice_pg_int(ps, p, page->from_sender);
    }
    if (page->status != INVOICE_STATUS_NONE) {
        invoice_pg_int(ps, p, (int)page->status);
    }
    if (page->after != NULL) {
        invoice_pg_text(ps, page->after);
    }
}

static invoice_store_status_t list(invoice_pg_t *db, const invoice_page_t *page,
                                   apr_array_header_t **items, int *has_more)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    apr_pool_t *p = db->ctx->pool;
    invoice_store_status_t status;
    int rows;

    list_params(&ps, p, page);
    status = invoice_pg_run(db, list_statement(page), &ps, 1, &res);
    if (status != INVOICE_STORE_OK) {
        return status;
    }
    if (PQntuples(res) == 0 && page->after != NULL
        && (status = check_cursor(db, page)) != INVOICE_STORE_OK) {
        return status;
    }
    *has_more = PQntuples(res) > page->limit;
    *items = apr_array_make(p, page->limit, sizeof(invoice_t));
    rows = invoice_pg_invoices(p, res, (invoice_t *)(*items)->elts, page->limit);
    if (rows < 0) {
        return invoice_pg_failed(db, "decoding invoice rows", NULL);
    }
    (*items)->nelts = rows;
    return INVOICE_STORE_OK;
}

invoice_store_status_t invoice_store_list(invoice_store_t *st,
                                          const invoice_page_t *page,
                                          apr_array_header_t **items,
                                          int *has_more)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, list(db, page, items, has_more))
              : status;
}

static invoice_store_status_t pay(invoice_pg_t *db, int consumer,
                                  const char *id, invoice_t *out)
{
    invoice_pg_params_t ps = { 0 };
    invoice_caller_t caller = { INVOICE_ROLE_CONSUMER, consumer };
    invoice_store_status_t status;

    invoice_pg_param_scope(&ps, db->ctx->pool, id, consumer);
    status = run_one(db, ST_PAY, &ps, out);
    if (status == INVOICE_STORE_NOT_FOUND) {
        /* Nothing updated: already paid, or not this consumer's invoice. */
        status = get(db, &caller, id, out);
        if (status == INVOICE_STORE_OK) {
            status = INVOICE_STORE_CONFLICT;
        }
    }
    return status;
}

static invoice_store_status_t void_invoice(invoice_pg_t *db, int sender,
                                           const char *id, invoice_t *out)
{
    invoice_pg_params_t ps = { 0 };
    invoice_caller_t caller = { INVOICE_ROLE_SENDER, sender };
    invoice_store_status_t status;

    invoice_pg_param_scope(&ps, db->ctx->pool, id, sender);
    status = run_one(db, ST_VOID, &ps, out);
    if (status == INVOICE_STORE_NOT_FOUND
        && (status = get(db, &caller, id, out)) == INVOICE_STORE_OK) {
        status = INVOICE_STORE_CONFLICT;    /* paid, or void already */
    }
    return status;
}

invoice_store_status_t invoice_store_void(invoice_store_t *st, int sender,
                                          const char *id, invoice_t *out)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, void_invoice(db, sender, id, out))
              : status;
}

invoice_store_status_t invoice_store_downloaded(invoice_store_t *st,
                                                int consumer, const char *id)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    if (db == NULL) {
        return status;
    }
    invoice_pg_param_scope(&ps, st->ctx.pool, id, consumer);
    return invoice_pg_disconnect(db, invoice_pg_run(db, ST_FIRST_DOWNLOAD, &ps,
                                                    0, &res));
}

invoice_store_status_t invoice_store_pay(invoice_store_t *st, int consumer,
                                         const char *id, invoice_t *out)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, pay(db, consumer, id, out)) : status;
}

/* In the transaction of a claimed key: pay, and render the outcome. */
static invoice_store_status_t pay_and_render(invoice_pg_t *db, int consumer,
                                             const char *id,
                                             invoice_reply_fn render, void *ctx,
                                             invoice_reply_t *reply)
{
    invoice_pg_params_t ps = { 0 };
    invoice_caller_t caller = { INVOICE_ROLE_CONSUMER, consumer };
    invoice_t inv;
    invoice_store_status_t status;

    invoice_pg_param_scope(&ps, db->ctx->pool, id, consumer);
    status = run_one(db, ST_PAY, &ps, &inv);
    if (status == INVOICE_STORE_NOT_FOUND
        && (status = get(db, &caller, id, &inv)) == INVOICE_STORE_OK) {
        status = INVOICE_STORE_CONFLICT;    /* paid before: remembered too */
    }
    if (status == INVOICE_STORE_OK || status == INVOICE_STORE_CONFLICT) {
        render(ctx, status, &inv, reply);
    }
    return status;
}

static invoice_store_status_t pay_once(invoice_pg_t *db, int consumer,
                                       const char *id,
                                       const invoice_idem_t *idem,
                                       invoice_reply_fn render, void *ctx,
                                       invoice_reply_t *reply)
{
    static const invoice_reply_t claiming = { 0, NULL, "", "", 0 };
    invoice_store_status_t status, outcome;

    status = invoice_pg_key_claim(db, idem, &claiming, reply);
    if (status != INVOICE_STORE_OK) {
        return status;
    }
    outcome = pay_and_render(db, consumer, id, render, ctx, reply);
    status = outcome == INVOICE_STORE_OK || outcome == INVOICE_STORE_CONFLICT
                 ? invoice_pg_key_remember(db, idem, reply) : outcome;
    status = invoice_pg_end(db, status);
    return status == INVOICE_STORE_OK ? outcome : status;
}

invoice_store_status_t invoice_store_pay_once(invoice_store_t *st,
                                              int consumer, const char *id,
                                              const invoice_idem_t *idem,
                                              invoice_reply_fn render,
                                              void *ctx,
                                              invoice_reply_t *reply)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, pay_once(db, consumer, id, idem,
                                                   render, ctx, reply))
              : status;
}

/* A round trip, and a server that takes writes. */
static invoice_store_status_t ping(invoice_pg_t *db)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status = invoice_pg_run(db, ST_PING, &ps, 0, &res);

    if (status == INVOICE_STORE_OK && invoice_pg_read_only(db)) {
        return INVOICE_STORE_READ_ONLY;
    }
    return status;
}

invoice_store_status_t invoice_store_ping(invoice_store_t *st)
{
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    return db ? invoice_pg_disconnect(db, ping(db)) : status;
}
