/* Startup.  See startup.h. */
#include "httpd/startup.h"

#include <http_core.h>
#include <apr_dbd.h>
#include <apr_env.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <mod_dbd.h>

#include "httpd/breaker.h"
#include "httpd/config.h"
#include "httpd/counters.h"
#include "httpd/db.h"
#include "httpd/diagnosis.h"
#include "httpd/filecache.h"
#include "httpd/filestores.h"
#include "httpd/private.h"
#include "httpd/version.h"
#include "store/diagnose.h"
#include "store/store.h"

/* Each server configuration once: vhosts without a directive of the
 * module share the main server's. */
static int first_time(apr_hash_t *seen, const void *conf)
{
    if (apr_hash_get(seen, &conf, sizeof(conf)) != NULL) {
        return 0;
    }
    apr_hash_set(seen, apr_pmemdup(apr_hash_pool_get(seen), &conf,
                                   sizeof(conf)), sizeof(conf), "");
    return 1;
}

/* The mount's server's database settings, or why they cannot work. */
static const char *check_mount(apr_pool_t *p, const invoice_mount_t *m,
                               invoice_dbd_conf_t *dbd)
{
    const char *why;

    invoice_dbd_conf_read(p, m->vhost, dbd);
    if (dbd->driver == NULL || strcasecmp(dbd->driver, "pgsql") != 0) {
        return apr_psprintf(p, "its server has %s%s: mod_invoice needs "
                            "DBDriver pgsql (and DBDParams)",
                            dbd->driver ? "DBDriver " : "no DBDriver",
                            dbd->driver ? dbd->driver : "");
    }
    if ((why = invoice_store_check_params(p, dbd->params)) != NULL) {
        return apr_pstrcat(p, "its DBDParams do not parse: ", why, NULL);
    }
    if (dbd->min > dbd->max) {
        return apr_psprintf(p, "its DBDMax (%d) is below DBDMin (%d): mod_dbd "
                            "could not build its connection pool", dbd->max,
                            dbd->min);
    }
    return NULL;
}

/* A SetHandler naming one of ours that does not exist (a typo of
 * invoice-health ...) would serve files instead: say so, with its line. */
static int check_handler_names(apr_pool_t *p, const ap_directive_t *n)
{
    int ok = OK;

    for (; n != NULL; n = n->next) {
        const char *args = n->args;
        const char *name = strcasecmp(n->directive, "SetHandler") == 0
                               ? ap_getword_conf(p, &args) : NULL;

        if (name != NULL && strncasecmp(name, "invoice", 7) == 0
            && !invoice_config_handler_is_ours(name)) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, NULL, INVLOGNO(00403)
                         "SetHandler %s at %s:%d: mod_invoice has the handlers "
                         INVOICE_HEALTH_HANDLER ", " INVOICE_METRICS_HANDLER
                         " and " INVOICE_PROBLEM_HANDLER " (the API needs none: "
                         "InvoiceAPI On)", name, n->filename, n->line_num);
            ok = !OK;
        }
        if (n->first_child != NULL && check_handler_names(p, n->first_child) != OK) {
            ok = !OK;
        }
    }
    return ok;
}

int invoice_startup_check_config(apr_pool_t *pconf, apr_pool_t *plog,
                                 apr_pool_t *ptemp, server_rec *s)
{
    apr_hash_t *seen = apr_hash_make(ptemp);
    int ok = check_handler_names(ptemp, ap_conftree);

    if (invoice_filestores_configure(pconf, s) != OK) {
        ok = !OK;
    }

    for (server_rec *sv = s; sv != NULL; sv = sv->next) {
        invoice_srv_conf_t *sc = invoice_config_srv(sv);

        if (sc == NULL || sc->mounts == NULL || !first_time(seen, sc)) {
            continue;
        }
        if (APR_RETRIEVE_OPTIONAL_FN(ap_dbd_prepare) == NULL) {
            ap_log_error(APLOG_MARK, APLOG_EMERG, 0, NULL, INVLOGNO(00001)
                         "InvoiceAPI On at %s:%d needs mod_dbd: LoadModule "
                         "dbd_module first (a2enmod dbd)", sc->mounts->file,
                         sc->mounts->line);
            return !OK;
        }
        for (invoice_mount_t *m = sc->mounts; m != NULL; m = m->next) {
            const char *why = check_mount(pconf, m, &sc->dbd);

            if (why != NULL) {
                ap_log_error(APLOG_MARK, APLOG_EMERG, 0, NULL, INVLOGNO(00401)
                             "InvoiceAPI On at %s:%d (<Location %s>): %s",
                             m->file, m->line, m->path, why);
                ok = !OK;
            }
        }
    }
    return ok;
}

/* libpq's connect_timeout where DBDParams gives none: every connect that
 * mod_dbd makes, some under its pool lock, is bounded.  Environment
 * variables are libpq's defaults for parameters a conninfo leaves out. */
static void default_connect_timeout(apr_pool_t *pconf)
{
    static int ours;    /* set by us before: a restart may change it */
    char *given = NULL;

    if (!ours && apr_env_get(&given, "PGCONNECT_TIMEOUT", pconf) == APR_SUCCESS) {
        return;         /* the operator's */
    }
    apr_env_set("PGCONNECT_TIMEOUT",
                apr_itoa(pconf, invoice_config_connect_timeout()), pconf);
    ours = 1;
}

int invoice_startup_post_config(apr_pool_t *pconf, apr_pool_t *plog,
                                apr_pool_t *ptemp, server_rec *s)
{
    default_connect_timeout(pconf);
    invoice_db_post_config(ptemp, s);
    invoice_breaker_post_config(s);
    invoice_counters_post_config(s);    /* metrics are optional: logged */
    invoice_filecache_post_config(s);   /* so is the download cache */
    invoice_diagnosis_post_config(s);
    /* In the Server header (as ServerTokens allows) and in httpd's own
     * "... configured -- resuming normal operations" line. */
    ap_add_version_component(pconf, "mod_invoice/" INVOICE_VERSION);
    /* Once per start (post_config also runs before the daemon forks). */
    if (ap_state_query(AP_SQ_MAIN_STATE) != AP_SQ_MS_CREATE_PRE_CONFIG) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, INVLOGNO(00402)
                     "mod_invoice/" INVOICE_VERSION " configured");
    }
    return OK;
}

void invoice_startup_child_init(apr_pool_t *pchild, server_rec *s)
{
    invoice_filestores_child_init(pchild);
    invoice_diagnosis_child_init(pchild, s);
}
