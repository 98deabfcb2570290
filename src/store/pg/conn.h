/* Running the store's statements on a lent connection through libpq's
 * asynchronous API, each under a client-side deadline: binary parameters
 * and results, SQLSTATEs, the repair of a connection that mod_dbd reset
 * or that the server closed (statements prepared again, the statement
 * retried once outside transactions), and what to do with a connection
 * whose statement did not answer in time (set aside, taken back once it
 * answered).  Used by the files of store/pg/ only. */
#ifndef MOD_INVOICE_STORE_PG_CONN_H
#define MOD_INVOICE_STORE_PG_CONN_H

#include <libpq-fe.h>

#include "store/store.h"

/* What the store knows about one connection, kept as long as it lives. */
typedef struct invoice_pg_conn_state_t invoice_pg_conn_state_t;

typedef struct {
    const invoice_store_ctx_t *ctx;
    invoice_store_conn_t lease;
    PGconn *conn;                   /* NULL while none is lent */
    invoice_pg_conn_state_t *state; /* of conn */
    int in_transaction;             /* no transparent retry inside one */
    int in_copy;                    /* COPY FROM STDIN under way */
    apr_time_t budget_end;          /* the handle's database time ends; 0:
                                     * not started */
    const char *constraint;         /* of the last failure, or NULL */
} invoice_pg_t;

/* The parameters of one statement; adding more than fit is a bug that
 * invoice_pg_run refuses (logged) instead of writing past the arrays. */
#define INVOICE_PG_MAX_PARAMS 24

typedef struct {
    int n;
    int overflow;
    const char *values[INVOICE_PG_MAX_PARAMS];
    int lengths[INVOICE_PG_MAX_PARAMS];
    int formats[INVOICE_PG_MAX_PARAMS];
} invoice_pg_params_t;

/** Parameters: text, a decimal int (allocated from p), raw bytes. */
void invoice_pg_text(invoice_pg_params_t *ps, const char *v);
void invoice_pg_int(invoice_pg_params_t *ps, apr_pool_t *p, int v);
void invoice_pg_bigint(invoice_pg_params_t *ps, apr_pool_t *p, long long v);
void invoice_pg_bytes(invoice_pg_params_t *ps, const void *v, apr_size_t len);

/** Borrow a connection and make it ready (what a deadline left behind
 *  settled, statements prepared): OK, or UNAVAILABLE when there is none. */
invoice_store_status_t invoice_pg_connect(invoice_pg_t *db);

/** Give the connection back (a transaction left open is rolled back);
 *  returns status. */
invoice_store_status_t invoice_pg_disconnect(invoice_pg_t *db,
                                             invoice_store_status_t status);

/** Execute statement st (invoice_pg_statement_id_t) under the statement
 *  and request deadlines; *out lives as long as the context's pool unless
 *  released.  binary asks for binary results. */
invoice_store_status_t invoice_pg_run(invoice_pg_t *db, int st,
                                      const invoice_pg_params_t *ps,
                                      int binary, PGresult **out);

/** The same for a statement that moves file bytes: no statement or
 *  request deadline, only the no-progress one. */
invoice_store_status_t invoice_pg_run_transfer(invoice_pg_t *db, int st,
                                               const invoice_pg_params_t *ps,
                                               int binary, PGresult **out);

/** Free a result of invoice_pg_run now rather than with the pool. */
void invoice_pg_release(invoice_pg_t *db, PGresult *res);

/** A fixed utility command (COMMIT, COPY ...) expecting `expected`. */
invoice_store_status_t invoice_pg_command(invoice_pg_t *db, const char *sql,
                                          ExecStatusType expected);

/** In COPY FROM STDIN: send len bytes (all of them have left when it
 *  returns OK), then end the COPY and read its outcome. */
invoice_store_status_t invoice_pg_copy_put(invoice_pg_t *db, const void *data,
                                           apr_size_t len);
invoice_store_status_t invoice_pg_copy_end(invoice_pg_t *db, int ok);

/** BEGIN, repairing a stale connection first if need be. */
invoice_store_status_t invoice_pg_begin(invoice_pg_t *db);

/** End a transaction begun by invoice_pg_begin: COMMIT when status is OK
 *  (its failure is returned), else ROLLBACK (status is returned). */
invoice_store_status_t invoice_pg_end(invoice_pg_t *db,
                                      invoice_store_status_t status);

/** Is the connection's server a standby (no writes)? */
int invoice_pg_read_only(invoice_pg_t *db);

/** The SQLSTATE of a failed result (copied), or NULL. */
const char *invoice_pg_state_of(invoice_pg_t *db, PGresult *res);

/** Classify a failure of `what` (CONFLICT, KEY_BUSY for a lock wait that
 *  timed out, READ_ONLY, UNAVAILABLE or ERROR) and log the last three. */
invoice_store_status_t invoice_pg_failed(invoice_pg_t *db, const char *what,
                                         const char *state);

#endif
