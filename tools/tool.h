/* mod-invoice-files, the operator's tool for invoice file stores: what
 * its parts share.  The tool is a program of its own, outside the
 * module's rings: it uses the store (store/admin.h for the database,
 * store/files.h for the file stores) and never Apache. */
#ifndef MOD_INVOICE_TOOLS_TOOL_H
#define MOD_INVOICE_TOOLS_TOOL_H

#include <libpq-fe.h>
#include <apr_pools.h>
#include <apr_time.h>

#include "store/admin.h"
#include "store/files.h"

#define TOOL_NAME "mod-invoice-files"

/* Exit statuses. */
enum {
    TOOL_EXIT_OK = 0,
    TOOL_EXIT_FAILURES = 1,     /* some files failed, or nothing could start */
    TOOL_EXIT_USAGE = 2,
};

/* What every command takes. */
typedef struct {
    const char *conninfo;               /* libpq's connection string */
    invoice_files_settings_t files;     /* s3 settings; the timeout */
} tool_common_t;

typedef struct {
    const char *store;
    apr_interval_time_t older_than;
    int dry_run;
    int batch;                  /* keys checked per query */
} tool_sweep_opts_t;

typedef struct {
    const char *to;             /* a store's name, or "pg" */
    const char *from;           /* NULL: any; else a name or "pg" */
    int batch;                  /* rows per page */
    long limit;                 /* at most this many moves; 0: no limit */
    apr_interval_time_t pause;  /* after each row */
} tool_migrate_opts_t;

/** The commands: an exit status. */
int tool_sweep(apr_pool_t *p, const tool_common_t *common,
               const tool_sweep_opts_t *opts);
int tool_migrate(apr_pool_t *p, const tool_common_t *common,
                 const tool_migrate_opts_t *opts);

/* The database (db.c): one plain libpq connection, lent to one store
 * handle at a time. */
typedef struct {
    PGconn *conn;
    apr_pool_t *conn_pool;      /* what the store keeps about conn */
    int lent;
    int lock_pid;               /* the backend that holds the tools' lock */
    invoice_store_deadlines_t deadlines;
} tool_db_t;

/** Connect and check the schema: NULL, or why not. */
const char *tool_db_open(apr_pool_t *p, const tool_common_t *common,
                         tool_db_t *db);

/** Connect as tool_db_open does, then take the tools' lock (no sweep
 *  beside a migration): NULL, or why not (the connection closed). */
const char *tool_db_open_locked(apr_pool_t *p, const tool_common_t *common,
                                tool_db_t *db);

/** Still holding the lock?  A reconnect (PostgreSQL restarted) lost it
 *  with the old session: it is taken again.  NULL, or why not. */
const char *tool_db_keep_lock(tool_db_t *db, apr_pool_t *p);

void tool_db_close(tool_db_t *db);

/** A store handle for one operation; its results live in p. */
invoice_store_t *tool_db_store(tool_db_t *db, apr_pool_t *p);

/** A store status in words. */
const char *tool_db_status(invoice_store_status_t status);

/* File stores by name (stores.c). */
typedef struct {
    const char *name;           /* "scheme:where", as rows record it */
    const invoice_files_ops_t *ops;
    void *state;
} tool_store_t;

/** Is name "pg" (PostgreSQL itself)? */
int tool_store_is_pg(const char *name);

/** The file store called name, configured and ready: NULL, or why not. */
const char *tool_store_open(apr_pool_t *p, const char *name,
                            const invoice_files_settings_t *settings,
                            tool_store_t **out);

/** Before writing into store: NULL, or why this user should not (the
 *  directory of a file: store belongs to Apache's user; files written by
 *  another, 0600 like the module's, could not be read by Apache). */
const char *tool_store_writable(apr_pool_t *p, const tool_store_t *store);

/** Do the names a and b denote one place (file:/x and file:/x/, or a
 *  directory through a symbolic link)?  Rows record names as they were
 *  configured, so one store may go by several. */
int tool_store_same_place(apr_pool_t *p, const char *a, const char *b);

/** The schemes this build knows, for messages ("file, s3"). */
const char *tool_store_schemes(apr_pool_t *p);

/** A file status in words. */
const char *tool_files_status(invoice_files_status_t status);

/* Output (output.c): results on stdout, line by line as they happen;
 * warnings and errors on stderr, after the tool's name. */
void tool_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tool_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** "90s", "15m", "1h", "2d", "500ms", "0" (a bare number: seconds) into
 *  *out: 1, or 0 when it is none. */
int tool_parse_duration(const char *text, apr_interval_time_t *out);

/** Is key an invoice id in the module's form (a lowercase UUID)? */
int tool_is_invoice_id(const char *key);

#endif
