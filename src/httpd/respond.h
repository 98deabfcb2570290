/* Writing responses: JSON, problem details, and the 503 of a dependency
 * that is unavailable.  Knows request_rec, nothing about invoices. */
#ifndef MOD_INVOICE_HTTPD_RESPOND_H
#define MOD_INVOICE_HTTPD_RESPOND_H

#include <httpd.h>

#include "core/http/problem.h"

/* Seconds a client is told to wait before retrying a 503. */
#define INVOICE_RETRY_AFTER_SECONDS "2"

/** Send status with an application/json body; returns DONE. */
int invoice_send_json(request_rec *r, int status, const char *body,
                      apr_size_t len);

/** Send an application/problem+json response; returns DONE. */
int invoice_send_problem(request_rec *r, int status, const char *detail,
                         const invoice_field_errors_t *errors);

/** The same with extension members (invoice_problem_render_members). */
int invoice_send_problem_members(request_rec *r, int status,
                                 const char *detail,
                                 const char *const *members);

/** 405 problem with Allow; returns DONE. */
int invoice_send_not_allowed(request_rec *r, const char *allow,
                             const char *detail);

/** 503 problem with Retry-After; returns DONE.  cause (NULL, "outage" or
 *  "misconfiguration") becomes the problem's "cause" member. */
int invoice_send_unavailable(request_rec *r, const char *detail,
                             const char *cause);

#endif
