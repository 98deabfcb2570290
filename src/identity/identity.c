/* Who is calling.  See identity.h. */
#include "identity/identity.h"

#include "identity/sources.h"

invoice_identity_status_t invoice_identity_of(request_rec *r,
                                              const invoice_identity_conf_t *conf,
                                              invoice_role_t role,
                                              invoice_caller_t *out,
                                              invoice_identity_refusal_t *why)
{
    static invoice_identity_source_fn *const sources[] = {
        [INVOICE_IDENTITY_HEADER] = invoice_identity_from_header,
        [INVOICE_IDENTITY_REMOTE_USER] = invoice_identity_from_remote_user,
        [INVOICE_IDENTITY_EXPR] = invoice_identity_from_expr,
    };

    why->challenge = why->detail = why->log = NULL;
    return sources[conf->mode](r, conf, role, out, why);
}
