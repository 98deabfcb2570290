/* Statements over a pooled connection: mod_dbd lends the connection for
 * the request, libpq runs the statements on its native handle.  This is
 * where a connection that mod_dbd silently reset is repaired (statements
 * prepared again, the statement retried once) and where failures are
 * classified (unavailable -> 503, conflict, error) and logged. */
#include "pgconn.h"

#include <string.h>
#include <http_log.h>
#include <apr_dbd.h>
#include <mod_dbd.h>
#include <apr_strings.h>

#include "mod_invoice_private.h"
#include "ops.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_acquire) *dbd_acquire_fn;

const char *invoice_pg_init(void)
{
    dbd_acquire_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_acquire);
    return dbd_acquire_fn ? NULL
                          : "mod_invoice needs mod_dbd: LoadModule dbd_module first";
}

void invoice_pg_text(invoice_pg_params_t *ps, const char *v)
{
    ps->values[ps->n] = v;
    ps->lengths[ps->n] = 0;
    ps->formats[ps->n] = 0;
    ps->n++;
}

void invoice_pg_int(invoice_pg_params_t *ps, apr_pool_t *p, int v)
{
    invoice_pg_text(ps, apr_itoa(p, v));
}

void invoice_pg_bytes(invoice_pg_params_t *ps, const void *v, apr_size_t len)
{
    ps->values[ps->n] = v;
    ps->lengths[ps->n] = (int)len;
    ps->formats[ps->n] = 1;
    ps->n++;
}

