/* Who is calling: an identity source turns a request into a caller acting
 * in the role of the route it calls.  Today one source, the
 * "Authorization: sender N" header (identity/header.c); a new source is a
 * file beside it and a case in invoice_identity_of. */
#ifndef MOD_INVOICE_IDENTITY_IDENTITY_H
#define MOD_INVOICE_IDENTITY_IDENTITY_H

#include <httpd.h>

#include "core/invoice.h"

typedef enum {
    INVOICE_IDENTITY_OK = 0,
    INVOICE_IDENTITY_UNAUTHENTICATED,   /* 401: no usable identity */
} invoice_identity_status_t;

/* Why a request was refused, for the 401 answer. */
typedef struct {
    const char *challenge;  /* WWW-Authenticate value */
    const char *detail;     /* problem detail */
} invoice_identity_refusal_t;

/**
 * The caller of r for a route of the given role.  On UNAUTHENTICATED,
 * *why (when not NULL) says what to answer; out is untouched.
 */
invoice_identity_status_t invoice_identity_of(request_rec *r,
                                              invoice_role_t role,
                                              invoice_caller_t *out,
                                              invoice_identity_refusal_t *why);

#endif
