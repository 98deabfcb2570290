/* The module's directives and configuration.  See config.h. */
#include "httpd/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <http_main.h>
#include <apr_strings.h>

#include "core/util/decimal.h"
#include "httpd/filestores.h"
#include "httpd/private.h"

void *invoice_config_create_dir(apr_pool_t *p, char *path)
{
    invoice_dir_conf_t *d = apr_pcalloc(p, sizeof(*d));

    d->api = -1;
    d->idempotency_ttl = -1;
    d->db_statement = d->db_request = d->db_transfer = -1;
    return d;
}

/* Each setting pair (api with its mount, the identity mode with its
 * expression) comes whole from the innermost section that set it. */
void *invoice_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    const invoice_dir_conf_t *base = basev, *add = addv;
    invoice_dir_conf_t *d = apr_pmemdup(p, add, sizeof(*d));

    if (add->api == -1) {
        d->api = base->api;
        d->mount = base->mount;
    }
    if (!add->identity_set) {
        d->identity_set = base->identity_set;
        d->identity = base->identity;
    }
    d->idempotency_ttl = add->idempotency_ttl != -1 ? add->idempotency_ttl
                         : base->idempotency_ttl != -1 ? base->idempotency_ttl
                         : INVOICE_IDEM_TTL_DEFAULT;
    d->db_statement = add->db_statement != -1 ? add->db_statement
                                              : base->db_statement;
    d->db_request = add->db_request != -1 ? add->db_request : base->db_request;
    d->db_transfer = add->db_transfer != -1 ? add->db_transfer
                                            : base->db_transfer;
    d->file_store = add->file_store ? add->file_store : base->file_store;
    return d;
}

void *invoice_config_create_srv(apr_pool_t *p, server_rec *s)
{
    invoice_srv_conf_t *sc = apr_pcalloc(p, sizeof(*sc));

    sc->download_cache = -1;
    return sc;
}

/* The path of a <Location>, without a trailing slash ("/" stays); NULL when
 * it is not a plain path. */
static const char *mount_path(apr_pool_t *p, const char *path)
{
    size_t n = path ? strlen(path) : 0;

    if (n == 0 || path[0] != '/' || strstr(path, "//") != NULL
        || strpbrk(path, "*?[") != NULL) {
        return NULL;
    }
    while (n > 1 && path[n - 1] == '/') {
        n--;
    }
    return apr_pstrmemdup(p, path, n);
}

static void remember_mount(cmd_parms *cmd, const char *path)
{
    invoice_srv_conf_t *sc = ap_get_module_config(cmd->server->module_config,
                                                  &invoice_module);
    invoice_mount_t *m = apr_pcalloc(cmd->pool, sizeof(*m));

    m->path = path;
    m->file = cmd->directive->filename;
    m->line = cmd->directive->line_num;
    for (const ap_directive_t *n = cmd->directive->parent; n; n = n->parent) {
        if (strcasecmp(n->directive, "<VirtualHost") == 0) {
            m->vhost = n;
            break;
        }
    }
    m->next = sc->mounts;
    sc->mounts = m;
}

static const char *set_api(cmd_parms *cmd, void *dv, int on)
{
    invoice_dir_conf_t *d = dv;
    const ap_directive_t *parent = cmd->directive->parent;
    const char *err = ap_check_cmd_context(cmd, NOT_IN_LIMIT | NOT_IN_DIRECTORY
                                                | NOT_IN_FILES | NOT_IN_HTACCESS
                                                | NOT_IN_PROXY);
    const char *path;

    if (err != NULL) {
        return err;
    }
    /* <LocationMatch> and <Location ~ re> match patterns: no prefix to
     * strip from the paths below them. */
    if (parent == NULL || strcasecmp(parent->directive, "<Location") != 0
        || parent->args[0] == '~'
        || (path = mount_path(cmd->pool, cmd->path)) == NULL) {
        return "InvoiceAPI must be placed directly inside <Location /path> "
               "with a plain path (not <LocationMatch>, <Location ~ ...>, "
               "wildcards or an empty segment)";
    }
    d->api = on;
    d->mount = on ? path : NULL;
    if (on) {
        remember_mount(cmd, path);
    }
    return NULL;
}

