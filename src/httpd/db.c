/* The store of a request.  See db.h. */
#include "httpd/db.h"

#include <apr_dbd.h>
#include <mod_dbd.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_time.h>

#include "httpd/breaker.h"
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/private.h"

static APR_OPTIONAL_FN_TYPE(ap_dbd_open) *dbd_open_fn;
static APR_OPTIONAL_FN_TYPE(ap_dbd_close) *dbd_close_fn;

/* The store's statements, registered once per mod_dbd configuration of a
 * server with a mount: mod_dbd warns about a label registered twice, and
 * vhosts without DBD directives share the main server's configuration.
 * (A pool that lacks them, because its server has no mount of its own,
 * gets them on first use: the store prepares what is missing.) */
void invoice_db_post_config(apr_pool_t *ptemp, server_rec *s)
{
    APR_OPTIONAL_FN_TYPE(ap_dbd_prepare) *prepare =
        APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare);
    module *dbd = ap_find_linked_module("mod_dbd.c");
    apr_hash_t *seen = apr_hash_make(ptemp);
    const invoice_store_statement_t *statements;
    int count;

    dbd_open_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_open);
    dbd_close_fn = APR_RETRIEVE_OPTIONAL_FN(ap_dbd_close);
    statements = invoice_store_statements(&count);
    for (server_rec *sv = s; prepare && dbd && sv != NULL; sv = sv->next) {
        const invoice_srv_conf_t *sc = invoice_config_srv(sv);
        void *dbd_conf = ap_get_module_config(sv->module_config, dbd);

        if (sc == NULL || sc->mounts == NULL
            || apr_hash_get(seen, &dbd_conf, sizeof(dbd_conf)) != NULL) {
            continue;
        }
        apr_hash_set(seen, apr_pmemdup(ptemp, &dbd_conf, sizeof(dbd_conf)),
                     sizeof(dbd_conf), "");
        for (int i = 0; i < count; i++) {
            prepare(sv, statements[i].sql, statements[i].label);
        }
    }
}

/* A connect that took this long waited for a server that does not answer
 * (libpq's connect_timeout is 2 s at least). */
#define SLOW_CONNECT apr_time_from_msec(1500)

/* A connection borrowed from mod_dbd's pool for one store operation; given
 * back by the store, or with the pool it was borrowed for. */
typedef struct {
    server_rec *s;
    ap_dbd_t *dbd;
    int probe;          /* the breaker's probe: say when it is over */
} borrowed_t;

static apr_status_t give_back(void *data)
{
    borrowed_t *b = data;

    dbd_close_fn(b->s, b->dbd);
    if (b->probe) {
        invoice_breaker_probed(b->s);
    }
    return APR_SUCCESS;
}

/* A connection from s's pool, unless the breaker says no (0). */
static int borrow(apr_pool_t *p, server_rec *s, invoice_store_conn_t *out)
{
    borrowed_t *b = apr_palloc(p, sizeof(*b));
    int admitted = invoice_breaker_admit(s);
    apr_time_t start = apr_time_now();

    if (!admitted) {
        invoice_count(INVOICE_COUNT_BREAKER_REFUSED, 1);
        return 0;
    }
    b->s = s;
    b->probe = admitted == 2;
    b->dbd = dbd_open_fn && dbd_close_fn ? dbd_open_fn(p, s) : NULL;
    if (b->dbd == NULL) {
        /* Slow: mod_dbd waited out a connect (a stopped or unreachable
         * server); a refused connect fails in no time. */
        if (apr_time_now() - start > SLOW_CONNECT) {
            invoice_breaker_down(s);
        }
        if (b->probe) {
            invoice_breaker_probed(s);
        }
        return -1;
    }
    apr_pool_cleanup_register(p, b, give_back, apr_pool_cleanup_null);
    out->native = apr_dbd_native_handle(b->dbd->driver, b->dbd->handle);
    out->pool = b->dbd->pool;
    out->lease = b;
    return 1;
}

/* A request's connection: none while its database is known to be down
 * (the breaker answers for it at once), else one from the pool. */
