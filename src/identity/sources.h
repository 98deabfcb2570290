/* The identity sources behind invoice_identity_of, one file each.  Each
 * has the signature of invoice_identity_of. */
#ifndef MOD_INVOICE_IDENTITY_SOURCES_H
#define MOD_INVOICE_IDENTITY_SOURCES_H

#include "identity/identity.h"

typedef invoice_identity_status_t invoice_identity_source_fn(
    request_rec *r, const invoice_identity_conf_t *conf, invoice_role_t role,
    invoice_caller_t *out, invoice_identity_refusal_t *why);

/* "Authorization: sender N" / "consumer N" (identity/header.c). */
invoice_identity_source_fn invoice_identity_from_header;
/* REMOTE_USER and expr=... (identity/apache.c). */
invoice_identity_source_fn invoice_identity_from_remote_user;
invoice_identity_source_fn invoice_identity_from_expr;

#endif
