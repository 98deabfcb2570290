/* The database diagnosis.  See diagnosis.h. */
#include "httpd/diagnosis.h"

#include <stdint.h>
#include <apr_atomic.h>
#include <apr_hash.h>
#include <apr_shm.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include <apr_time.h>
#include <ap_mpm.h>

#include "httpd/config.h"
#include "httpd/db.h"
#include "httpd/private.h"
#include "httpd/respond.h"

#define SHM_KEY "mod_invoice.diagnosis"
#define RECHECK apr_time_from_sec(5)        /* while something is wrong */
#define LOG_EVERY apr_time_from_sec(60)     /* per node */
#define MAINTAIN_EVERY apr_time_from_sec(10)

/* Shared by the children of a node (each builds the same entries, in the
 * same order, from the same configuration). */
#define THROTTLED_ENTRIES 32
typedef struct {
    apr_uint64_t logged_at[THROTTLED_ENTRIES];  /* last problem line, per entry */
    apr_uint32_t warned_generation; /* max_connections warning, + 1 */
} node_t;

/* One database (one DBDParams) of this child. */
typedef struct {
    const invoice_srv_conf_t *sc;
    server_rec *s;
    const char *params;             /* with a connect_timeout, unless given */
    apr_pool_t *pool;               /* the strings of state */
    invoice_db_diagnosis_t state;
    int known;                      /* a diagnosis was made */
    apr_time_t next;                /* when to diagnose again, 0: not needed */
    apr_time_t maintained;          /* the last housekeeping */
} entry_t;

static node_t *node;
static apr_array_header_t *entries;    /* of entry_t */
static apr_hash_t *by_server;          /* server_rec -> entry_t index + 1 */
static apr_thread_mutex_t *lock;
static volatile apr_uint32_t stopping;

void invoice_diagnosis_post_config(server_rec *s)
{
    void *base = NULL;
    apr_shm_t *shm;

    apr_pool_userdata_get(&base, SHM_KEY, s->process->pool);
    if (base == NULL
        && apr_shm_create(&shm, sizeof(node_t), NULL, s->process->pool)
               == APR_SUCCESS) {
        base = apr_shm_baseaddr_get(shm);
        memset(base, 0, sizeof(node_t));
        apr_pool_userdata_set(base, SHM_KEY, apr_pool_cleanup_null,
                              s->process->pool);
    }
    node = base;
}

/* At most one problem line a minute per database for the whole node. */
static int may_log(int index, apr_time_t now)
{
    apr_uint64_t last;

    if (node == NULL || index >= THROTTLED_ENTRIES) {
        return 1;
    }
    last = apr_atomic_read64(&node->logged_at[index]);
    return now - (apr_time_t)last >= LOG_EVERY
           && apr_atomic_cas64(&node->logged_at[index], (apr_uint64_t)now,
                               last) == last;
}

/* What this node's children may open at most, against the server's
 * limit: a warning, once per configuration generation. */
static void check_connection_budget(entry_t *e)
{
    int daemons = 0, gen = 0, usable;

    ap_mpm_query(AP_MPMQ_MAX_DAEMONS, &daemons);
    ap_mpm_query(AP_MPMQ_GENERATION, &gen);
    usable = e->state.max_connections - e->state.reserved_connections;
    if (e->state.max_connections <= 0 || daemons * e->sc->dbd.max <= usable
        || node == NULL
        || apr_atomic_xchg32(&node->warned_generation, (apr_uint32_t)gen + 1)
               == (apr_uint32_t)gen + 1) {
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_WARNING, 0, e->s, INVLOGNO(00413)
                 "PostgreSQL accepts %d connections (max_connections %d, %d "
                 "reserved), but this node alone may open %d (up to %d "
                 "children x DBDMax %d): raise max_connections or lower DBDMax",
                 usable, e->state.max_connections,
                 e->state.reserved_connections, daemons * e->sc->dbd.max,
                 daemons, e->sc->dbd.max);
}

static void report(entry_t *e, int was_bad, apr_time_t now)
{
    if (e->state.health == INVOICE_DB_FINE) {
        if (was_bad) {
            ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, e->s, INVLOGNO(00412)
                         "the database is usable again");
        }
        check_connection_budget(e);
        return;
    }
    if (may_log((int)(e - (entry_t *)entries->elts), now)) {
        ap_log_error(APLOG_MARK, e->state.health == INVOICE_DB_MISCONFIGURED
                                     ? APLOG_ERR : APLOG_WARNING, 0, e->s,
                     e->state.health == INVOICE_DB_MISCONFIGURED
                         ? INVLOGNO(00410) "misconfiguration: %s"
                         : INVLOGNO(00411) "database unavailable: %s",
                     e->state.reason);
    }
}

/* Diagnose one database now (outside the lock: it connects). */
static void diagnose(entry_t *e)
{
    apr_pool_t *p;
    invoice_db_diagnosis_t d;
    int was_bad;
    apr_time_t now = apr_time_now();

    apr_pool_create(&p, NULL);
    invoice_store_diagnose(p, e->params, &d);
    if (d.health != INVOICE_DB_FINE && e->sc->dbd.params == NULL) {
        d.health = INVOICE_DB_MISCONFIGURED;    /* nothing says where it is */
        d.reason = apr_pstrcat(p, d.reason, " (no DBDParams is set: libpq's "
                               "defaults and PG* environment were used)", NULL);
    }
    apr_thread_mutex_lock(lock);
    was_bad = e->known && e->state.health != INVOICE_DB_FINE;
    apr_pool_clear(e->pool);
    e->state = d;
    e->state.reason = d.reason ? apr_pstrdup(e->pool, d.reason) : NULL;
    e->known = 1;
    e->next = d.health == INVOICE_DB_FINE ? 0 : now + RECHECK;
    apr_thread_mutex_unlock(lock);
    apr_pool_destroy(p);
    report(e, was_bad, now);
}

