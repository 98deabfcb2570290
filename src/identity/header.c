/* The `header` identity source: "Authorization: sender N" or "consumer N",
 * as the seed API defined it.  The header is trusted as it is: use it only
 * behind something that sets it, or for development (README). */
#include "identity/sources.h"

#include <apr_strings.h>

#include "core/http/authorization.h"

invoice_identity_status_t invoice_identity_from_header(
    request_rec *r, const invoice_identity_conf_t *conf, invoice_role_t role,
    invoice_caller_t *out, invoice_identity_refusal_t *why)
{
    const char *scheme = invoice_role_name(role);
    int id = 0;

    if (invoice_auth_parse(apr_table_get(r->headers_in, "Authorization"),
                           role, &id)) {
        out->role = role;
        out->id = id;
        return INVOICE_IDENTITY_OK;
    }
    why->challenge = apr_pstrcat(r->pool, scheme, " realm=\"mod_invoice\"", NULL);
    why->detail = apr_pstrcat(r->pool, "Authorization must be \"", scheme,
                              " <id>\" with an id from 1 to 2147483647", NULL);
    return INVOICE_IDENTITY_UNAUTHENTICATED;
}
