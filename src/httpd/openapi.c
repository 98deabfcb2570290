/* GET MOUNT/openapi.json: the OpenAPI 3.1 description of the API, to
 * anyone (no caller: the route has no role).  The JSON is docs/openapi.yaml
 * converted at build time (docs/openapi.mk writes build/openapi_json.inc:
 * the document in two parts around the value of servers[0].url, and the
 * SHA-256 of the whole); the mount of the request fills the gap, so a
 * client generated from it calls this mount.  See handlers.h. */
#include "httpd/handlers.h"

#include <http_protocol.h>
#include <apr_strings.h>

#include "core/util/hex.h"
#include "core/util/json.h"
#include "core/util/sha256.h"
#include "core/util/utf8.h"
#include "httpd/config.h"
#include "httpd/respond.h"

/* invoice_openapi_head, invoice_openapi_tail, INVOICE_OPENAPI_SHA256 */
#include <openapi_json.inc>

/* A strong validator of this document at this mount. */
static const char *etag_of(apr_pool_t *p, const char *mount)
{
    const char *both = apr_pstrcat(p, INVOICE_OPENAPI_SHA256, " ", mount, NULL);
    unsigned char digest[INVOICE_SHA256_LEN];
    char hex[2 * INVOICE_SHA256_LEN + 1];

    invoice_sha256((const unsigned char *)both, strlen(both), digest);
    invoice_hex_encode(digest, 16, hex);
    return apr_pstrcat(p, "\"", hex, "\"", NULL);
}

int invoice_h_openapi(invoice_call_t *call)
{
    request_rec *r = call->r;
    const char *prefix = invoice_config_mount_prefix(r);
    const char *mount = prefix != NULL && *prefix != '\0' ? prefix : "/";
    const char *body;
    int cond;

    apr_table_setn(r->headers_out, "ETag", etag_of(r->pool, mount));
    /* Cached, but asked again each time: a new module answers anew. */
    apr_table_setn(r->headers_out, "Cache-Control", "no-cache");
    cond = ap_meets_conditions(r);
    if (cond != OK) {
        r->status = cond;
        return cond == HTTP_NOT_MODIFIED
                   ? DONE
                   : invoice_send_problem(r, cond, "precondition failed", NULL);
    }
    body = apr_pstrcat(r->pool, invoice_openapi_head,
                       invoice_json_quote(r->pool,
                                          invoice_utf8_clean(r->pool, mount)),
                       invoice_openapi_tail, NULL);
    return invoice_send_json(r, HTTP_OK, body, strlen(body));
}