/* Every so often, for a database that works: housekeeping. */
static void maintain(entry_t *e, apr_time_t now)
{
    int fine;

    if (now < e->maintained + MAINTAIN_EVERY) {
        return;
    }
    e->maintained = now;
    apr_thread_mutex_lock(lock);
    fine = e->known && e->state.health == INVOICE_DB_FINE;
    apr_thread_mutex_unlock(lock);
    if (fine) {
        invoice_db_maintain(e->s);
    }
}

static void *APR_THREAD_FUNC watch(apr_thread_t *thread, void *data)
{
    for (int first = 1; !apr_atomic_read32(&stopping); first = 0) {
        for (int i = 0; i < entries->nelts; i++) {
            entry_t *e = &APR_ARRAY_IDX(entries, i, entry_t);
            apr_time_t next;

            apr_thread_mutex_lock(lock);
            next = e->next;
            apr_thread_mutex_unlock(lock);
            if (first || (next != 0 && next <= apr_time_now())) {
                diagnose(e);
            }
            maintain(e, apr_time_now());
        }
        apr_sleep(apr_time_from_msec(200));
    }
    return NULL;
}

static apr_status_t stop_watch(void *thread)
{
    apr_status_t rv;

    apr_atomic_set32(&stopping, 1);
    return apr_thread_join(&rv, thread);
}

/* One entry per DBDParams of the servers with a mount; every server maps
 * to its entry, a server without a mount to the first. */
static void add_entries(apr_pool_t *pchild, server_rec *s)
{
    apr_hash_t *by_params = apr_hash_make(pchild);

    entries = apr_array_make(pchild, 2, sizeof(entry_t));
    by_server = apr_hash_make(pchild);
    for (server_rec *sv = s; sv != NULL; sv = sv->next) {
        const invoice_srv_conf_t *sc = invoice_config_srv(sv);
        const char *key;
        intptr_t index;

        if (sc == NULL || sc->mounts == NULL) {
            continue;
        }
        key = sc->dbd.params ? sc->dbd.params : "";
        index = (intptr_t)apr_hash_get(by_params, key, APR_HASH_KEY_STRING);
        if (index == 0) {
            entry_t *e = apr_array_push(entries);

            memset(e, 0, sizeof(*e));
            e->sc = sc;
            e->s = sv;
            e->params = apr_pstrcat(pchild, "connect_timeout=5 ", key, NULL);
            apr_pool_create(&e->pool, pchild);
            index = entries->nelts;
            apr_hash_set(by_params, key, APR_HASH_KEY_STRING, (void *)index);
        }
        apr_hash_set(by_server, apr_pmemdup(pchild, &sv, sizeof(sv)),
                     sizeof(sv), (void *)index);
    }
}

void invoice_diagnosis_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_thread_t *thread;
    apr_status_t rv;

    add_entries(pchild, s);
    if (entries->nelts == 0) {
        return;
    }
    apr_thread_mutex_create(&lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    rv = apr_thread_create(&thread, NULL, watch, NULL, pchild);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, INVLOGNO(00414)
                     "cannot start the database diagnosis thread");
        return;
    }
    /* A pre-cleanup: the thread must be gone before pchild destroys its
     * subpools (the entries' pools and the thread's own), which happens
     * before pchild's ordinary cleanups run. */
    apr_pool_pre_cleanup_register(pchild, thread, stop_watch);
}

int invoice_diagnosis_index(server_rec *s)
{
    intptr_t index;

    if (entries == NULL || entries->nelts == 0 || lock == NULL) {
        return -1;
    }
    index = (intptr_t)apr_hash_get(by_server, &s, sizeof(s));
    return index > 0 ? (int)index - 1 : 0;
}

/* r's database: the entry of its server, else the first. */
static entry_t *entry_of(request_rec *r)
{
    int index = invoice_diagnosis_index(r->server);

    return index < 0 ? NULL : &APR_ARRAY_IDX(entries, index, entry_t);
}

invoice_db_diagnosis_t invoice_diagnosis_of(request_rec *r)
{
    invoice_db_diagnosis_t d = { INVOICE_DB_FINE, NULL, 0, 0, 0 };
    entry_t *e = entry_of(r);

    if (e != NULL) {
        apr_thread_mutex_lock(lock);
        if (e->known) {
            d = e->state;
            d.reason = d.reason ? apr_pstrdup(r->pool, d.reason) : NULL;
        }
        apr_thread_mutex_unlock(lock);
    }
    return d;
}

void invoice_diagnosis_suspect(request_rec *r)
{
    entry_t *e = entry_of(r);
    apr_time_t now = apr_time_now();

    if (e != NULL) {
        apr_thread_mutex_lock(lock);
        if (e->next == 0 || e->next > now + RECHECK) {
            e->next = now + apr_time_from_sec(1);
        }
        apr_thread_mutex_unlock(lock);
    }
}

int invoice_diagnosis_send_unavailable(request_rec *r)
{
    invoice_db_diagnosis_t d = invoice_diagnosis_of(r);

    invoice_diagnosis_suspect(r);
    if (d.health == INVOICE_DB_MISCONFIGURED) {
        return invoice_send_unavailable(r, "the service is misconfigured; its "
                                        "operator has been told (error log, "
                                        "/readyz)", "misconfiguration");
    }
    return invoice_send_unavailable(r, "the database is unavailable; retry "
                                    "later", "outage");
}
