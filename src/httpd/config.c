/* The module's directives and configuration.  See config.h. */
#include "httpd/config.h"

#include <string.h>
#include <apr_strings.h>

#include "core/util/decimal.h"
#include "httpd/private.h"

void *invoice_config_create_dir(apr_pool_t *p, char *path)
{
    invoice_dir_conf_t *d = apr_pcalloc(p, sizeof(*d));

    d->api = -1;
    d->idempotency_ttl = -1;
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
    return d;
}

void *invoice_config_create_srv(apr_pool_t *p, server_rec *s)
{
    return apr_pcalloc(p, sizeof(invoice_srv_conf_t));
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
