/* Running the store's statements on the pooled connection through libpq:
 * binary parameters and results, SQLSTATEs, and the repair of a
 * connection that mod_dbd silently reset (statements prepared again, the
 * statement retried once).  Used by the files of store/pg/ only. */
#ifndef MOD_INVOICE_STORE_PG_CONN_H
#define MOD_INVOICE_STORE_PG_CONN_H

#include <libpq-fe.h>

#include "store/store.h"

typedef struct {
    const invoice_store_ctx_t *ctx;
    PGconn *conn;           /* NULL until invoice_pg_connect */
    int in_transaction;     /* no transparent retry inside a transaction */
} invoice_pg_t;

/* The parameters of one statement; adding more than fit is a bug that
 * invoice_pg_run refuses (logged) instead of writing past the arrays. */
#define INVOICE_PG_MAX_PARAMS 16

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
void invoice_pg_bytes(invoice_pg_params_t *ps, const void *v, apr_size_t len);

/** Get the connection from the context if not done yet (UNAVAILABLE when
 *  there is none). */
invoice_store_status_t invoice_pg_connect(invoice_pg_t *db);

/** Execute statement st (invoice_pg_statement_id_t); *out lives as long as
 *  the context's pool unless released.  binary asks for binary results. */
invoice_store_status_t invoice_pg_run(invoice_pg_t *db, int st,
                                      const invoice_pg_params_t *ps,
                                      int binary, PGresult **out);

/** Free a result of invoice_pg_run now rather than with the pool. */
void invoice_pg_release(invoice_pg_t *db, PGresult *res);

/** A fixed utility command (COMMIT, COPY ...) expecting `expected`. */
invoice_store_status_t invoice_pg_command(invoice_pg_t *db, const char *sql,
                                          ExecStatusType expected);

/** BEGIN, repairing a stale connection first if need be. */
invoice_store_status_t invoice_pg_begin(invoice_pg_t *db);

/** End a transaction begun by invoice_pg_begin: COMMIT when status is OK
 *  (its failure is returned), else ROLLBACK (status is returned). */
invoice_store_status_t invoice_pg_end(invoice_pg_t *db,
                                      invoice_store_status_t status);

/** The SQLSTATE of a failed result (copied), or NULL. */
const char *invoice_pg_state_of(invoice_pg_t *db, PGresult *res);

/** Classify a failure of `what` (CONFLICT, KEY_BUSY for a lock wait that
 *  timed out, UNAVAILABLE or ERROR) and log the last two. */
invoice_store_status_t invoice_pg_failed(invoice_pg_t *db, const char *what,
                                         const char *state);

#endif
