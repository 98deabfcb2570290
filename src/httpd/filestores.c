/* The file stores of the configuration.  See filestores.h. */
#include "httpd/filestores.h"

#include <ap_provider.h>
#include <http_main.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>

#include "httpd/config.h"
#include "httpd/private.h"

static apr_hash_t *stores;              /* name -> invoice_filestore_t */
static apr_pool_t *late_pool;           /* the child's, for names met late */
static apr_thread_mutex_t *late_lock;

void invoice_filestores_register(apr_pool_t *p)
{
    ap_register_provider(p, INVOICE_FILES_PROVIDER_GROUP, "file",
                         INVOICE_FILES_PROVIDER_VERSION, &invoice_files_dir);
    ap_register_provider(p, INVOICE_FILES_PROVIDER_GROUP, "s3",
                         INVOICE_FILES_PROVIDER_VERSION, &invoice_files_s3);
}

/* The backend of "scheme:where", and where; NULL when there is none. */
static const invoice_files_ops_t *backend_of(apr_pool_t *p, const char *name,
                                             const char **where)
{
    const char *colon = strchr(name, ':');

    if (colon == NULL || colon == name) {
        return NULL;
    }
    *where = colon + 1;
    return ap_lookup_provider(INVOICE_FILES_PROVIDER_GROUP,
                              apr_pstrmemdup(p, name, (apr_size_t)(colon - name)),
                              INVOICE_FILES_PROVIDER_VERSION);
}

const char *invoice_filestores_check_name(apr_pool_t *p, const char *name)
{
    const char *where;

    if (strcmp(name, "pg") == 0 || backend_of(p, name, &where) != NULL) {
        return NULL;
    }
    return apr_psprintf(p, "'%s' names no store: pg, file:/directory or "
                        "s3:http(s)://host/bucket", name);
}

/* Configure the store of that name into the registry: NULL or why not. */
static const char *configure(apr_pool_t *p, server_rec *main_server,
                             const char *name)
{
    invoice_filestore_t *fs = apr_pcalloc(p, sizeof(*fs));
    invoice_files_settings_t settings = invoice_config_files_settings(main_server);
    const char *where, *err;

    fs->name = apr_pstrdup(p, name);
    fs->ops = backend_of(p, name, &where);
    if (fs->ops == NULL) {
        return "no such store";
    }
    err = fs->ops->configure(p, where, &settings, &fs->state);
    if (err == NULL) {
        apr_hash_set(stores, fs->name, APR_HASH_KEY_STRING, fs);
    }
    return err;
}

int invoice_filestores_configure(apr_pool_t *pconf, server_rec *s)
{
    int ok = OK;

    stores = apr_hash_make(pconf);
    for (server_rec *sv = s; sv != NULL; sv = sv->next) {
        const invoice_srv_conf_t *sc = invoice_config_srv(sv);

        for (int i = 0; sc->store_names && i < sc->store_names->nelts; i++) {
            const invoice_store_name_t *n = &APR_ARRAY_IDX(sc->store_names, i,
                                                           invoice_store_name_t);
            const char *err = apr_hash_get(stores, n->name, APR_HASH_KEY_STRING)
                                  ? NULL : configure(pconf, s, n->name);

            if (err != NULL) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, NULL, INVLOGNO(00404)
                             "InvoiceFileStore %s at %s:%d: %s", n->name,
                             n->file, n->line, err);
                ok = !OK;
            }
        }
    }
    return ok;
}

void invoice_filestores_child_init(apr_pool_t *pchild)
{
    late_pool = pchild;
    apr_thread_mutex_create(&late_lock, APR_THREAD_MUTEX_DEFAULT, pchild);
    for (apr_hash_index_t *hi = apr_hash_first(pchild, stores); hi;
         hi = apr_hash_next(hi)) {
        invoice_filestore_t *fs = apr_hash_this_val(hi);

        if (fs->ops->child_init != NULL) {
            fs->ops->child_init(fs->state, pchild);
        }
    }
}

/* A name rows record that the configuration no longer names. */
static const invoice_filestore_t *configure_late(request_rec *r,
                                                 const char *name)
{
    invoice_filestore_t *fs;
    const char *err = NULL;

    apr_thread_mutex_lock(late_lock);
    fs = apr_hash_get(stores, name, APR_HASH_KEY_STRING);
    if (fs == NULL && (err = configure(late_pool, ap_server_conf, name)) == NULL) {
        fs = apr_hash_get(stores, name, APR_HASH_KEY_STRING);
        if (fs->ops->child_init != NULL) {
            fs->ops->child_init(fs->state, late_pool);
        }
    }
    apr_thread_mutex_unlock(late_lock);
    if (fs == NULL) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, INVLOGNO(00420)
                      "a file is in the store '%s', which cannot be used: %s",
                      name, err);
    }
    return fs;
}

const invoice_filestore_t *invoice_filestores_get(request_rec *r,
                                                  const char *name)
{
    const invoice_filestore_t *fs;

    if (stores == NULL || late_lock == NULL) {
        return NULL;
    }
    /* The configured ones never change after the child started: only
     * names met late are added, under the lock. */
    apr_thread_mutex_lock(late_lock);
    fs = apr_hash_get(stores, name, APR_HASH_KEY_STRING);
    apr_thread_mutex_unlock(late_lock);
    return fs ? fs : configure_late(r, name);
}

invoice_files_status_t invoice_filestores_check(apr_pool_t *p, const char **why)
{
    invoice_files_status_t worst = INVOICE_FILES_OK;

    /* Only the configured stores: their set never changes in a child. */
    for (apr_hash_index_t *hi = stores ? apr_hash_first(p, stores) : NULL; hi;
         hi = apr_hash_next(hi)) {
        const invoice_filestore_t *fs = apr_hash_this_val(hi);
        const char *reason = NULL;
        invoice_files_status_t st = fs->ops->check(fs->state, p, &reason);

        if (st != INVOICE_FILES_OK && worst != INVOICE_FILES_MISCONFIGURED) {
            worst = st;
            *why = apr_pstrcat(p, "file store ", fs->name, ": ", reason, NULL);
        }
    }
    return worst;
}