invoice_db_status_t invoice_pg_open(request_rec *r, invoice_pg_t *db,
                                     const invoice_pg_statement_t *statements,
                                     int count)
{
    apr_time_t start = apr_time_now();
    ap_dbd_t *dbd = dbd_acquire_fn ? dbd_acquire_fn(r) : NULL;

    if (invoice_metrics != NULL) {
        invoice_metrics_db_acquire(invoice_metrics, apr_time_now() - start);
    }
    db->r = r;
    db->in_transaction = 0;
    db->statements = statements;
    db->count = count;
    if (dbd == NULL) {
        if (invoice_metrics != NULL) {
            invoice_metrics_add(invoice_metrics, INVOICE_COUNT_DB_ERRORS, 1);
        }
        /* mod_dbd has logged why, at error level: one line is enough. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r,
                      "no database connection available (see mod_dbd errors)");
        return INVOICE_DB_UNAVAILABLE;
    }
    db->conn = apr_dbd_native_handle(dbd->driver, dbd->handle);
    return INVOICE_DB_OK;
}

/* Prepare every statement on this connection; mod_dbd does it only when it
 * builds a connection, not after it PQreset()s one behind our back. */
static int prepare_all(invoice_pg_t *db)
{
    for (int i = 0; i < db->count; i++) {
        PGresult *res = PQprepare(db->conn, db->statements[i].label,
                                  db->statements[i].sql, 0, NULL);
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK
                 || (state && strcmp(state, "42P05") == 0); /* already there */
        if (!ok) {
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, db->r,
                          "preparing %s failed: %s", db->statements[i].label,
                          PQerrorMessage(db->conn));
        }
        PQclear(res);
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

/* After a failure: can a retry on this connection succeed? */
static int recover(invoice_pg_t *db, const char *state)
{
    if (PQstatus(db->conn) == CONNECTION_BAD) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, db->r,
                      "database connection lost, reconnecting");
        PQreset(db->conn);
        return PQstatus(db->conn) == CONNECTION_OK && prepare_all(db);
    }
    if (state && strcmp(state, "26000") == 0) {    /* statement missing */
        return prepare_all(db);
    }
    return 0;
}

static int state_means_unavailable(const char *state)
{
    return state == NULL                        /* no server answer at all */
        || strncmp(state, "08", 2) == 0         /* connection exception */
        || strncmp(state, "53", 2) == 0         /* insufficient resources */
        || strncmp(state, "57", 2) == 0         /* shutdown, statement timeout */
        || strcmp(state, "40001") == 0          /* serialization failure */
        || strcmp(state, "40P01") == 0;         /* deadlock */
}

static apr_status_t clear_result(void *res)
{
    PQclear(res);
    return APR_SUCCESS;
}

/* The SQLSTATE of a failed result (copied), or NULL. */
const char *invoice_pg_state_of(invoice_pg_t *db, PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state ? apr_pstrdup(db->r->pool, state) : NULL;
}

/* Classify a failure of `what`, count and log it. */
invoice_db_status_t invoice_pg_failed(invoice_pg_t *db, const char *what,
                                      const char *state)
{
    invoice_db_status_t status;

    if (state && strcmp(state, "23505") == 0) {
        return INVOICE_DB_CONFLICT;
    }
    status = (PQstatus(db->conn) == CONNECTION_BAD || state_means_unavailable(state))
                 ? INVOICE_DB_UNAVAILABLE : INVOICE_DB_ERROR;
    if (invoice_metrics != NULL) {
        invoice_metrics_add(invoice_metrics, INVOICE_COUNT_DB_ERRORS, 1);
    }
    ap_log_rerror(APLOG_MARK, status == INVOICE_DB_ERROR ? APLOG_ERR : APLOG_WARNING,
                  0, db->r, "%s failed (SQLSTATE %s): %s", what,
                  state ? state : "none", PQerrorMessage(db->conn));
    return status;
}

/* Execute statement st; on success *out lives as long as r->pool.  A lost
 * connection or a missing statement is repaired and the statement retried
 * once, outside transactions. */
invoice_db_status_t invoice_pg_run(invoice_pg_t *db, int st,
                                   const invoice_pg_params_t *ps,
                                   int binary, PGresult **out)
{
    for (int attempt = 0;; attempt++) {
        PGresult *res = PQexecPrepared(db->conn, db->statements[st].label, ps->n,
                                       ps->values, ps->lengths, ps->formats,
                                       binary);
        ExecStatusType rs = PQresultStatus(res);
        const char *state;

        if (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK) {
            apr_pool_cleanup_register(db->r->pool, res, clear_result,
                                      apr_pool_cleanup_null);
            *out = res;
            return INVOICE_DB_OK;
        }
        state = invoice_pg_state_of(db, res);
        PQclear(res);
        if (attempt > 0 || db->in_transaction || !recover(db, state)) {
            return invoice_pg_failed(db, db->statements[st].label, state);
        }
    }
}

/* A fixed utility command (BEGIN, COMMIT, ROLLBACK, COPY): no parameters,
 * so there is nothing to prepare or to inject. */
invoice_db_status_t invoice_pg_command(invoice_pg_t *db, const char *sql,
                                   ExecStatusType expected)
{
    PGresult *res = PQexec(db->conn, sql);
    const char *state = NULL;

    if (PQresultStatus(res) == expected) {
        PQclear(res);
        return INVOICE_DB_OK;
    }
    state = invoice_pg_state_of(db, res);
    PQclear(res);
    return invoice_pg_failed(db, sql, state);
}

/* BEGIN, repairing a connection that went stale while pooled. */
invoice_db_status_t invoice_pg_begin(invoice_pg_t *db)
{
    for (int attempt = 0;; attempt++) {
        PGresult *res = PQexec(db->conn, "BEGIN");
        const char *state;

        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            PQclear(res);
            db->in_transaction = 1;
            return INVOICE_DB_OK;
        }
        state = invoice_pg_state_of(db, res);
        PQclear(res);
        if (attempt > 0 || !recover(db, state)) {
            return invoice_pg_failed(db, "BEGIN", state);
        }
    }
}


void invoice_pg_release(invoice_pg_t *db, PGresult *res)
{
    apr_pool_cleanup_run(db->r->pool, res, clear_result);
}
