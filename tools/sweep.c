/* mod-invoice-files sweep: the orphans of a file store removed.  An
 * orphan is a file whose invoice has no row, or whose row names another
 * store: what a crash between a file's write and its row's commit leaves,
 * or the old copy of a migration that was interrupted.  Only files older
 * than --older-than are looked at, so that an upload whose row is about
 * to commit is never taken for one. */
#include "tool.h"

#include <string.h>
#include <apr_strings.h>

typedef struct {
    const tool_sweep_opts_t *opts;
    const tool_store_t *store;
    tool_db_t *db;
    apr_pool_t *batch_pool;         /* the keys of the batch, cleared after */
    apr_array_header_t *keys;       /* const char *, to check in one query */
    apr_hash_t *aliases;            /* other names of this store, warned of */
    long seen, orphans, kept, ignored, failed;
    int stopped;                    /* the database failed: no more checks */
} sweep_t;

static void remove_orphan(sweep_t *s, const char *key, const char *reason)
{
    const char *why = NULL;
    invoice_files_status_t status;

    s->orphans++;
    if (s->opts->dry_run) {
        tool_say("would remove %s (%s)", key, reason);
        return;
    }
    status = s->store->ops->remove(s->store->state, s->batch_pool, key, &why);
    if (status == INVOICE_FILES_OK || status == INVOICE_FILES_NOT_FOUND) {
        tool_say("removed %s (%s)", key, reason);
        return;
    }
    s->orphans--;
    s->failed++;
    tool_warn("cannot remove %s: %s", key, why ? why : tool_files_status(status));
}

/* A row names this store under another spelling: its file stays. */
static void note_alias(sweep_t *s, const char *name)
{
    if (apr_hash_get(s->aliases, name, APR_HASH_KEY_STRING) == NULL) {
        const char *copy = apr_pstrdup(apr_hash_pool_get(s->aliases), name);

        apr_hash_set(s->aliases, copy, APR_HASH_KEY_STRING, copy);
        tool_warn("rows name this store '%s' (the same place as '%s'): "
                  "their files are kept; sweep again with --store '%s'",
                  name, s->store->name, name);
    }
}

/* One key against where its row says its file is. */
static void judge(sweep_t *s, const char *key, const char *row_store)
{
    if (row_store == NULL) {
        remove_orphan(s, key, "no row");
    }
    else if (strcmp(row_store, s->store->name) == 0) {
        s->kept++;
    }
    else if (*row_store != '\0'
             && tool_store_same_place(s->batch_pool, row_store, s->store->name)) {
        note_alias(s, row_store);
        s->kept++;
    }
    else {
        remove_orphan(s, key, apr_pstrcat(s->batch_pool, "its row names ",
                                          *row_store ? row_store : "pg", NULL));
    }
}

/* The batch's keys checked in one query, its orphans removed. */
static int check_batch(sweep_t *s)
{
    apr_hash_t *stores = NULL;
    invoice_store_status_t status = INVOICE_STORE_OK;
    const char *why = NULL;

    if (s->keys->nelts > 0) {
        status = invoice_admin_stores(tool_db_store(s->db, s->batch_pool),
                                      (const char *const *)s->keys->elts,
                                      s->keys->nelts, &stores);
    }
    if (status != INVOICE_STORE_OK) {
        why = tool_db_status(status);
    }
    else if (s->keys->nelts > 0) {
        why = tool_db_keep_lock(s->db, s->batch_pool);
    }
    if (why != NULL) {
        tool_warn("cannot look up the rows of %d files (%s): stopping; "
                  "none of them was removed", s->keys->nelts, why);
        s->stopped = 1;
        return 0;
    }
    for (int i = 0; i < s->keys->nelts; i++) {
        const char *key = APR_ARRAY_IDX(s->keys, i, const char *);

        judge(s, key, apr_hash_get(stores, key, APR_HASH_KEY_STRING));
    }
    apr_pool_clear(s->batch_pool);
    s->keys = apr_array_make(s->batch_pool, s->opts->batch, sizeof(const char *));
    return 1;
}

/* A file of the store, from the backend's list. */
static int each_key(void *ctx, const char *key)
{
    sweep_t *s = ctx;

    s->seen++;
    if (!tool_is_invoice_id(key)) {
        s->ignored++;
        tool_say("ignored %s (not an invoice id: left alone)", key);
        return 1;
    }
    APR_ARRAY_PUSH(s->keys, const char *) = apr_pstrdup(s->batch_pool, key);
    return s->keys->nelts < s->opts->batch || check_batch(s);
}

static void summarize(const sweep_t *s)
{
    if (s->opts->dry_run) {
        tool_say("sweep of %s (dry run, nothing removed): %ld files seen, "
                 "%ld orphans to remove, %ld kept, %ld ignored", s->store->name,
                 s->seen, s->orphans, s->kept, s->ignored);
    }
    else {
        tool_say("sweep of %s: %ld files seen, %ld orphans removed, %ld kept, "
                 "%ld ignored, %ld failed", s->store->name, s->seen,
                 s->orphans, s->kept, s->ignored, s->failed);
    }
}

static const char *start(apr_pool_t *p, const tool_common_t *common,
                         sweep_t *s, tool_store_t **store)
{
    const char *why = tool_store_open(p, s->opts->store, &common->files, store);

    if (why == NULL) {
        why = tool_db_open_locked(p, common, s->db);
    }
    if (why == NULL && s->opts->older_than < apr_time_from_sec(60)) {
        tool_warn("--older-than is under a minute: a file whose upload has "
                  "not committed its row yet looks like an orphan; use it "
                  "only while nothing writes to %s", s->opts->store);
    }
    return why;
}

int tool_sweep(apr_pool_t *p, const tool_common_t *common,
               const tool_sweep_opts_t *opts)
{
    tool_db_t db = { 0 };
    sweep_t s = { opts, NULL, &db };
    tool_store_t *store = NULL;
    const char *why = start(p, common, &s, &store);
    invoice_files_status_t listed;

    if (why != NULL) {
        tool_warn("%s", why);
        return TOOL_EXIT_FAILURES;
    }
    s.store = store;
    apr_pool_create(&s.batch_pool, p);
    s.keys = apr_array_make(s.batch_pool, opts->batch, sizeof(const char *));
    s.aliases = apr_hash_make(p);
    listed = store->ops->list(store->state, p, apr_time_now() - opts->older_than,
                              each_key, &s, &why);
    if (listed != INVOICE_FILES_OK) {
        tool_warn("cannot list %s: %s", store->name,
                  why ? why : tool_files_status(listed));
    }
    else if (!s.stopped) {
        check_batch(&s);
    }
    summarize(&s);
    tool_db_close(&db);
    return listed != INVOICE_FILES_OK || s.stopped || s.failed > 0
               ? TOOL_EXIT_FAILURES : TOOL_EXIT_OK;
}
