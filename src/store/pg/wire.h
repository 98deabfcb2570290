/* One exchange with PostgreSQL under a client-side deadline: libpq's
 * asynchronous calls and poll(), never a call that waits on the server
 * without a limit (a stopped server still accepts TCP data and never
 * answers; even PQcancel would wait).  No policy here: conn.c decides
 * what a missed deadline means for the connection. */
#ifndef MOD_INVOICE_STORE_PG_WIRE_H
#define MOD_INVOICE_STORE_PG_WIRE_H

#include <apr_time.h>

#include "store/pg/conn.h"

typedef enum {
    INVOICE_PG_ANSWERED,    /* the call completed (maybe with an error) */
    INVOICE_PG_TIMEOUT,     /* the deadline passed: the call is in flight */
    INVOICE_PG_BROKEN,      /* the connection failed */
} invoice_pg_wait_t;

typedef enum {
    INVOICE_PG_CALL_PREPARED,   /* execute prepared statement name */
    INVOICE_PG_CALL_SQL,        /* a fixed command, no parameters */
    INVOICE_PG_CALL_PREPARE,    /* prepare sql as name */
} invoice_pg_call_kind_t;

typedef struct {
    invoice_pg_call_kind_t kind;
    const char *name;
    const char *sql;
    const invoice_pg_params_t *ps;      /* PREPARED only */
    int binary;                         /* binary results */
} invoice_pg_call_t;

/* When a call must end: at `at`; with `progress` > 0, `at` moves to
 * now + progress whenever the socket moved bytes (a transfer's
 * no-progress deadline). */
typedef struct {
    apr_time_t at;
    apr_interval_time_t progress;
} invoice_pg_deadline_t;

/** Send call and wait for its last result (*out, NULL when there was
 *  none).  A COPY's start result (COPY_IN) is returned as soon as it
 *  comes; the COPY is then under way. */
invoice_pg_wait_t invoice_pg_exchange(PGconn *c, const invoice_pg_call_t *call,
                                      invoice_pg_deadline_t *dl,
                                      PGresult **out);

/** Wait until everything queued has left for the server. */
invoice_pg_wait_t invoice_pg_flush(PGconn *c, invoice_pg_deadline_t *dl);

/** Wait for the last result of what was sent (as invoice_pg_exchange). */
invoice_pg_wait_t invoice_pg_collect(PGconn *c, invoice_pg_deadline_t *dl,
                                     PGresult **out);

/** Reconnect a connection that broke (same parameters, target_session_attrs
 *  included), non-blocking: 1 when it is connected again by the deadline. */
int invoice_pg_reconnect(PGconn *c, apr_time_t deadline);

/** Read what has arrived without waiting and discard the results of a
 *  call left in flight: 1 when none is left, 0 when it has not answered
 *  yet, -1 when the connection failed. */
int invoice_pg_drain(PGconn *c);

/** Make the connection unusable at once (libpq then reports it BAD, and
 *  whoever uses it next reconnects), without waiting on the server. */
void invoice_pg_kill(PGconn *c);

#endif