static int connect_pooled(void *baton, invoice_store_conn_t *out)
{
    request_rec *r = baton;
    apr_time_t start = apr_time_now();
    int got = borrow(r->pool, r->server, out);

    if (got < 0) {
        invoice_count(INVOICE_COUNT_DB_ERRORS, 1);
        /* mod_dbd has logged why, at error level: one line is enough. */
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, INVLOGNO(00101)
                      "no database connection available (see mod_dbd errors)");
        return 0;
    }
    if (got > 0) {
        invoice_count_db_acquire(apr_time_now() - start);
    }
    return got > 0;
}

static void release_pooled(void *baton, invoice_store_conn_t *conn)
{
    request_rec *r = baton;

    apr_pool_cleanup_run(r->pool, conn->lease, give_back);
}

static int ap_level(invoice_log_level_t level)
{
    static const int levels[] = {
        [INVOICE_LOG_ERR] = APLOG_ERR, [INVOICE_LOG_WARNING] = APLOG_WARNING,
        [INVOICE_LOG_INFO] = APLOG_INFO, [INVOICE_LOG_DEBUG] = APLOG_DEBUG,
    };

    return levels[level];
}

/* The store's lines carry their own INVLOGNO id. */
static void log_line(void *baton, invoice_log_level_t level, const char *line)
{
    request_rec *r = baton;

    ap_log_rerror(APLOG_MARK, ap_level(level), 0, r, "%s", line);
}

/* What the store found, for the breaker of the database of server s and
 * the metrics.  Only waiting is worth breaking: failures that take no
 * time (a refused connection) leave the breaker as it is. */
static void record(server_rec *s, invoice_store_event_t ev)
{
    switch (ev) {
    case INVOICE_STORE_EVENT_REACHED:
        invoice_breaker_answered(s);
        break;
    case INVOICE_STORE_EVENT_DOWN:
        invoice_count(INVOICE_COUNT_DB_ERRORS, 1);
        invoice_count(INVOICE_COUNT_DB_TIMEOUTS, 1);
        invoice_breaker_down(s);
        break;
    default:
        invoice_count(INVOICE_COUNT_DB_ERRORS, 1);
    }
}

static void request_event(void *baton, invoice_store_event_t ev)
{
    record(((request_rec *)baton)->server, ev);
}

invoice_store_t *invoice_db_store(request_rec *r)
{
    invoice_store_ctx_t ctx = { r->pool, connect_pooled, release_pooled,
                                log_line, request_event, r,
                                invoice_config_deadlines(r) };

    return invoice_store_make(&ctx);
}

/* A background task's connection: borrowed for each operation too. */
typedef struct {
    server_rec *s;
    apr_pool_t *p;
} task_t;

static int connect_task(void *baton, invoice_store_conn_t *out)
{
    task_t *t = baton;

    return borrow(t->p, t->s, out) > 0;
}

static void release_task(void *baton, invoice_store_conn_t *conn)
{
    apr_pool_cleanup_run(((task_t *)baton)->p, conn->lease, give_back);
}

static void log_server_line(void *baton, invoice_log_level_t level,
                            const char *line)
{
    ap_log_error(APLOG_MARK, ap_level(level), 0, ((task_t *)baton)->s,
                 "%s", line);
}

static void task_event(void *baton, invoice_store_event_t ev)
{
    record(((task_t *)baton)->s, ev);
}

/* Batches of this many keys, at most this many batches a round: the
 * purge keeps up with creates without a long statement. */
#define PURGE_BATCH 500
#define PURGE_BATCHES 20

void invoice_db_maintain(server_rec *s)
{
    task_t t = { s, NULL };
    invoice_store_t *st;

    if (apr_pool_create(&t.p, NULL) != APR_SUCCESS) {
        return;
    }
    {
        invoice_store_ctx_t ctx = { t.p, connect_task, release_task,
                                    log_server_line, task_event, &t,
                                    invoice_config_default_deadlines() };

        st = invoice_store_make(&ctx);
        for (int i = 0; i < PURGE_BATCHES
                        && invoice_store_purge_keys(st, PURGE_BATCH) == PURGE_BATCH;
             i++) {
        }
    }
    apr_pool_destroy(t.p);
}
