/* Repeated downloads of files in a file store, without the database.  See
 * filecache.h.
 *
 * A set-associative table (4 entries per set) in anonymous shared memory
 * that every child inherits.  Each entry is guarded by a sequence number,
 * a seqlock: a writer makes it odd (compare-and-swap: one writer at a
 * time; a put that finds it taken is simply dropped), writes, makes it
 * even again; a reader copies the entry and keeps the copy only when the
 * number was even and unchanged across the copy.  No reader ever waits or
 * sees a torn entry, and no lock is shared between processes.  A restart
 * bumps the table's generation: entries of an older one no longer count
 * (the stores may have been configured differently). */
#include "httpd/filecache.h"

#include <stdatomic.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_shm.h>
#include <apr_strings.h>

#include "core/filetype.h"
#include "httpd/config.h"
#include "httpd/private.h"

#define WAYS 4
#define ID_LEN 36
#define STORE_MAX 96            /* longer store names are not kept */
#define SHM_KEY "mod_invoice.filecache"

typedef struct {
    char id[ID_LEN];            /* not terminated */
    apr_uint32_t generation;    /* 0: empty */
    apr_int32_t consumer;
    unsigned char type;         /* invoice_filetype_t */
    unsigned char sha256[32];
    apr_int64_t inserted_at, size;
    char store[STORE_MAX];      /* terminated */
} facts_t;

typedef struct {
    _Atomic apr_uint32_t seq;   /* odd while written */
    facts_t facts;
} entry_t;

typedef struct {
    _Atomic apr_uint32_t generation;
    apr_uint32_t sets;
    entry_t entries[];          /* sets * WAYS */
} table_t;

static table_t *table;
static _Atomic apr_uint32_t victim;     /* the way a full set gives up next */

/* The shared block for n entries: made once per size, found again by a
 * restart (in the process pool, like the metrics block). */
static table_t *table_for(server_rec *s, apr_uint32_t sets)
{
    apr_size_t size = sizeof(table_t) + (apr_size_t)sets * WAYS * sizeof(entry_t);
    const char *key = apr_psprintf(s->process->pool, SHM_KEY ".%" APR_SIZE_T_FMT,
                                   size);
    void *base = NULL;
    apr_shm_t *shm;
    apr_status_t rv;

    apr_pool_userdata_get(&base, key, s->process->pool);
    if (base != NULL) {
        return base;
    }
    rv = apr_shm_create(&shm, size, NULL, s->process->pool);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, s, INVLOGNO(00302)
                     "cannot create the download cache (%" APR_SIZE_T_FMT
                     " bytes of shared memory); downloads ask the database",
                     size);
        return NULL;
    }
    /* Anonymous shared memory comes zeroed (every entry empty): not
     * touching it keeps the pages no download uses out of memory. */
    base = apr_shm_baseaddr_get(shm);
    ((table_t *)base)->sets = sets;
    apr_pool_userdata_set(base, key, apr_pool_cleanup_null, s->process->pool);
    return base;
}

void invoice_filecache_post_config(server_rec *s)
{
    int entries = invoice_config_download_cache();

    table = entries > 0 ? table_for(s, (apr_uint32_t)(entries + WAYS - 1) / WAYS)
                        : NULL;
    if (table != NULL) {
        /* A new generation: what older children kept no longer counts. */
        if (atomic_fetch_add(&table->generation, 1) + 1 == 0) {
            atomic_fetch_add(&table->generation, 1);   /* 0 means empty */
        }
    }
}

static int keepable_id(const char *id)
{
    return table != NULL && strlen(id) == ID_LEN;
}

static entry_t *set_of(const char *id)
{
    apr_ssize_t len = ID_LEN;

    return &table->entries[(apr_hashfunc_default(id, &len) % table->sets) * WAYS];
}

/* A consistent copy of e, or 0 while (or if) it is being written. */
static int read_entry(entry_t *e, facts_t *copy)
{
    apr_uint32_t before = atomic_load_explicit(&e->seq, memory_order_acquire);

    if (before & 1) {
        return 0;
    }
    memcpy(copy, &e->facts, sizeof(*copy));
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&e->seq, memory_order_relaxed) == before;
}

