/* Invoice files in a directory (InvoiceFileStore file:/path): a local
 * disk or a volume shared by several nodes (NFS, CephFS, a Kubernetes
 * PVC).  A file KEY lives at DIR/KK/KEY, KK its last two characters (256
 * subdirectories: no directory grows huge).  Written under a temporary
 * name in the same directory, fsync'ed, renamed, and the directory
 * fsync'ed: after commit the file survives a crash, and a reader never
 * sees a partial one.  See store/files.h. */
#include "store/files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_strings.h>

#define READ_CHUNK (64 * 1024)
#define TEMP_MARK ".tmp."
#define STALE_TEMP apr_time_from_sec(86400)

typedef struct {
    const char *dir;
} dir_t;

typedef struct {
    const dir_t *d;
    apr_pool_t *pool;
    const char *subdir, *path, *temp;
    apr_file_t *file;
} writer_t;

/* What an errno says: someone must fix the directory, or it may pass. */
static invoice_files_status_t status_of(int err)
{
    switch (err) {
    case ENOENT: case ENOTDIR: case EACCES: case EPERM: case EROFS:
        return INVOICE_FILES_MISCONFIGURED;
    default:
        return INVOICE_FILES_UNAVAILABLE;
    }
}

static invoice_files_status_t failed(apr_pool_t *p, const char *what,
                                     const char *path, apr_status_t rv,
                                     const char **why)
{
    char buf[120];

    *why = apr_psprintf(p, "cannot %s %s: %s", what, path,
                        apr_strerror(rv, buf, sizeof(buf)));
    return status_of(APR_TO_OS_ERROR(rv));
}

static const char *configure(apr_pool_t *p, const char *where,
                             const invoice_files_settings_t *settings,
                             void **state)
{
    dir_t *d = apr_pcalloc(p, sizeof(*d));
    size_t n = strlen(where);

    if (where[0] != '/' || strstr(where, "/../") != NULL) {
        return apr_psprintf(p, "file: needs an absolute directory, not '%s'",
                            where);
    }
    while (n > 1 && where[n - 1] == '/') {
        n--;
    }
    d->dir = apr_pstrmemdup(p, where, n);
    *state = d;
    return NULL;
}

/* A key is an invoice id: nothing that could leave the directory. */
static int key_ok(const char *key)
{
    size_t n = strlen(key);

    return n >= 2 && key[0] != '.' && strchr(key, '/') == NULL;
}

static const char *subdir_of(apr_pool_t *p, const dir_t *d, const char *key)
{
    return apr_pstrcat(p, d->dir, "/", key + strlen(key) - 2, NULL);
}

/* fsync a directory: what makes a new name in it durable. */
static apr_status_t sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ok = fd >= 0 && fsync(fd) == 0;
    int err = errno;

    if (fd >= 0) {
        close(fd);
    }
    return ok ? APR_SUCCESS : APR_FROM_OS_ERROR(err);
}

/* The subdirectory of a new file, made (durably) when it is the first. */
static apr_status_t make_subdir(const dir_t *d, const char *subdir)
{
    if (mkdir(subdir, 0750) == 0) {
        return sync_dir(d->dir);
    }
    return errno == EEXIST ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
}

static invoice_files_status_t begin(void *state, apr_pool_t *p,
                                    const char *key, void **out,
                                    const char **why)
{
    const dir_t *d = state;
    writer_t *w = apr_pcalloc(p, sizeof(*w));
    apr_status_t rv;

    if (!key_ok(key)) {
        *why = apr_psprintf(p, "not a file key: '%s'", key);
        return INVOICE_FILES_MISCONFIGURED;
    }
    w->d = d;
    w->pool = p;
    w->subdir = subdir_of(p, d, key);
    w->path = apr_pstrcat(p, w->subdir, "/", key, NULL);
    w->temp = apr_pstrcat(p, w->subdir, "/.", key, TEMP_MARK "XXXXXX", NULL);
    rv = make_subdir(d, w->subdir);
    if (rv == APR_SUCCESS) {
        rv = apr_file_mktemp(&w->file, (char *)w->temp, APR_FOPEN_CREATE
                             | APR_FOPEN_WRITE | APR_FOPEN_EXCL, p);
    }
    if (rv != APR_SUCCESS) {
        return failed(p, "create a file in", w->subdir, rv, why);
    }
    *out = w;
    return INVOICE_FILES_OK;
}

static invoice_files_status_t put(void *writer, const char *data,
                                  apr_size_t len, const char **why)
{
    writer_t *w = writer;
    apr_status_t rv = apr_file_write_full(w->file, data, len, NULL);

    return rv == APR_SUCCESS ? INVOICE_FILES_OK
                             : failed(w->pool, "write", w->temp, rv, why);
}

static void abort_write(void *writer)
{
    writer_t *w = writer;

    if (w->file != NULL) {
        apr_file_close(w->file);
        w->file = NULL;
    }
    apr_file_remove(w->temp, w->pool);
}

/* Data and size on disk, then the name, then the name on disk. */
static invoice_files_status_t commit(void *writer, const unsigned char *sha256,
                                     apr_off_t size, const char **why)
{
    writer_t *w = writer;
    apr_status_t rv = apr_file_sync(w->file);
    apr_status_t closed = apr_file_close(w->file);

    w->file = NULL;
    if (rv == APR_SUCCESS) {
        rv = closed;    /* NFS reports late write errors here */
    }
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(w->temp, w->path, w->pool);
    }
    if (rv == APR_SUCCESS) {
        rv = sync_dir(w->subdir);
        return rv == APR_SUCCESS
                   ? INVOICE_FILES_OK
                   : failed(w->pool, "make durable the name of", w->path, rv,
                            why);
    }
    abort_write(w);
    return failed(w->pool, "store", w->path, rv, why);
}