static const char *set_identity(cmd_parms *cmd, void *dv, const char *arg)
{
    invoice_dir_conf_t *d = dv;
    const char *err = NULL;

    d->identity_set = 1;
    d->identity.expr = NULL;
    if (strcasecmp(arg, "header") == 0) {
        d->identity.mode = INVOICE_IDENTITY_HEADER;
    }
    else if (strcasecmp(arg, "remote-user") == 0) {
        d->identity.mode = INVOICE_IDENTITY_REMOTE_USER;
    }
    else if (strncasecmp(arg, "expr=", 5) == 0) {
        d->identity.mode = INVOICE_IDENTITY_EXPR;
        d->identity.expr = ap_expr_parse_cmd(cmd, arg + 5,
                                             AP_EXPR_FLAG_STRING_RESULT, &err,
                                             NULL);
        if (err != NULL) {
            return apr_psprintf(cmd->pool, "InvoiceIdentity: cannot parse the "
                                "expression '%s': %s", arg + 5, err);
        }
    }
    else {
        return apr_psprintf(cmd->pool, "InvoiceIdentity must be header, "
                            "remote-user or \"expr=...\", not '%s'", arg);
    }
    return NULL;
}

static const char *set_idempotency_ttl(cmd_parms *cmd, void *dv,
                                       const char *arg)
{
    invoice_dir_conf_t *d = dv;
    long seconds;

    if (!invoice_parse_duration(arg, &seconds) || seconds < 1
        || seconds > 30L * 86400) {
        return apr_psprintf(cmd->pool, "InvoiceIdempotencyTTL must be a "
                            "duration from 1s to 30d (e.g. 24h, 90m, 3600), "
                            "not '%s'", arg);
    }
    d->idempotency_ttl = (int)seconds;
    return NULL;
}

/* A duration directive: seconds from 1 to max, into the int at offset
 * cmd->info of the directory configuration (or of the server's, for the
 * global ones). */
static const char *set_seconds(cmd_parms *cmd, int *field, const char *arg,
                               long max)
{
    long seconds;

    if (!invoice_parse_duration(arg, &seconds) || seconds < 1 || seconds > max) {
        return apr_psprintf(cmd->pool, "%s must be a duration from 1s to %lds "
                            "(e.g. 5, 5s, 2m), not '%s'", cmd->cmd->name, max,
                            arg);
    }
    *field = (int)seconds;
    return NULL;
}

static const char *set_dir_seconds(cmd_parms *cmd, void *dv, const char *arg)
{
    return set_seconds(cmd, (int *)((char *)dv + (intptr_t)cmd->info), arg,
                       3600);
}

static invoice_srv_conf_t *global_conf(cmd_parms *cmd, const char **err)
{
    *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    return invoice_config_srv(cmd->server);
}

static const char *set_connect_timeout(cmd_parms *cmd, void *dv,
                                       const char *arg)
{
    const char *err;
    invoice_srv_conf_t *sc = global_conf(cmd, &err);

    return err ? err : set_seconds(cmd, &sc->db_connect, arg, 60);
}

/* A count from min to max for cmd's directive into *out: NULL, or why
 * not (`unit` says what is counted). */
static const char *set_count(cmd_parms *cmd, int *out, const char *arg,
                             long min, long max, const char *unit)
{
    char *end;
    long n = strtol(arg, &end, 10);

    if (end == arg || *end != '\0' || n < min || n > max) {
        return apr_psprintf(cmd->pool, "%s must be a number from %ld to %ld "
                            "(%s), not '%s'", cmd->cmd->name, min, max, unit,
                            arg);
    }
    *out = (int)n;
    return NULL;
}

