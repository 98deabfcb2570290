/* Diagnosing the database.  See store/diagnose.h.  libpq gives no SQLSTATE
 * for a failed connection: its message is classified by the phrases of
 * PostgreSQL's authentication and startup errors (sent in English by the
 * servers this module is deployed with, lc_messages C). */
#include "store/diagnose.h"

#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>
#include <apr_strings.h>

const char *invoice_store_check_params(apr_pool_t *p, const char *params)
{
    char *err = NULL;
    PQconninfoOption *opts = PQconninfoParse(params ? params : "", &err);
    const char *why = NULL;

    if (opts == NULL) {
        why = apr_pstrdup(p, err ? err : "out of memory");
        why = apr_pstrmemdup(p, why, strcspn(why, "\n"));
    }
    PQconninfoFree(opts);
    PQfreemem(err);
    return why;
}

/* Failures that retrying will not cure: someone must change something. */
static int is_misconfiguration(const char *message)
{
    static const char *const phrases[] = {
        "password authentication failed", "no password supplied",
        "authentication failed", "does not exist",  /* role, database */
        "no pg_hba.conf entry", "permission denied", "invalid connection option",
        "missing \"=\"", "certificate",
        "server does not support SSL", "unsupported", NULL,
    };

    for (const char *const *ph = phrases; *ph != NULL; ph++) {
        if (strstr(message, *ph) != NULL) {
            return 1;
        }
    }
    return 0;
}

/* libpq's message on one line: runs of white space become one space. */
static const char *one_line(apr_pool_t *p, const char *message)
{
    char *s = apr_pstrdup(p, message ? message : ""), *o = s;

    for (const char *c = s; *c; c++) {
        int space = *c == '\n' || *c == '\t' || *c == ' ';

        if (!space || (o > s && o[-1] != ' ')) {
            *o++ = space ? ' ' : *c;
        }
    }
    while (o > s && o[-1] == ' ') {
        o--;
    }
    *o = '\0';
    return s;
}

static const char *value_of(PGresult *res, int col)
{
    return PQgetisnull(res, 0, col) ? NULL : PQgetvalue(res, 0, col);
}

void invoice_store_examine(apr_pool_t *p, void *connv,
                           invoice_db_diagnosis_t *out)
{
    PGconn *conn = connv;
    PGresult *res = PQexec(conn,
        "SELECT current_setting('max_connections')::int, "
        "current_setting('superuser_reserved_connections')::int, "
        "(SELECT max(substring(version FROM '^[0-9]+')::int) "
        " FROM schema_migrations)");
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

    memset(out, 0, sizeof(*out));
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        out->health = state && strcmp(state, "42P01") == 0
                          ? INVOICE_DB_MISCONFIGURED : INVOICE_DB_OUTAGE;
        out->reason = state && strcmp(state, "42P01") == 0
            ? "the database has no schema (no schema_migrations table): run "
              "mod-invoice-migrate (scripts/migrate.sh) on it"
            : apr_pstrcat(p, "the database does not answer a check: ",
                          one_line(p, PQerrorMessage(conn)), NULL);
        PQclear(res);
        return;
    }
    out->max_connections = atoi(value_of(res, 0));
    out->reserved_connections = atoi(value_of(res, 1));
    out->schema_version = value_of(res, 2) ? atoi(value_of(res, 2)) : 0;
    PQclear(res);
    if (out->schema_version < INVOICE_SCHEMA_VERSION) {
        out->health = INVOICE_DB_MISCONFIGURED;
        out->reason = apr_psprintf(p, "the schema is at migration %d, this "
                                   "module needs %d: run mod-invoice-migrate "
                                   "(scripts/migrate.sh)", out->schema_version,
                                   INVOICE_SCHEMA_VERSION);
    }
}

void invoice_store_diagnose(apr_pool_t *p, const char *params,
                            invoice_db_diagnosis_t *out)
{
    PGconn *conn = PQconnectdb(params ? params : "");

    if (PQstatus(conn) == CONNECTION_OK) {
        invoice_store_examine(p, conn, out);
    }
    else {
        const char *message = one_line(p, PQerrorMessage(conn));

        memset(out, 0, sizeof(*out));
        out->health = is_misconfiguration(message) ? INVOICE_DB_MISCONFIGURED
                                                   : INVOICE_DB_OUTAGE;
        out->reason = apr_pstrcat(p, "cannot connect to the database: ",
                                  message, NULL);
    }
    PQfinish(conn);
}