static int lock_entry(entry_t *e, apr_uint32_t *was)
{
    *was = atomic_load_explicit(&e->seq, memory_order_relaxed);
    return !(*was & 1)
           && atomic_compare_exchange_strong_explicit(
                  &e->seq, was, *was + 1, memory_order_acquire,
                  memory_order_relaxed);
}

static void unlock_entry(entry_t *e, apr_uint32_t was)
{
    atomic_store_explicit(&e->seq, was + 2, memory_order_release);
}

static int holds(const facts_t *f, const char *id, apr_uint32_t generation)
{
    return f->generation == generation && memcmp(f->id, id, ID_LEN) == 0;
}

int invoice_filecache_get(apr_pool_t *p, int consumer, const char *id,
                          invoice_file_t *out)
{
    apr_uint32_t generation;
    entry_t *set;
    facts_t f;
    int w;

    if (!keepable_id(id)) {
        return 0;
    }
    generation = atomic_load(&table->generation);
    set = set_of(id);
    for (w = 0; w < WAYS; w++) {
        if (read_entry(&set[w], &f) && holds(&f, id, generation)) {
            break;
        }
    }
    if (w == WAYS || f.consumer != consumer) {
        return 0;
    }
    memset(out, 0, sizeof(*out));
    out->file_type = invoice_filetype_media((invoice_filetype_t)f.type);
    out->sha256 = apr_pmemdup(p, f.sha256, sizeof(f.sha256));
    out->inserted_at = f.inserted_at;
    out->size = f.size;
    out->file_store = apr_pstrdup(p, f.store);
    out->downloaded = 1;
    return 1;
}

/* Where a new entry for id goes: its own entry, else an empty or stale
 * one, else the set's next victim. */
static entry_t *slot_for(entry_t *set, const char *id, apr_uint32_t generation)
{
    facts_t f;
    int free_way = -1;

    for (int w = 0; w < WAYS; w++) {
        if (!read_entry(&set[w], &f)) {
            continue;
        }
        if (holds(&f, id, generation)) {
            return &set[w];
        }
        if (free_way < 0 && f.generation != generation) {
            free_way = w;
        }
    }
    return &set[free_way >= 0 ? free_way
                              : (int)(atomic_fetch_add(&victim, 1) % WAYS)];
}

void invoice_filecache_put(int consumer, const char *id,
                           const invoice_file_t *f)
{
    invoice_filetype_t type;
    apr_uint32_t generation, was;
    entry_t *e;

    if (!keepable_id(id) || f->file_store == NULL || !f->downloaded
        || strlen(f->file_store) >= STORE_MAX) {
        return;
    }
    type = invoice_filetype_from_media(f->file_type, strlen(f->file_type));
    if (type == INVOICE_FILETYPE_UNKNOWN) {
        return;
    }
    generation = atomic_load(&table->generation);
    e = slot_for(set_of(id), id, generation);
    if (!lock_entry(e, &was)) {
        return;                 /* another writer has it: keep nothing */
    }
    memset(&e->facts, 0, sizeof(e->facts));
    memcpy(e->facts.id, id, ID_LEN);
    e->facts.generation = generation;
    e->facts.consumer = consumer;
    e->facts.type = (unsigned char)type;
    memcpy(e->facts.sha256, f->sha256, sizeof(e->facts.sha256));
    e->facts.inserted_at = f->inserted_at;
    e->facts.size = f->size;
    strcpy(e->facts.store, f->file_store);
    unlock_entry(e, was);
}

void invoice_filecache_forget(const char *id)
{
    apr_uint32_t generation, was;
    entry_t *set;

    if (!keepable_id(id)) {
        return;
    }
    generation = atomic_load(&table->generation);
    set = set_of(id);
    for (int w = 0; w < WAYS; w++) {
        if (lock_entry(&set[w], &was)) {
            if (holds(&set[w].facts, id, generation)) {
                set[w].facts.generation = 0;
            }
            unlock_entry(&set[w], was);
        }
    }
}