/* InvoiceMaxUploads / InvoiceMaxDownloads N: per child. */
static const char *set_max_transfers(cmd_parms *cmd, void *dv, const char *arg)
{
    const char *err;
    invoice_srv_conf_t *sc = global_conf(cmd, &err);

    return err ? err : set_count(cmd, cmd->info ? &sc->max_downloads
                                                : &sc->max_uploads,
                                 arg, 1, 100000, "per child");
}

/* InvoiceFileStore pg | file:DIR | s3:URL: checked against the backends
 * now, configured when the whole configuration is known. */
static const char *set_file_store(cmd_parms *cmd, void *dv, const char *arg)
{
    invoice_dir_conf_t *d = dv;
    invoice_srv_conf_t *sc = invoice_config_srv(cmd->server);
    const char *err = invoice_filestores_check_name(cmd->pool, arg);
    invoice_store_name_t *n;

    if (err != NULL) {
        return apr_pstrcat(cmd->pool, "InvoiceFileStore: ", err, NULL);
    }
    d->file_store = arg;
    if (strcmp(arg, "pg") != 0) {
        if (sc->store_names == NULL) {
            sc->store_names = apr_array_make(cmd->pool, 2, sizeof(*n));
        }
        n = apr_array_push(sc->store_names);
        n->name = arg;
        n->file = cmd->directive->filename;
        n->line = cmd->directive->line_num;
    }
    return NULL;
}

/* A global string setting into the main server's configuration, at the
 * offset in cmd->info. */
static const char *set_global_string(cmd_parms *cmd, void *dv, const char *arg)
{
    const char *err;
    invoice_srv_conf_t *sc = global_conf(cmd, &err);

    if (err == NULL) {
        *(const char **)((char *)sc + (intptr_t)cmd->info) = arg;
    }
    return err;
}

static const char *set_s3_delivery(cmd_parms *cmd, void *dv, const char *arg)
{
    const char *err;
    invoice_srv_conf_t *sc = global_conf(cmd, &err);

    if (err != NULL) {
        return err;
    }
    if (strcasecmp(arg, "proxy") != 0 && strcasecmp(arg, "redirect") != 0) {
        return apr_psprintf(cmd->pool, "InvoiceS3Delivery must be proxy or "
                            "redirect, not '%s'", arg);
    }
    sc->s3_redirect = strcasecmp(arg, "redirect") == 0;
    return NULL;
}

static const char *set_presign_seconds(cmd_parms *cmd, void *dv,
                                       const char *arg)
{
    const char *err;
    invoice_srv_conf_t *sc = global_conf(cmd, &err);

    /* S3 accepts presigned URLs for up to 7 days. */
    return err ? err : set_seconds(cmd, &sc->s3_presign_seconds, arg, 604800);
}

/* InvoiceDownloadCache N: entries shared by the children (filecache.h);
 * 0 turns it off. */
static const char *set_download_cache(cmd_parms *cmd, void *dv,
                                      const char *arg)
{
    const char *err;
    invoice_srv_conf_t *sc = global_conf(cmd, &err);

    return err ? err : set_count(cmd, &sc->download_cache, arg, 0,
                                 INVOICE_DOWNLOAD_CACHE_MAX, "entries; 0: off");
}