static invoice_files_status_t open_file(void *state, apr_pool_t *p,
                                        const char *key, apr_file_t **out,
                                        const char **why)
{
    const dir_t *d = state;
    const char *path;
    apr_status_t rv;

    if (!key_ok(key)) {
        return INVOICE_FILES_NOT_FOUND;
    }
    path = apr_pstrcat(p, subdir_of(p, d, key), "/", key, NULL);
    rv = apr_file_open(out, path, APR_FOPEN_READ | APR_FOPEN_BINARY
                       | APR_FOPEN_SENDFILE_ENABLED, 0, p);
    if (APR_STATUS_IS_ENOENT(rv)) {
        return INVOICE_FILES_NOT_FOUND;
    }
    return rv == APR_SUCCESS ? INVOICE_FILES_OK
                             : failed(p, "open", path, rv, why);
}

static invoice_files_status_t read_range(void *state, apr_pool_t *p,
                                         const char *key, apr_off_t start,
                                         apr_off_t len,
                                         invoice_store_sink_fn sink, void *ctx,
                                         const char **why)
{
    apr_file_t *f;
    char *buf;
    invoice_files_status_t st = open_file(state, p, key, &f, why);
    apr_status_t rv;

    if (st != INVOICE_FILES_OK) {
        return st;
    }
    buf = apr_palloc(p, READ_CHUNK);
    rv = apr_file_seek(f, APR_SET, &start);
    while (rv == APR_SUCCESS && len > 0) {
        apr_size_t n = len < READ_CHUNK ? (apr_size_t)len : READ_CHUNK;

        rv = apr_file_read_full(f, buf, n, NULL);
        if (rv == APR_SUCCESS && !sink(ctx, buf, n)) {
            apr_file_close(f);
            return INVOICE_FILES_ABORTED;
        }
        len -= (apr_off_t)n;
    }
    apr_file_close(f);
    return rv == APR_SUCCESS ? INVOICE_FILES_OK
                             : failed(p, "read", key, rv, why);
}

static invoice_files_status_t remove_file(void *state, apr_pool_t *p,
                                          const char *key, const char **why)
{
    const dir_t *d = state;
    const char *path;
    apr_status_t rv;

    if (!key_ok(key)) {
        return INVOICE_FILES_NOT_FOUND;
    }
    path = apr_pstrcat(p, subdir_of(p, d, key), "/", key, NULL);
    rv = apr_file_remove(path, p);
    if (APR_STATUS_IS_ENOENT(rv)) {
        return INVOICE_FILES_NOT_FOUND;
    }
    return rv == APR_SUCCESS ? INVOICE_FILES_OK
                             : failed(p, "remove", path, rv, why);
}

/* One subdirectory of the sweep: old files to each(); temporary files a
 * day old (a writer that died) are removed on the way.  0 when each() said
 * stop. */
static int list_subdir(apr_pool_t *p, const char *subdir, apr_time_t before,
                       int (*each)(void *ctx, const char *key), void *ctx)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    int go_on = 1;

    if (apr_dir_open(&dir, subdir, p) != APR_SUCCESS) {
        return 1;
    }
    while (go_on && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE
                                 | APR_FINFO_MTIME, dir) == APR_SUCCESS) {
        if (fi.filetype != APR_REG || fi.mtime >= before) {
            continue;
        }
        if (fi.name[0] == '.') {
            /* A writer's temporary file: one a day old belongs to a writer
             * that died (no upload lasts that long). */
            if (strstr(fi.name, TEMP_MARK) != NULL
                && fi.mtime < apr_time_now() - STALE_TEMP) {
                apr_file_remove(apr_pstrcat(p, subdir, "/", fi.name, NULL), p);
            }
            continue;
        }
        go_on = each(ctx, fi.name);
    }
    apr_dir_close(dir);
    return go_on;
}

static invoice_files_status_t list(void *state, apr_pool_t *p,
                                   apr_time_t before,
                                   int (*each)(void *ctx, const char *key),
                                   void *ctx, const char **why)
{
    const dir_t *d = state;
    apr_dir_t *top;
    apr_finfo_t fi;
    apr_status_t rv = apr_dir_open(&top, d->dir, p);
    int go_on = 1;

    if (rv != APR_SUCCESS) {
        return failed(p, "list", d->dir, rv, why);
    }
    while (go_on && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, top)
                        == APR_SUCCESS) {
        if (fi.filetype == APR_DIR && fi.name[0] != '.') {
            go_on = list_subdir(p, apr_pstrcat(p, d->dir, "/", fi.name, NULL),
                                before, each, ctx);
        }
    }
    apr_dir_close(top);
    return INVOICE_FILES_OK;
}

/* Writable now?  A probe file is made, synced and removed. */
static invoice_files_status_t check(void *state, apr_pool_t *p,
                                    const char **why)
{
    const dir_t *d = state;
    apr_file_t *f;
    char *name = apr_pstrcat(p, d->dir, "/.check" TEMP_MARK "XXXXXX", NULL);
    apr_status_t rv = apr_file_mktemp(&f, name, APR_FOPEN_CREATE
                                      | APR_FOPEN_WRITE | APR_FOPEN_EXCL, p);

    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, "ok", 2, NULL);
        if (rv == APR_SUCCESS) {
            rv = apr_file_sync(f);
        }
        apr_file_close(f);
        apr_file_remove(name, p);
    }
    return rv == APR_SUCCESS ? INVOICE_FILES_OK
                             : failed(p, "write in the file store directory",
                                      d->dir, rv, why);
}

const invoice_files_ops_t invoice_files_dir = {
    "file", configure, NULL, begin, put, commit, abort_write, read_range,
    open_file, NULL, remove_file, list, check,
};
