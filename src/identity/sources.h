/* The identity sources behind invoice_identity_of, one file each. */
#ifndef MOD_INVOICE_IDENTITY_SOURCES_H
#define MOD_INVOICE_IDENTITY_SOURCES_H

#include "identity/identity.h"

/** "Authorization: sender N" / "consumer N" (identity/header.c). */
invoice_identity_status_t invoice_identity_from_header(request_rec *r,
                                                       invoice_role_t role,
                                                       invoice_caller_t *out,
                                                       invoice_identity_refusal_t *why);

#endif
