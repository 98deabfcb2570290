/* The tool's database: a plain libpq connection in place of mod_dbd's
 * pool, lent to the store (store/admin.h) one operation at a time, as
 * src/httpd/db.c does for a request.  See tool.h. */
#include "tool.h"

#include <stdio.h>
#include <string.h>
#include <apr_strings.h>

#include "store/diagnose.h"

/* The store's deadlines are per handle, and the tool makes a handle per
 * operation: a statement or a silent transfer gets the --timeout; an
 * operation as a whole is not bounded (a large file may take long). */
#define NO_BUDGET apr_time_from_sec(7 * 24 * 3600)

/* libpq's message, without its final newline. */
static const char *message_of(apr_pool_t *p, PGconn *conn)
{
    char *m = apr_pstrdup(p, PQerrorMessage(conn));
    size_t n = strlen(m);

    while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' ')) {
        m[--n] = '\0';
    }
    return m;
}

static int lend(void *baton, invoice_store_conn_t *out)
{
    tool_db_t *db = baton;

    if (db->lent) {
        tool_warn("internal error: the connection is lent twice");
        return 0;
    }
    db->lent = 1;
    out->native = db->conn;
    out->pool = db->conn_pool;
    out->lease = db;
    return 1;
}

static void give_back(void *baton, invoice_store_conn_t *conn)
{
    ((tool_db_t *)baton)->lent = 0;
}

/* The store's own lines (INVnnnnn ids, docs/logs.md). */
static void log_line(void *baton, invoice_log_level_t level, const char *line)
{
    tool_warn("database: %s", line);
}

static void ignore_event(void *baton, invoice_store_event_t ev)
{
}

const char *tool_db_open(apr_pool_t *p, const tool_common_t *common,
                         tool_db_t *db)
{
    invoice_db_diagnosis_t diagnosis;
    /* A connect is bounded too (--timeout), unless the connection string
     * says otherwise: it comes second, so that its words win. */
    const char *keywords[] = { "connect_timeout", "dbname", NULL };
    const char *values[] = {
        apr_ltoa(p, (long)apr_time_sec(common->files.timeout + APR_USEC_PER_SEC - 1)),
        common->conninfo, NULL };

    db->conn = PQconnectdbParams(keywords, values, 1);
    if (PQstatus(db->conn) != CONNECTION_OK) {
        const char *why = apr_pstrcat(p, "cannot connect to the database: ",
                                      message_of(p, db->conn), NULL);

        tool_db_close(db);
        return why;
    }
    invoice_store_examine(p, db->conn, &diagnosis);
    if (diagnosis.health != INVOICE_DB_FINE) {
        tool_db_close(db);
        return diagnosis.reason;
    }
    apr_pool_create(&db->conn_pool, p);
    db->lent = 0;
    db->deadlines.statement = common->files.timeout;
    db->deadlines.transfer = common->files.timeout;
    db->deadlines.request = NO_BUDGET;
    return NULL;
}

/* The tools' lock, on the connection's session: NULL, or why not. */
static const char *take_lock(tool_db_t *db, apr_pool_t *p)
{
    int got = 0;
    invoice_store_status_t status = invoice_admin_lock(tool_db_store(db, p),
                                                       &got);

    if (status != INVOICE_STORE_OK) {
        return apr_pstrcat(p, "cannot take the tools' lock: ",
                           tool_db_status(status), NULL);
    }
    if (!got) {
        return "another sweep or migration (" TOOL_NAME ") is running on "
               "this database; try again when it has finished";
    }
    db->lock_pid = PQbackendPID(db->conn);
    return NULL;
}

const char *tool_db_open_locked(apr_pool_t *p, const tool_common_t *common,
                                tool_db_t *db)
{
    const char *why = tool_db_open(p, common, db);

    if (why == NULL && (why = take_lock(db, p)) != NULL) {
        tool_db_close(db);
    }
    return why;
}

const char *tool_db_keep_lock(tool_db_t *db, apr_pool_t *p)
{
    const char *why;

    if (PQbackendPID(db->conn) == db->lock_pid) {
        return NULL;
    }
    why = take_lock(db, p);
    if (why == NULL) {
        tool_warn("reconnected to the database: the tools' lock is taken again");
    }
    return why;
}

void tool_db_close(tool_db_t *db)
{
    if (db->conn != NULL) {
        PQfinish(db->conn);
        db->conn = NULL;
    }
}

invoice_store_t *tool_db_store(tool_db_t *db, apr_pool_t *p)
{
    invoice_store_ctx_t ctx = { p, lend, give_back, log_line, ignore_event,
                                db, db->deadlines };

    return invoice_store_make(&ctx);
}

const char *tool_db_status(invoice_store_status_t status)
{
    switch (status) {
    case INVOICE_STORE_OK: return "ok";
    case INVOICE_STORE_NOT_FOUND: return "not found";
    case INVOICE_STORE_UNAVAILABLE: return "the database is unavailable";
    case INVOICE_STORE_READ_ONLY: return "the database takes no writes (a standby)";
    case INVOICE_STORE_ABORTED: return "the copy was refused";
    default: return "a database error (see the lines above)";
    }
}
