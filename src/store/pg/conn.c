/* Statements over a lent connection.  See conn.h.  This is where the
 * deadlines are applied, where a connection that mod_dbd reset or the
 * server closed is repaired, where a connection whose statement missed
 * its deadline is set aside and later taken back, and where failures are
 * classified (unavailable -> 503, conflict, error) and logged. */
#include "store/pg/conn.h"

#include <stdarg.h>
#include <string.h>
#include <apr_strings.h>

#include "store/pg/statements.h"
#include "store/pg/wire.h"

#define STATE_KEY "mod_invoice.pg"
/* A call set aside this long without an answer is not coming back (a
 * lost peer, a server stopped for long): the connection is reconnected
 * instead.  Until then a request that gets it answers 503 at once. */
#define GIVE_UP_AFTER apr_time_from_sec(5)

struct invoice_pg_conn_state_t {
    apr_time_t abandoned_at;    /* a call left in flight at a deadline; 0: none */
    int checked_pid;            /* the backend whose statements were checked */
};

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

static void tell(invoice_pg_t *db, invoice_store_event_t ev)
{
    db->ctx->event(db->ctx->baton, ev);
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

void invoice_pg_bigint(invoice_pg_params_t *ps, apr_pool_t *p, long long v)
{
    add_param(ps, apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)v), 0, 0);
}

void invoice_pg_bytes(invoice_pg_params_t *ps, const void *v, apr_size_t len)
{
    add_param(ps, v, (int)len, 1);
}

/* The deadline of the next call: a small statement's (bounded by what is
 * left of the handle's database time) or a transfer's no-progress one. */
static invoice_pg_deadline_t deadline_of(const invoice_pg_t *db, int transfer)
{
    const invoice_store_deadlines_t *d = &db->ctx->deadlines;
    apr_time_t now = apr_time_now();
    invoice_pg_deadline_t dl = { now + d->statement, 0 };

    if (transfer) {
        dl.at = now + d->transfer;
        dl.progress = d->transfer;
    }
    else if (db->budget_end != 0 && db->budget_end < dl.at) {
        dl.at = db->budget_end;
    }
    return dl;
}

/* A call missed its deadline: the connection is set aside with the call
 * in flight (closing it would make the next user reconnect, which blocks
 * for the whole connect timeout while the server is stopped), unless a
 * COPY is under way, which nobody could finish. */
static invoice_store_status_t timed_out(invoice_pg_t *db, const char *what)
{
    if (db->in_copy) {
        invoice_pg_kill(db->conn);
        db->in_copy = 0;
    }
    else {
        db->state->abandoned_at = apr_time_now();
    }
    tell(db, INVOICE_STORE_EVENT_DOWN);
    pg_log(db, INVOICE_LOG_WARNING, INVLOGNO(00205)
           "%s: no answer from the database within the deadline", what);
    return INVOICE_STORE_UNAVAILABLE;
}

/* The handle's database time is used up before a call was sent. */
static invoice_store_status_t out_of_time(invoice_pg_t *db, const char *what)
{
    tell(db, INVOICE_STORE_EVENT_DOWN);
    pg_log(db, INVOICE_LOG_WARNING, INVLOGNO(00206)
           "%s: the request's database time is used up", what);
    return INVOICE_STORE_UNAVAILABLE;
}

/* Prepare what this backend lacks: mod_dbd prepares the statements when
 * it builds a connection, not after it PQreset()s one behind our back. */
