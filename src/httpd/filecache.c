/* Repeated downloads of files in a file store, without the database.  See
 * filecache.h. */
#include "httpd/filecache.h"

#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "core/filetype.h"

/* 4096 entries of about 300 bytes: 1.2 MB per child.  Direct-mapped: an
 * id has one slot, and a newer id that hashes there replaces it. */
#define SLOTS 4096
#define STRIPES 64              /* locks: a thread holds one for a copy */
#define ID_LEN 36
#define STORE_MAX 200           /* longer store names are not kept */

typedef struct {
    char id[ID_LEN + 1];        /* "": empty */
    int consumer;
    invoice_filetype_t type;
    unsigned char sha256[32];
    apr_time_t inserted_at;
    apr_off_t size;
    char store[STORE_MAX];
} entry_t;

static entry_t *entries;
static apr_thread_mutex_t *locks[STRIPES];

void invoice_filecache_child_init(apr_pool_t *pchild)
{
    entry_t *all = apr_pcalloc(pchild, SLOTS * sizeof(entry_t));

    for (int i = 0; i < STRIPES; i++) {
        if (apr_thread_mutex_create(&locks[i], APR_THREAD_MUTEX_DEFAULT,
                                    pchild) != APR_SUCCESS) {
            return;             /* no cache: every download asks the database */
        }
    }
    entries = all;
}

static unsigned int slot_of(const char *id)
{
    apr_ssize_t len = ID_LEN;

    return apr_hashfunc_default(id, &len) % SLOTS;
}

static int keepable_id(const char *id)
{
    return entries != NULL && strlen(id) == ID_LEN;
}

int invoice_filecache_get(apr_pool_t *p, int consumer, const char *id,
                          invoice_file_t *out)
{
    unsigned int slot;
    entry_t copy;
    int hit;

    if (!keepable_id(id)) {
        return 0;
    }
    slot = slot_of(id);
    apr_thread_mutex_lock(locks[slot % STRIPES]);
    hit = entries[slot].consumer == consumer
          && memcmp(entries[slot].id, id, ID_LEN + 1) == 0;
    if (hit) {
        copy = entries[slot];
    }
    apr_thread_mutex_unlock(locks[slot % STRIPES]);
    if (!hit) {
        return 0;
    }
    memset(out, 0, sizeof(*out));
    out->file_type = invoice_filetype_media(copy.type);
    out->sha256 = apr_pmemdup(p, copy.sha256, sizeof(copy.sha256));
    out->inserted_at = copy.inserted_at;
    out->size = copy.size;
    out->file_store = apr_pstrdup(p, copy.store);
    out->downloaded = 1;
    return 1;
}

void invoice_filecache_put(int consumer, const char *id,
                           const invoice_file_t *f)
{
    entry_t e;
    unsigned int slot;

    if (!keepable_id(id) || f->file_store == NULL || !f->downloaded
        || strlen(f->file_store) >= STORE_MAX) {
        return;
    }
    memset(&e, 0, sizeof(e));
    memcpy(e.id, id, ID_LEN + 1);
    e.consumer = consumer;
    e.type = invoice_filetype_from_media(f->file_type, strlen(f->file_type));
    if (e.type == INVOICE_FILETYPE_UNKNOWN) {
        return;
    }
    memcpy(e.sha256, f->sha256, sizeof(e.sha256));
    e.inserted_at = f->inserted_at;
    e.size = f->size;
    strcpy(e.store, f->file_store);
    slot = slot_of(id);
    apr_thread_mutex_lock(locks[slot % STRIPES]);
    entries[slot] = e;
    apr_thread_mutex_unlock(locks[slot % STRIPES]);
}

void invoice_filecache_forget(const char *id)
{
    unsigned int slot;

    if (!keepable_id(id)) {
        return;
    }
    slot = slot_of(id);
    apr_thread_mutex_lock(locks[slot % STRIPES]);
    if (memcmp(entries[slot].id, id, ID_LEN + 1) == 0) {
        entries[slot].id[0] = '\0';
    }
    apr_thread_mutex_unlock(locks[slot % STRIPES]);
}
