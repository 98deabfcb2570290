/* File stores by name ("scheme:where", as InvoiceFileStore and the rows
 * say), over the same backends as the module (store/files/).  See
 * tool.h. */
#include "tool.h"

#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

/* The backends of this build, one line each.  tools/tools.mk defines
 * INVOICE_TOOLS_S3 when the s3 backend's source is there to link. */
static const invoice_files_ops_t *const backends[] = {
    &invoice_files_dir,
#ifdef INVOICE_TOOLS_S3
    &invoice_files_s3,
#endif
};

#define BACKEND_COUNT (sizeof(backends) / sizeof(backends[0]))

int tool_store_is_pg(const char *name)
{
    return strcmp(name, "pg") == 0;
}

const char *tool_store_schemes(apr_pool_t *p)
{
    const char *list = "";

    for (size_t i = 0; i < BACKEND_COUNT; i++) {
        list = apr_pstrcat(p, list, i > 0 ? ", " : "", backends[i]->scheme,
                           NULL);
    }
    return list;
}

static const invoice_files_ops_t *backend_of(const char *name,
                                             const char **where)
{
    const char *colon = strchr(name, ':');

    for (size_t i = 0; colon != NULL && i < BACKEND_COUNT; i++) {
        size_t n = strlen(backends[i]->scheme);

        if ((size_t)(colon - name) == n
            && strncmp(name, backends[i]->scheme, n) == 0) {
            *where = colon + 1;
            return backends[i];
        }
    }
    return NULL;
}

const char *tool_store_open(apr_pool_t *p, const char *name,
                            const invoice_files_settings_t *settings,
                            tool_store_t **out)
{
    tool_store_t *st = apr_pcalloc(p, sizeof(*st));
    const char *where = NULL, *err;

    st->name = apr_pstrdup(p, name);
    st->ops = backend_of(name, &where);
    if (st->ops == NULL) {
        return apr_psprintf(p, "'%s' names no file store this tool knows "
                            "(schemes: %s; e.g. file:/var/lib/mod_invoice/"
                            "files)", name, tool_store_schemes(p));
    }
    err = st->ops->configure(p, where, settings, &st->state);
    if (err != NULL) {
        return apr_psprintf(p, "%s: %s", name, err);
    }
    if (st->ops->child_init != NULL) {
        st->ops->child_init(st->state, p);
    }
    *out = st;
    return NULL;
}

/* A user's name, or its number. */
static const char *user_name(apr_pool_t *p, uid_t uid)
{
    const struct passwd *pw = getpwuid(uid);

    return pw ? apr_pstrdup(p, pw->pw_name) : apr_psprintf(p, "uid %ld", (long)uid);
}

const char *tool_store_writable(apr_pool_t *p, const tool_store_t *store)
{
    const char *dir = strchr(store->name, ':') + 1;
    const char *owner;
    struct stat sb;

    if (strcmp(store->ops->scheme, "file") != 0 || stat(dir, &sb) != 0
        || sb.st_uid == geteuid()) {
        return NULL;
    }
    owner = user_name(p, sb.st_uid);
    return apr_psprintf(p, "%s belongs to %s: files this tool wrote there "
                        "as %s (0600, like the module's) could not be read by "
                        "Apache's children; run it as %s (e.g. runuser -u %s "
                        "-- " TOOL_NAME " ...)", dir, owner,
                        user_name(p, geteuid()), owner, owner);
}

/* A name without its trailing slashes; for a directory that exists, its
 * real path. */
static const char *place_of(apr_pool_t *p, const char *name)
{
    size_t n = strlen(name);
    const char *place;
    char *real;

    while (n > 0 && name[n - 1] == '/') {
        n--;
    }
    place = apr_pstrmemdup(p, name, n);
    if (strncmp(place, "file:", 5) == 0
        && (real = realpath(place + 5, NULL)) != NULL) {
        place = apr_pstrcat(p, "file:", real, NULL);
        free(real);
    }
    return place;
}

int tool_store_same_place(apr_pool_t *p, const char *a, const char *b)
{
    return strcmp(place_of(p, a), place_of(p, b)) == 0;
}

const char *tool_files_status(invoice_files_status_t status)
{
    switch (status) {
    case INVOICE_FILES_OK: return "ok";
    case INVOICE_FILES_NOT_FOUND: return "no such file";
    case INVOICE_FILES_UNAVAILABLE: return "the file store is unavailable";
    case INVOICE_FILES_MISCONFIGURED: return "the file store is misconfigured";
    case INVOICE_FILES_ABORTED: return "the copy was refused";
    }
    return "unknown";
}