static invoice_store_status_t prepare_missing(invoice_pg_t *db,
                                              PGresult *have)
{
    for (int i = 0; i < ST_COUNT; i++) {
        invoice_pg_call_t call = { INVOICE_PG_CALL_PREPARE,
                                   invoice_pg_statements[i].label,
                                   invoice_pg_statements[i].sql, NULL, 0 };
        invoice_pg_deadline_t dl = deadline_of(db, 0);
        PGresult *res = NULL;
        int found = 0;

        for (int row = 0; row < PQntuples(have) && !found; row++) {
            found = strcmp(PQgetvalue(have, row, 0), call.name) == 0;
        }
        if (found) {
            continue;
        }
        if (invoice_pg_exchange(db->conn, &call, &dl, &res) == INVOICE_PG_TIMEOUT) {
            return timed_out(db, "PREPARE");
        }
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            const char *state = invoice_pg_state_of(db, res);

            PQclear(res);
            return invoice_pg_failed(db, apr_pstrcat(db->ctx->pool, "preparing ",
                                                     call.name, NULL), state);
        }
        PQclear(res);
    }
    return INVOICE_STORE_OK;
}

/* Every statement prepared on this backend: checked once per backend (a
 * reset connection has a new one). */
static invoice_store_status_t ensure_prepared(invoice_pg_t *db)
{
    static const invoice_pg_call_t list = { INVOICE_PG_CALL_SQL, NULL,
        "SELECT name FROM pg_catalog.pg_prepared_statements", NULL, 0 };
    int pid = PQbackendPID(db->conn);
    invoice_pg_deadline_t dl = deadline_of(db, 0);
    PGresult *have = NULL;
    invoice_pg_wait_t w;
    invoice_store_status_t status;

    if (pid != 0 && pid == db->state->checked_pid) {
        return INVOICE_STORE_OK;
    }
    w = invoice_pg_exchange(db->conn, &list, &dl, &have);
    if (w == INVOICE_PG_TIMEOUT) {
        return timed_out(db, "listing prepared statements");
    }
    if (PQresultStatus(have) != PGRES_TUPLES_OK) {
        const char *state = invoice_pg_state_of(db, have);

        PQclear(have);
        return invoice_pg_failed(db, "listing prepared statements", state);
    }
    status = prepare_missing(db, have);
    PQclear(have);
    if (status == INVOICE_STORE_OK) {
        db->state->checked_pid = pid;
    }
    return status;
}

/* The connection broke: reconnect within the statement deadline. */
static invoice_store_status_t reconnect(invoice_pg_t *db)
{
    pg_log(db, INVOICE_LOG_WARNING,
           INVLOGNO(00202) "database connection lost, reconnecting");
    if (!invoice_pg_reconnect(db->conn, deadline_of(db, 0).at)) {
        return invoice_pg_failed(db, "reconnecting", NULL);
    }
    return ensure_prepared(db);
}

/* A call set aside at a deadline: taken back when it has answered since
 * (its transaction rolled back), else the connection is still unusable. */
static invoice_store_status_t take_back(invoice_pg_t *db)
{
    static const invoice_pg_call_t rollback = { INVOICE_PG_CALL_SQL, NULL,
                                                "ROLLBACK", NULL, 0 };
    int drained = invoice_pg_drain(db->conn);
    invoice_pg_deadline_t dl;
    PGresult *res = NULL;

    if (drained == 0 && apr_time_now() - db->state->abandoned_at > GIVE_UP_AFTER) {
        invoice_pg_kill(db->conn);      /* settle() reconnects it */
        drained = -1;
    }
    else if (drained == 0) {
        tell(db, INVOICE_STORE_EVENT_DOWN);
        return INVOICE_STORE_UNAVAILABLE;   /* still no answer: no log line */
    }
    db->state->abandoned_at = 0;
    if (drained < 0 || PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
        return INVOICE_STORE_OK;    /* a broken one is repaired next */
    }
    dl = deadline_of(db, 0);
    if (invoice_pg_exchange(db->conn, &rollback, &dl, &res) == INVOICE_PG_TIMEOUT) {
        PQclear(res);
        return timed_out(db, "ROLLBACK");
    }
    PQclear(res);
    return INVOICE_STORE_OK;
}

