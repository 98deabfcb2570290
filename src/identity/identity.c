/* Who is calling.  See identity.h. */
#include "identity/identity.h"

#include "identity/sources.h"

invoice_identity_status_t invoice_identity_of(request_rec *r,
                                              invoice_role_t role,
                                              invoice_caller_t *out,
                                              invoice_identity_refusal_t *why)
{
    return invoice_identity_from_header(r, role, out, why);
}
