/* The health endpoints: liveness and readiness.  See ops.h. */
#include "httpd/ops.h"

#include <http_protocol.h>
#include <apr_strings.h>

#include "core/routes.h"
#include "httpd/context.h"
#include "httpd/db.h"
#include "httpd/diagnosis.h"
#include "httpd/filestores.h"
#include "httpd/respond.h"

static int send_status(request_rec *r, int status, const char *word)
{
    const char *body = apr_psprintf(r->pool, "{\"status\":\"%s\"}", word);
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    return invoice_send_json(r, status, body, strlen(body));
}

/* Ready: a pooled connection answers now, its server takes writes, the
 * last diagnosis found no misconfiguration, and the file stores can be
 * written.  Otherwise 503, with the reason. */
static int ready_or_why(request_rec *r)
{
    invoice_db_diagnosis_t d = invoice_diagnosis_of(r);
    invoice_store_status_t ping = d.health == INVOICE_DB_MISCONFIGURED
        ? INVOICE_STORE_UNAVAILABLE : invoice_store_ping(invoice_db_store(r));
    invoice_files_status_t files;
    const char *why = NULL;

    if (ping == INVOICE_STORE_READ_ONLY) {
        return invoice_send_unavailable(r, "the database takes no writes (a "
                                        "standby: a failover under way, or "
                                        "DBDParams without "
                                        "target_session_attrs=read-write)",
                                        "outage");
    }
    if (ping == INVOICE_STORE_OK && (files = invoice_filestores_check(
                                         r->pool, &why)) != INVOICE_FILES_OK) {
        return invoice_send_unavailable(r, why,
                                        files == INVOICE_FILES_MISCONFIGURED
                                            ? "misconfiguration" : "outage");
    }
    if (ping == INVOICE_STORE_OK) {
        if (d.health != INVOICE_DB_FINE) {
            invoice_diagnosis_suspect(r);   /* back: say so soon */
        }
        return send_status(r, HTTP_OK, "ready");
    }
    invoice_diagnosis_suspect(r);
    if (d.health == INVOICE_DB_MISCONFIGURED) {
        return invoice_send_unavailable(r, d.reason, "misconfiguration");
    }
    return invoice_send_unavailable(r, d.reason ? d.reason
                                    : "the database is unavailable", "outage");
}

/* Does the path end in the segment "/name" (/readyz, /ops/readyz)? */
static int ends_with_segment(const char *uri, const char *name)
{
    size_t n = strlen(uri), m = strlen(name);

    return n > m && uri[n - m - 1] == '/' && strcmp(uri + n - m, name) == 0;
}

/* Liveness at .../healthz, readiness at .../readyz; anything below them
 * (/readyz/x) is no health check at all. */
int invoice_ops_health(request_rec *r)
{
    int ready = ends_with_segment(r->uri, "readyz");

    if (!ready && !ends_with_segment(r->uri, "healthz")) {
        return invoice_send_problem(r, HTTP_NOT_FOUND, "no such resource", NULL);
    }
    invoice_req_identify(r, ready ? INVOICE_ACTION_READYZ
                                  : INVOICE_ACTION_HEALTHZ, NULL, NULL);
    if (r->method_number != M_GET) {
        return invoice_send_not_allowed(r, "GET, HEAD",
                                        "health checks allow GET, HEAD");
    }
    if (!ready) {
        return send_status(r, HTTP_OK, "ok");   /* liveness: no database */
    }
    return ready_or_why(r);
}