static invoice_pg_conn_state_t *state_of(apr_pool_t *p)
{
    void *state = NULL;

    apr_pool_userdata_get(&state, STATE_KEY, p);
    if (state == NULL) {
        state = apr_pcalloc(p, sizeof(invoice_pg_conn_state_t));
        apr_pool_userdata_setn(state, STATE_KEY, NULL, p);
    }
    return state;
}

/* A lent connection made ready: what a deadline left behind settled, what
 * arrived while it was idle read (a server that closed it shows now), a
 * broken one reconnected, statements prepared. */
static invoice_store_status_t settle(invoice_pg_t *db)
{
    invoice_store_status_t status = INVOICE_STORE_OK;

    if (PQsetnonblocking(db->conn, 1) != 0) {
        invoice_pg_kill(db->conn);
    }
    if (db->state->abandoned_at != 0) {
        status = take_back(db);
    }
    else if (PQstatus(db->conn) == CONNECTION_OK) {
        (void)PQconsumeInput(db->conn);
    }
    if (status == INVOICE_STORE_OK && PQstatus(db->conn) != CONNECTION_OK) {
        return reconnect(db);
    }
    if (status == INVOICE_STORE_OK) {
        status = ensure_prepared(db);
    }
    /* A server that closed the connection may show only when it is used
     * (an idle connection may have read its farewell but not the end). */
    if (status != INVOICE_STORE_OK && PQstatus(db->conn) != CONNECTION_OK) {
        status = reconnect(db);
    }
    return status;
}

invoice_store_status_t invoice_pg_connect(invoice_pg_t *db)
{
    invoice_store_status_t status;

    if (db->conn != NULL) {
        return INVOICE_STORE_OK;
    }
    if (!db->ctx->connect(db->ctx->baton, &db->lease)) {
        return INVOICE_STORE_UNAVAILABLE;   /* the lender said why */
    }
    if (db->budget_end == 0) {
        db->budget_end = apr_time_now() + db->ctx->deadlines.request;
    }
    db->conn = db->lease.native;
    db->state = state_of(db->lease.pool);
    status = settle(db);
    return status == INVOICE_STORE_OK ? status
                                      : invoice_pg_disconnect(db, status);
}

invoice_store_status_t invoice_pg_disconnect(invoice_pg_t *db,
                                             invoice_store_status_t status)
{
    if (db->conn == NULL) {
        return status;
    }
    if (db->in_transaction) {
        status = invoice_pg_end(db, status == INVOICE_STORE_OK
                                        ? INVOICE_STORE_ERROR : status);
    }
    db->ctx->release(db->ctx->baton, &db->lease);
    db->conn = NULL;
    db->state = NULL;
    return status;
}

static int state_means_unavailable(const char *state)
{
    return state == NULL                        /* no server answer at all */
        || strncmp(state, "08", 2) == 0         /* connection exception */
        || strncmp(state, "53", 2) == 0         /* insufficient resources */
        || strncmp(state, "57", 2) == 0         /* shutdown, recovery, timeout */
        || strcmp(state, "40001") == 0          /* serialization failure */
        || strcmp(state, "40P01") == 0;         /* deadlock */
}

static apr_status_t clear_result(void *res)
{
    PQclear(res);
    return APR_SUCCESS;
}

/* Which constraint a failure broke (copied), or NULL. */
static const char *constraint_of(invoice_pg_t *db, PGresult *res)
{
    const char *name = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME)
                           : NULL;
    return name ? apr_pstrdup(db->ctx->pool, name) : NULL;
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
    if (state && strcmp(state, "25006") == 0) {
        /* A standby, or a primary demoted under us: drop the connection,
         * so that the next use reconnects (target_session_attrs then
         * finds the writable server). */
        invoice_pg_kill(db->conn);
        status = INVOICE_STORE_READ_ONLY;
    }
    else {
        status = (PQstatus(db->conn) != CONNECTION_OK
                  || state_means_unavailable(state))
                     ? INVOICE_STORE_UNAVAILABLE : INVOICE_STORE_ERROR;
    }
    tell(db, INVOICE_STORE_EVENT_ERROR);
    pg_log(db, status == INVOICE_STORE_ERROR ? INVOICE_LOG_ERR : INVOICE_LOG_WARNING,
           INVLOGNO(00203) "%s failed (SQLSTATE %s): %s", what,
           state ? state : "none", PQerrorMessage(db->conn));
    return status;
}

