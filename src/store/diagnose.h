/* Why the database cannot be used, in words an operator understands, and
 * whether it is an outage (retry later) or a misconfiguration (someone
 * must fix something): for the startup checks, /readyz and the details
 * of 503 answers.  No request is involved. */
#ifndef MOD_INVOICE_STORE_DIAGNOSE_H
#define MOD_INVOICE_STORE_DIAGNOSE_H

#include <apr_pools.h>

/* The schema migration (sql/NNN_*.sql) the module needs at least. */
#define INVOICE_SCHEMA_VERSION 8

typedef enum {
    INVOICE_DB_FINE = 0,
    INVOICE_DB_OUTAGE,          /* down, unreachable, overloaded: retry */
    INVOICE_DB_MISCONFIGURED,   /* wrong password, no database, old schema */
} invoice_db_health_t;

typedef struct {
    invoice_db_health_t health;
    const char *reason;         /* what is wrong and what to do; NULL if fine */
    int max_connections;        /* of the server, 0 when unknown */
    int reserved_connections;   /* superuser_reserved_connections */
    int schema_version;         /* the newest migration applied, 0 if none */
} invoice_db_diagnosis_t;

/** A syntax check of libpq connection parameters (DBDParams): NULL when
 *  they parse, else libpq's reason. */
const char *invoice_store_check_params(apr_pool_t *p, const char *params);

/** Examine a working connection (a PGconn *): schema version, the
 *  server's connection limits. */
void invoice_store_examine(apr_pool_t *p, void *conn,
                           invoice_db_diagnosis_t *out);

/** Connect with params (and close again) to learn why connecting fails,
 *  then examine the connection when it does not. */
void invoice_store_diagnose(apr_pool_t *p, const char *params,
                            invoice_db_diagnosis_t *out);

#endif
