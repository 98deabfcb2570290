/* Statements over a pooled connection.  See conn.h.  This is where a
 * connection that mod_dbd silently reset is repaired and where failures
 * are classified (unavailable -> 503, conflict, error) and logged. */
#include "store/pg/conn.h"

#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>

#include "store/pg/statements.h"

static void pg_log(invoice_pg_t *db, invoice_log_level_t level,
                   const char *fmt, ...)
{
    va_list ap;
    const char *line;

    va_start(ap, fmt);
    line = apr_pvsprintf(db->ctx->pool, fmt, ap);
    va_end(ap);
    db->ctx->log(db->ctx->baton, level, line);
}

static void add_param(invoice_pg_params_t *ps, const char *v, int len,
                      int format)
{
    if (ps->n == INVOICE_PG_MAX_PARAMS) {
        ps->overflow = 1;
        return;
    }
    ps->values[ps->n] = v;
    ps->lengths[ps->n] = len;
    ps->formats[ps->n] = format;
    ps->n++;
}

void invoice_pg_text(invoice_pg_params_t *ps, const char *v)
{
    add_param(ps, v, 0, 0);
}

void invoice_pg_int(invoice_pg_params_t *ps, apr_pool_t *p, int v)
{
    add_param(ps, apr_itoa(p, v), 0, 0);
}

void invoice_pg_bytes(invoice_pg_params_t *ps, const void *v, apr_size_t len)
{
    add_param(ps, v, (int)len, 1);
}

invoice_store_status_t invoice_pg_connect(invoice_pg_t *db)
{
    if (db->conn == NULL) {
        db->conn = db->ctx->connect(db->ctx->baton);
    }
    return db->conn ? INVOICE_STORE_OK : INVOICE_STORE_UNAVAILABLE;
}

/* Prepare every statement on this connection; mod_dbd does it only when it
 * builds a connection, not after it PQreset()s one behind our back. */
static int prepare_all(invoice_pg_t *db)
{
    for (int i = 0; i < ST_COUNT; i++) {
        PGresult *res = PQprepare(db->conn, invoice_pg_statements[i].label,
                                  invoice_pg_statements[i].sql, 0, NULL);
        const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK
                 || (state && strcmp(state, "42P05") == 0); /* already there */
        if (!ok) {
            pg_log(db, INVOICE_LOG_ERR, INVLOGNO(00201) "preparing %s failed: %s",
                   invoice_pg_statements[i].label, PQerrorMessage(db->conn));
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
        pg_log(db, INVOICE_LOG_WARNING,
               INVLOGNO(00202) "database connection lost, reconnecting");
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

const char *invoice_pg_state_of(invoice_pg_t *db, PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    return state ? apr_pstrdup(db->ctx->pool, state) : NULL;
}

invoice_store_status_t invoice_pg_failed(invoice_pg_t *db, const char *what,
                                         const char *state)
{
    invoice_store_status_t status;

    if (state && strcmp(state, "23505") == 0) {
        return INVOICE_STORE_CONFLICT;
    }
    if (state && strcmp(state, "55P03") == 0) {     /* lock_timeout */
        return INVOICE_STORE_KEY_BUSY;
    }
    status = (PQstatus(db->conn) == CONNECTION_BAD || state_means_unavailable(state))
                 ? INVOICE_STORE_UNAVAILABLE : INVOICE_STORE_ERROR;
    db->ctx->failed(db->ctx->baton);
    pg_log(db, status == INVOICE_STORE_ERROR ? INVOICE_LOG_ERR : INVOICE_LOG_WARNING,
           INVLOGNO(00203) "%s failed (SQLSTATE %s): %s", what,
           state ? state : "none", PQerrorMessage(db->conn));
    return status;
}

/* Execute statement st; on success *out lives as long as the pool.  A lost
 * connection or a missing statement is repaired and the statement retried
 * once, outside transactions. */
invoice_store_status_t invoice_pg_run(invoice_pg_t *db, int st,
                                      const invoice_pg_params_t *ps,
                                      int binary, PGresult **out)
{
    const char *label = invoice_pg_statements[st].label;

    if (ps->overflow) {
        pg_log(db, INVOICE_LOG_ERR, INVLOGNO(00204)
               "%s: more than %d parameters", label, INVOICE_PG_MAX_PARAMS);
        return INVOICE_STORE_ERROR;
    }
    for (int attempt = 0;; attempt++) {
        PGresult *res = PQexecPrepared(db->conn, label, ps->n, ps->values,
                                       ps->lengths, ps->formats, binary);
        ExecStatusType rs = PQresultStatus(res);
        const char *state;

        if (rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK) {
            apr_pool_cleanup_register(db->ctx->pool, res, clear_result,
                                      apr_pool_cleanup_null);
            *out = res;
            return INVOICE_STORE_OK;
        }
        state = invoice_pg_state_of(db, res);
        PQclear(res);
        if (attempt > 0 || db->in_transaction || !recover(db, state)) {
            return invoice_pg_failed(db, label, state);
        }
    }
}

void invoice_pg_release(invoice_pg_t *db, PGresult *res)
{
    apr_pool_cleanup_run(db->ctx->pool, res, clear_result);
}

/* A fixed utility command (BEGIN, COMMIT, ROLLBACK, COPY): no parameters,
 * so there is nothing to prepare or to inject. */
invoice_store_status_t invoice_pg_command(invoice_pg_t *db, const char *sql,
                                          ExecStatusType expected)
{
    PGresult *res = PQexec(db->conn, sql);
    const char *state = NULL;

    if (PQresultStatus(res) == expected) {
        PQclear(res);
        return INVOICE_STORE_OK;
    }
    state = invoice_pg_state_of(db, res);
    PQclear(res);
    return invoice_pg_failed(db, sql, state);
}

/* BEGIN, repairing a connection that went stale while pooled. */
invoice_store_status_t invoice_pg_begin(invoice_pg_t *db)
{
    for (int attempt = 0;; attempt++) {
        PGresult *res = PQexec(db->conn, "BEGIN");
        const char *state;

        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            PQclear(res);
            db->in_transaction = 1;
            return INVOICE_STORE_OK;
        }
        state = invoice_pg_state_of(db, res);
        PQclear(res);
        if (attempt > 0 || !recover(db, state)) {
            return invoice_pg_failed(db, "BEGIN", state);
        }
    }
}

invoice_store_status_t invoice_pg_end(invoice_pg_t *db,
                                      invoice_store_status_t status)
{
    if (status == INVOICE_STORE_OK) {
        status = invoice_pg_command(db, "COMMIT", PGRES_COMMAND_OK);
    }
    else if (PQstatus(db->conn) == CONNECTION_OK) {
        PQclear(PQexec(db->conn, "ROLLBACK"));
    }
    db->in_transaction = 0;
    return status;
}