/* After a failure: can a retry on this connection succeed? */
static int recover(invoice_pg_t *db, const char *state)
{
    if (PQstatus(db->conn) != CONNECTION_OK) {
        return reconnect(db) == INVOICE_STORE_OK;
    }
    if (state && strcmp(state, "26000") == 0) {    /* statement missing */
        db->state->checked_pid = 0;
        return ensure_prepared(db) == INVOICE_STORE_OK;
    }
    return 0;
}

static int result_is(PGresult *res, ExecStatusType expected)
{
    ExecStatusType rs = PQresultStatus(res);

    return res != NULL && (expected == PGRES_EMPTY_QUERY
                               ? rs == PGRES_TUPLES_OK || rs == PGRES_COMMAND_OK
                               : rs == expected);
}

/* Make call, expecting `expected` (EMPTY_QUERY: rows or a command's OK);
 * on success *out (if given) lives as long as the pool.  A lost connection
 * or a missing statement is repaired and the call made again once,
 * outside transactions. */
static invoice_store_status_t call_db(invoice_pg_t *db,
                                      const invoice_pg_call_t *call,
                                      const char *what, int transfer,
                                      ExecStatusType expected, PGresult **out)
{
    for (int attempt = 0;; attempt++) {
        invoice_pg_deadline_t dl = deadline_of(db, transfer);
        PGresult *res = NULL;
        invoice_pg_wait_t w;
        const char *state;

        if (dl.at <= apr_time_now()) {
            return out_of_time(db, what);
        }
        w = invoice_pg_exchange(db->conn, call, &dl, &res);
        if (w == INVOICE_PG_TIMEOUT) {
            return timed_out(db, what);
        }
        if (w == INVOICE_PG_ANSWERED && PQstatus(db->conn) == CONNECTION_OK) {
            tell(db, INVOICE_STORE_EVENT_REACHED);  /* whatever it said */
        }
        if (w == INVOICE_PG_ANSWERED && result_is(res, expected)) {
            if (out == NULL) {
                PQclear(res);
                return INVOICE_STORE_OK;
            }
            apr_pool_cleanup_register(db->ctx->pool, res, clear_result,
                                      apr_pool_cleanup_null);
            *out = res;
            return INVOICE_STORE_OK;
        }
        state = invoice_pg_state_of(db, res);
        db->constraint = constraint_of(db, res);
        PQclear(res);
        if (attempt > 0 || db->in_transaction || !recover(db, state)) {
            return invoice_pg_failed(db, what, state);
        }
    }
}

static invoice_store_status_t run_statement(invoice_pg_t *db, int st,
                                            const invoice_pg_params_t *ps,
                                            int binary, int transfer,
                                            PGresult **out)
{
    const char *label = invoice_pg_statements[st].label;
    invoice_pg_call_t call = { INVOICE_PG_CALL_PREPARED, label, NULL, ps,
                               binary };

    if (ps->overflow) {
        pg_log(db, INVOICE_LOG_ERR, INVLOGNO(00204)
               "%s: more than %d parameters", label, INVOICE_PG_MAX_PARAMS);
        return INVOICE_STORE_ERROR;
    }
    return call_db(db, &call, label, transfer, PGRES_EMPTY_QUERY, out);
}

invoice_store_status_t invoice_pg_run(invoice_pg_t *db, int st,
                                      const invoice_pg_params_t *ps,
                                      int binary, PGresult **out)
{
    return run_statement(db, st, ps, binary, 0, out);
}

