/* Who is calling: an identity source turns a request into a caller acting
 * in the role of the route it calls.  The source is chosen per directory
 * with InvoiceIdentity:
 *   header       "Authorization: sender N" / "consumer N" (identity/header.c)
 *   remote-user  REMOTE_USER, as any Apache auth module sets it
 *                (identity/apache.c)
 *   expr=...     an ap_expr string evaluated per request (identity/apache.c)
 * A new source is a file beside these, declared in identity/sources.h and
 * chosen in identity/identity.c. */
#ifndef MOD_INVOICE_IDENTITY_IDENTITY_H
#define MOD_INVOICE_IDENTITY_IDENTITY_H

#include <httpd.h>
#include <ap_expr.h>

#include "core/invoice.h"

typedef enum {
    INVOICE_IDENTITY_HEADER = 0,    /* the default */
    INVOICE_IDENTITY_REMOTE_USER,
    INVOICE_IDENTITY_EXPR,
} invoice_identity_mode_t;

/* The identity source of a directory (InvoiceIdentity). */
typedef struct {
    invoice_identity_mode_t mode;
    const ap_expr_info_t *expr;     /* the expression of INVOICE_IDENTITY_EXPR */
} invoice_identity_conf_t;

typedef enum {
    INVOICE_IDENTITY_OK = 0,
    INVOICE_IDENTITY_UNAUTHENTICATED,   /* 401: no usable identity */
    INVOICE_IDENTITY_FORBIDDEN,         /* 403: an identity, not usable here */
} invoice_identity_status_t;

/* Why a request was refused, for the 401 or 403 answer. */
typedef struct {
    const char *challenge;  /* WWW-Authenticate value of a 401, or NULL */
    const char *detail;     /* problem detail */
    const char *log;        /* a line for the error log (the operator's
                               side of the story), or NULL */
} invoice_identity_refusal_t;

/**
 * The caller of r for a route of the given role.  Unless OK, *why says
 * what to answer; out is set on OK only.
 */
invoice_identity_status_t invoice_identity_of(request_rec *r,
                                              const invoice_identity_conf_t *conf,
                                              invoice_role_t role,
                                              invoice_caller_t *out,
                                              invoice_identity_refusal_t *why);

#endif