const command_rec invoice_directives[] = {
    AP_INIT_FLAG("InvoiceAPI", set_api, NULL, ACCESS_CONF,
                 "On: mount the invoice API at the enclosing <Location>"),
    AP_INIT_TAKE1("InvoiceIdentity", set_identity, NULL, ACCESS_CONF,
                  "Who calls: header (Authorization: sender N), remote-user "
                  "(REMOTE_USER from Apache's authentication) or "
                  "\"expr=<string expression>\""),
    AP_INIT_TAKE1("InvoiceIdempotencyTTL", set_idempotency_ttl, NULL,
                  ACCESS_CONF, "How long an Idempotency-Key is remembered "
                  "(default 24h)"),
    AP_INIT_TAKE1("InvoiceDBStatementTimeout", set_dir_seconds,
                  (void *)APR_OFFSETOF(invoice_dir_conf_t, db_statement),
                  ACCESS_CONF, "Longest wait for one database statement "
                  "(default 2s): then 503"),
    AP_INIT_TAKE1("InvoiceDBRequestTimeout", set_dir_seconds,
                  (void *)APR_OFFSETOF(invoice_dir_conf_t, db_request),
                  ACCESS_CONF, "Longest database time of one request, file "
                  "transfers aside (default 5s): then 503"),
    AP_INIT_TAKE1("InvoiceDBTransferTimeout", set_dir_seconds,
                  (void *)APR_OFFSETOF(invoice_dir_conf_t, db_transfer),
                  ACCESS_CONF, "Longest time a file transfer to or from the "
                  "database may move no byte (default 30s)"),
    AP_INIT_TAKE1("InvoiceDBConnectTimeout", set_connect_timeout, NULL,
                  RSRC_CONF, "libpq's connect_timeout where DBDParams gives "
                  "none (default 2s)"),
    AP_INIT_TAKE1("InvoiceMaxUploads", set_max_transfers, NULL, RSRC_CONF,
                  "Upload bodies a child reads at once (default 20): then 503"),
    AP_INIT_TAKE1("InvoiceMaxDownloads", set_max_transfers, (void *)1,
                  RSRC_CONF, "File downloads a child serves at once "
                  "(default 20): then 503"),
    AP_INIT_TAKE1("InvoiceFileStore", set_file_store, NULL, ACCESS_CONF,
                  "Where new invoice files go: pg (the database, the "
                  "default), file:/directory or s3:http(s)://host/bucket"),
    AP_INIT_TAKE1("InvoiceS3Region", set_global_string,
                  (void *)APR_OFFSETOF(invoice_srv_conf_t, s3_region),
                  RSRC_CONF, "The S3 region signed for (default: AWS_REGION, "
                  "AWS_DEFAULT_REGION, else us-east-1)"),
    AP_INIT_TAKE1("InvoiceS3CredentialsFile", set_global_string,
                  (void *)APR_OFFSETOF(invoice_srv_conf_t, s3_credentials_file),
                  RSRC_CONF, "S3 keys in the AWS shared-credentials format, "
                  "readable by its owner only (default: AWS_* variables)"),
    AP_INIT_TAKE1("InvoiceS3Profile", set_global_string,
                  (void *)APR_OFFSETOF(invoice_srv_conf_t, s3_profile),
                  RSRC_CONF, "The credentials file's profile (default: "
                  "AWS_PROFILE, else default)"),
    AP_INIT_TAKE1("InvoiceS3Delivery", set_s3_delivery, NULL, RSRC_CONF,
                  "proxy (through Apache, the default) or redirect (302 to "
                  "a presigned URL)"),
    AP_INIT_TAKE1("InvoiceS3PresignSeconds", set_presign_seconds, NULL,
                  RSRC_CONF, "How long a presigned download URL is valid "
                  "(default 60)"),
    AP_INIT_TAKE1("InvoiceDownloadCache", set_download_cache, NULL, RSRC_CONF,
                  "Entries of the download facts the children share "
                  "(default 65536, about 13 MB; 0: off)"),
    { NULL }
};

const invoice_dir_conf_t *invoice_config_dir(request_rec *r)
{
    return ap_get_module_config(r->per_dir_config, &invoice_module);
}

invoice_srv_conf_t *invoice_config_srv(server_rec *s)
{
    return ap_get_module_config(s->module_config, &invoice_module);
}

static apr_interval_time_t seconds_or(int seconds, int fallback)
{
    return apr_time_from_sec(seconds > 0 ? seconds : fallback);
}

invoice_store_deadlines_t invoice_config_deadlines(request_rec *r)
{
    const invoice_dir_conf_t *d = invoice_config_dir(r);
    invoice_store_deadlines_t dl = {
        seconds_or(d ? d->db_statement : 0, INVOICE_DB_STATEMENT_DEFAULT),
        seconds_or(d ? d->db_request : 0, INVOICE_DB_REQUEST_DEFAULT),
        seconds_or(d ? d->db_transfer : 0, INVOICE_DB_TRANSFER_DEFAULT),
    };

    return dl;
}