invoice_store_status_t invoice_pg_run_transfer(invoice_pg_t *db, int st,
                                               const invoice_pg_params_t *ps,
                                               int binary, PGresult **out)
{
    return run_statement(db, st, ps, binary, 1, out);
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
    invoice_pg_call_t call = { INVOICE_PG_CALL_SQL, NULL, sql, NULL, 0 };
    invoice_store_status_t status = call_db(db, &call, sql, 0, expected, NULL);

    if (status == INVOICE_STORE_OK && expected == PGRES_COPY_IN) {
        db->in_copy = 1;
    }
    return status;
}

invoice_store_status_t invoice_pg_copy_put(invoice_pg_t *db, const void *data,
                                           apr_size_t len)
{
    invoice_pg_deadline_t dl = deadline_of(db, 1);
    invoice_pg_wait_t w = INVOICE_PG_ANSWERED;
    int queued;

    /* Non-blocking: 0 when libpq's buffer is full; it is emptied below. */
    while (w == INVOICE_PG_ANSWERED
           && (queued = PQputCopyData(db->conn, data, (int)len)) == 0) {
        w = invoice_pg_flush(db->conn, &dl);
    }
    if (w == INVOICE_PG_ANSWERED && queued == 1) {
        w = invoice_pg_flush(db->conn, &dl);   /* one chunk in memory at most */
    }
    if (w == INVOICE_PG_TIMEOUT) {
        return timed_out(db, "COPY (sending)");
    }
    return w == INVOICE_PG_ANSWERED && queued == 1
               ? INVOICE_STORE_OK : invoice_pg_failed(db, "COPY (sending)", NULL);
}

invoice_store_status_t invoice_pg_copy_end(invoice_pg_t *db, int ok)
{
    invoice_pg_deadline_t dl = deadline_of(db, 1);
    invoice_pg_wait_t w = INVOICE_PG_ANSWERED;
    PGresult *res = NULL;
    const char *state;
    int ended;

    while (w == INVOICE_PG_ANSWERED
           && (ended = PQputCopyEnd(db->conn, ok ? NULL : "client failed")) == 0) {
        w = invoice_pg_flush(db->conn, &dl);
    }
    if (w == INVOICE_PG_ANSWERED && ended == 1) {
        w = invoice_pg_flush(db->conn, &dl);
    }
    if (w == INVOICE_PG_ANSWERED) {
        w = invoice_pg_collect(db->conn, &dl, &res);
    }
    if (w == INVOICE_PG_TIMEOUT) {
        return timed_out(db, "COPY (ending)");
    }
    db->in_copy = 0;
    if (w == INVOICE_PG_ANSWERED && ok && PQresultStatus(res) == PGRES_COMMAND_OK) {
        PQclear(res);
        return INVOICE_STORE_OK;
    }
    state = invoice_pg_state_of(db, res);
    PQclear(res);
    return invoice_pg_failed(db, "COPY invoice_files", state);
}

/* BEGIN, repairing a connection that went stale while pooled. */
invoice_store_status_t invoice_pg_begin(invoice_pg_t *db)
{
    invoice_store_status_t status = invoice_pg_command(db, "BEGIN",
                                                       PGRES_COMMAND_OK);

    db->in_transaction = status == INVOICE_STORE_OK;
    return status;
}

invoice_store_status_t invoice_pg_end(invoice_pg_t *db,
                                      invoice_store_status_t status)
{
    if (status == INVOICE_STORE_OK) {
        status = invoice_pg_command(db, "COMMIT", PGRES_COMMAND_OK);
    }
    else if (PQstatus(db->conn) == CONNECTION_OK && !db->in_copy
             && db->state->abandoned_at == 0) {
        (void)invoice_pg_command(db, "ROLLBACK", PGRES_COMMAND_OK);
    }
    db->in_transaction = 0;
    return status;
}

int invoice_pg_read_only(invoice_pg_t *db)
{
    const char *standby = PQparameterStatus(db->conn, "in_hot_standby");

    return standby != NULL && strcmp(standby, "on") == 0;
}
