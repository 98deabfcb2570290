/* Identities established by Apache: REMOTE_USER (AuthType Basic with
 * htpasswd or mod_authn_dbd, LDAP, OpenID Connect ...) or the value of an
 * ap_expr (a client certificate's CN, an extra column of mod_authn_dbd's
 * query, a header set by an authenticating proxy ...).  The value is a
 * party: "N", "sender:N" or "consumer:N" (invoice_party_parse).  The
 * Authorization header is never read here: it belongs to Apache. */
#include "identity/sources.h"

#include <http_core.h>
#include <http_protocol.h>
#include <apr_strings.h>

/* The answer to a value that is not a usable party. */
static invoice_identity_status_t judge(request_rec *r, const char *value,
                                       const char *what, invoice_role_t role,
                                       invoice_caller_t *out,
                                       invoice_identity_refusal_t *why)
{
    switch (invoice_party_parse(value, role, out)) {
    case INVOICE_PARTY_OK:
        return INVOICE_IDENTITY_OK;
    case INVOICE_PARTY_EMPTY:
        why->detail = "authentication required";
        return INVOICE_IDENTITY_UNAUTHENTICATED;
    case INVOICE_PARTY_OTHER_ROLE:
        why->detail = apr_pstrcat(r->pool, "this identity may not act as a ",
                                  invoice_role_name(role), NULL);
        return INVOICE_IDENTITY_FORBIDDEN;
    default:
        why->detail = "this identity is not a party of the invoice service";
        why->log = apr_pstrcat(r->pool, what, " \"", value, "\" is not a "
                               "party: N, sender:N or consumer:N with N from "
                               "1 to 2147483647", NULL);
        return INVOICE_IDENTITY_FORBIDDEN;
    }
}

invoice_identity_status_t invoice_identity_from_remote_user(
    request_rec *r, const invoice_identity_conf_t *conf, invoice_role_t role,
    invoice_caller_t *out, invoice_identity_refusal_t *why)
{
    invoice_identity_status_t st = judge(r, r->user, "REMOTE_USER", role, out,
                                         why);

    if (st == INVOICE_IDENTITY_UNAUTHENTICATED) {
        if (ap_auth_type(r) == NULL) {
            why->log = "InvoiceIdentity remote-user, but this Location has no "
                       "authentication (AuthType and Require): no caller can "
                       "be known";
        }
        else {
            ap_note_auth_failure(r);    /* the auth module's WWW-Authenticate */
        }
    }
    return st;
}

invoice_identity_status_t invoice_identity_from_expr(
    request_rec *r, const invoice_identity_conf_t *conf, invoice_role_t role,
    invoice_caller_t *out, invoice_identity_refusal_t *why)
{
    const char *err = NULL;
    const char *value = ap_expr_str_exec(r, conf->expr, &err);

    if (err != NULL) {
        why->detail = "authentication required";
        why->log = apr_pstrcat(r->pool, "InvoiceIdentity expression failed: ",
                               err, NULL);
        return INVOICE_IDENTITY_UNAUTHENTICATED;
    }
    return judge(r, value, "InvoiceIdentity expression value", role, out, why);
}
