/* Idempotency keys in PostgreSQL: claimed with the invoice or the payment
 * they answer, in the same transaction, and replayed from there.  See
 * store.h. */
#include "store/pg/handle.h"

#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>

#include "store/pg/rows.h"
#include "store/pg/statements.h"

/* How long a request waits for another that holds the same key: well
 * within its statement deadline, so that the wait ends in a clear 409. */
static const char *key_wait(invoice_pg_t *db)
{
    apr_interval_time_t wait = db->ctx->deadlines.statement / 2;

    return apr_psprintf(db->ctx->pool, "SET LOCAL lock_timeout = '%dms'",
                        (int)apr_time_as_msec(wait > 0 ? wait : 1000));
}

void invoice_pg_key_params(invoice_pg_params_t *ps, apr_pool_t *p,
                           const invoice_idem_t *idem)
{
    invoice_pg_int(ps, p, (int)idem->caller.role);
    invoice_pg_int(ps, p, idem->caller.id);
    invoice_pg_text(ps, idem->key);
}

/* The reply stored under the key, or KEY_MISMATCH when the key came with
 * another request. */
invoice_store_status_t invoice_pg_key_replay(invoice_pg_t *db,
                                             const invoice_idem_t *idem,
                                             invoice_reply_t *stored)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;

    invoice_pg_key_params(&ps, db->ctx->pool, idem);
    status = invoice_pg_run(db, ST_KEY_GET, &ps, 1, &res);
    if (status != INVOICE_STORE_OK) {
        return status;
    }
    if (PQntuples(res) == 0) {
        /* Claimed by a request that has not committed, or gone (expired,
         * rolled back) in between: the client may retry. */
        return INVOICE_STORE_KEY_BUSY;
    }
    if (PQgetlength(res, 0, 0) != 32
        || memcmp(PQgetvalue(res, 0, 0), idem->fingerprint, 32) != 0) {
        return INVOICE_STORE_KEY_MISMATCH;
    }
    stored->status = invoice_pg_int2(PQgetvalue(res, 0, 1));
    stored->location = PQgetisnull(res, 0, 2) ? NULL : PQgetvalue(res, 0, 2);
    stored->content_type = PQgetvalue(res, 0, 3);
    stored->body = PQgetvalue(res, 0, 4);
    stored->len = (apr_size_t)PQgetlength(res, 0, 4);
    return INVOICE_STORE_REPLAY;
}

/* In a transaction that it sets up: the key claimed with reply (a
 * placeholder until invoice_pg_key_remember), OK; or, the key being taken,
 * the transaction rolled back and what invoice_pg_key_replay says. */
invoice_store_status_t invoice_pg_key_claim(invoice_pg_t *db,
                                            const invoice_idem_t *idem,
                                            const invoice_reply_t *reply,
                                            invoice_reply_t *stored)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    apr_pool_t *p = db->ctx->pool;
    invoice_store_status_t status = invoice_pg_begin(db);

    if (status == INVOICE_STORE_OK) {
        status = invoice_pg_command(db, key_wait(db), PGRES_COMMAND_OK);
    }
    if (status != INVOICE_STORE_OK) {
        return invoice_pg_end(db, status);
    }
    invoice_pg_key_params(&ps, p, idem);
    invoice_pg_bytes(&ps, idem->fingerprint, 32);
    invoice_pg_int(&ps, p, reply->status);
    invoice_pg_text(&ps, reply->location);
    invoice_pg_text(&ps, reply->content_type);
    invoice_pg_bytes(&ps, reply->body, reply->len);
    invoice_pg_int(&ps, p, idem->ttl_seconds);
    status = invoice_pg_run(db, ST_KEY_CLAIM, &ps, 1, &res);
    if (status == INVOICE_STORE_OK && PQntuples(res) == 1) {
        return INVOICE_STORE_OK;
    }
    invoice_pg_end(db, INVOICE_STORE_ABORTED);      /* ROLLBACK */
    return status == INVOICE_STORE_OK ? invoice_pg_key_replay(db, idem, stored)
                                      : status;
}

/* The reply of a claimed key, in its transaction. */
invoice_store_status_t invoice_pg_key_remember(invoice_pg_t *db,
                                               const invoice_idem_t *idem,
                                               const invoice_reply_t *reply)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;

    invoice_pg_key_params(&ps, db->ctx->pool, idem);
    invoice_pg_int(&ps, db->ctx->pool, reply->status);
    invoice_pg_text(&ps, reply->location);
    invoice_pg_text(&ps, reply->content_type);
    invoice_pg_bytes(&ps, reply->body, reply->len);
    return invoice_pg_run(db, ST_KEY_REMEMBER, &ps, 0, &res);
}

int invoice_store_purge_keys(invoice_store_t *st, int max)
{
    invoice_pg_params_t ps = { 0 };
    PGresult *res = NULL;
    invoice_store_status_t status;
    invoice_pg_t *db = invoice_pg_open(st, &status);

    if (db == NULL) {
        return -1;
    }
    if (invoice_pg_read_only(db)) {
        invoice_pg_disconnect(db, INVOICE_STORE_OK);
        return 0;       /* a standby: its primary purges */
    }
    invoice_pg_int(&ps, st->ctx.pool, max);
    status = invoice_pg_disconnect(db, invoice_pg_run(db, ST_KEY_PURGE, &ps,
                                                      0, &res));
    return status == INVOICE_STORE_OK ? atoi(PQcmdTuples(res)) : -1;
}
