/* Running statements on a connection from mod_dbd's pool, through libpq.
 * Used by storage.c only (which holds the SQL). */
#ifndef MOD_INVOICE_PGCONN_H
#define MOD_INVOICE_PGCONN_H

#include <httpd.h>
#include <libpq-fe.h>

#include "storage.h"

typedef struct {
    const char *label;  /* lowercase SQL identifier: PREPARE sends it unquoted */
    const char *sql;    /* $n placeholders with casts: PostgreSQL infers types */
} invoice_pg_statement_t;

typedef struct {
    request_rec *r;
    PGconn *conn;
    const invoice_pg_statement_t *statements;
    int count;
    int in_transaction;     /* no transparent retry inside a transaction */
} invoice_pg_t;

typedef struct {
    int n;
    const char *values[7];
    int lengths[7];
    int formats[7];
} invoice_pg_params_t;

/** Resolve mod_dbd's ap_dbd_acquire (post_config).  NULL or an error. */
const char *invoice_pg_init(void);

/** Parameters: text, a decimal int (allocated from p), raw bytes. */
void invoice_pg_text(invoice_pg_params_t *ps, const char *v);
void invoice_pg_int(invoice_pg_params_t *ps, apr_pool_t *p, int v);
void invoice_pg_bytes(invoice_pg_params_t *ps, const void *v, apr_size_t len);

/** The request's pooled connection (UNAVAILABLE when there is none). */
invoice_db_status_t invoice_pg_open(request_rec *r, invoice_pg_t *db,
                                     const invoice_pg_statement_t *statements,
                                     int count);

/** Execute statement st; *out lives as long as r->pool unless released.
 *  binary asks for binary results (bytea as raw bytes). */
invoice_db_status_t invoice_pg_run(invoice_pg_t *db, int st,
                                   const invoice_pg_params_t *ps, int binary,
                                   PGresult **out);

/** Free a result of invoice_pg_run now rather than with the request. */
void invoice_pg_release(invoice_pg_t *db, PGresult *res);

/** A fixed utility command (BEGIN, COMMIT, COPY ...) expecting `expected`. */
invoice_db_status_t invoice_pg_command(invoice_pg_t *db, const char *sql,
                                       ExecStatusType expected);

/** BEGIN, repairing a stale connection first if need be. */
invoice_db_status_t invoice_pg_begin(invoice_pg_t *db);

/** The SQLSTATE of a failed result (copied), or NULL. */
const char *invoice_pg_state_of(invoice_pg_t *db, PGresult *res);

/** Classify a failure of `what`, count and log it. */
invoice_db_status_t invoice_pg_failed(invoice_pg_t *db, const char *what,
                                      const char *state);

#endif