invoice_store_deadlines_t invoice_config_default_deadlines(void)
{
    invoice_store_deadlines_t dl = {
        apr_time_from_sec(INVOICE_DB_STATEMENT_DEFAULT),
        apr_time_from_sec(INVOICE_DB_REQUEST_DEFAULT),
        apr_time_from_sec(INVOICE_DB_TRANSFER_DEFAULT),
    };

    return dl;
}

static const invoice_srv_conf_t *global(void)
{
    return ap_server_conf ? invoice_config_srv(ap_server_conf) : NULL;
}

int invoice_config_connect_timeout(void)
{
    const invoice_srv_conf_t *g = global();

    return g && g->db_connect > 0 ? g->db_connect : INVOICE_DB_CONNECT_DEFAULT;
}

int invoice_config_max_uploads(void)
{
    const invoice_srv_conf_t *g = global();

    return g && g->max_uploads > 0 ? g->max_uploads
                                   : INVOICE_MAX_TRANSFERS_DEFAULT;
}

int invoice_config_max_downloads(void)
{
    const invoice_srv_conf_t *g = global();

    return g && g->max_downloads > 0 ? g->max_downloads
                                     : INVOICE_MAX_TRANSFERS_DEFAULT;
}

int invoice_config_handler_is_ours(const char *handler)
{
    return handler != NULL
        && (strcmp(handler, INVOICE_API_HANDLER) == 0
            || strcmp(handler, INVOICE_HEALTH_HANDLER) == 0
            || strcmp(handler, INVOICE_METRICS_HANDLER) == 0
            || strcmp(handler, INVOICE_PROBLEM_HANDLER) == 0);
}

const char *invoice_config_mount_prefix(request_rec *r)
{
    const invoice_dir_conf_t *d = invoice_config_dir(r);

    if (d == NULL || d->api != 1) {
        return NULL;
    }
    return strcmp(d->mount, "/") == 0 ? "" : d->mount;
}

const char *invoice_config_below_mount(request_rec *r)
{
    const char *prefix = invoice_config_mount_prefix(r);
    size_t n = prefix ? strlen(prefix) : 0;

    /* <Location /billing> also applies to /billing/...: never /billingx. */
    if (prefix == NULL || r->uri == NULL || strncmp(r->uri, prefix, n) != 0
        || (r->uri[n] != '/' && r->uri[n] != '\0')) {
        return NULL;
    }
    return r->uri + n;
}

const char *invoice_config_file_store(request_rec *r)
{
    const invoice_dir_conf_t *d = invoice_config_dir(r);

    return d && d->file_store && strcmp(d->file_store, "pg") != 0
               ? d->file_store : NULL;
}

/* A store's connect and no-progress bound. */
#define FILES_TIMEOUT apr_time_from_sec(10)

invoice_files_settings_t invoice_config_files_settings(server_rec *main_server)
{
    const invoice_srv_conf_t *g = invoice_config_srv(main_server);
    invoice_files_settings_t s = { NULL, NULL, NULL, FILES_TIMEOUT };

    if (g != NULL) {
        s.s3_region = g->s3_region;
        s.s3_credentials_file = g->s3_credentials_file;
        s.s3_profile = g->s3_profile;
    }
    return s;
}

int invoice_config_s3_redirect(void)
{
    const invoice_srv_conf_t *g = global();

    return g && g->s3_redirect;
}

int invoice_config_download_cache(void)
{
    const invoice_srv_conf_t *g = global();

    return g && g->download_cache >= 0 ? g->download_cache
                                       : INVOICE_DOWNLOAD_CACHE_DEFAULT;
}

int invoice_config_s3_presign_seconds(void)
{
    const invoice_srv_conf_t *g = global();

    return g && g->s3_presign_seconds > 0 ? g->s3_presign_seconds
                                          : INVOICE_S3_PRESIGN_DEFAULT;
}
