/* RFC 9457 problem details: the one error format of the API.  Pure code. */
#ifndef MOD_INVOICE_CORE_HTTP_PROBLEM_H
#define MOD_INVOICE_CORE_HTTP_PROBLEM_H

#include <apr_pools.h>
#include <apr_tables.h>

#define INVOICE_PROBLEM_MEDIA "application/problem+json"

/* Field errors of a 422, in the order they were found: field -> messages. */
typedef struct invoice_field_errors_t invoice_field_errors_t;

invoice_field_errors_t *invoice_field_errors_make(apr_pool_t *p);

/** Add msg (a static string) to field; field is copied. */
void invoice_field_errors_add(invoice_field_errors_t *e, const char *field,
                              const char *msg);

int invoice_field_errors_count(const invoice_field_errors_t *e);

/** The reason phrase of an HTTP status ("Not Found"), "Error" if unknown. */
const char *invoice_problem_title(int status);

/**
 * Render {"type","title","status","detail"[,"errors"]} as JSON.
 * @param detail  human-readable explanation (escaped as needed)
 * @param errors  NULL or the field errors of a 422
 * @param len     receives the length of the returned string
 */
const char *invoice_problem_render(apr_pool_t *p, int status,
                                   const char *detail,
                                   const invoice_field_errors_t *errors,
                                   apr_size_t *len);

/**
 * The same with extension members (RFC 9457 section 3.2): members is NULL
 * or a NULL-terminated list of name, value pairs of strings, e.g.
 * { "cause", "misconfiguration", NULL }.
 */
const char *invoice_problem_render_members(apr_pool_t *p, int status,
                                           const char *detail,
                                           const invoice_field_errors_t *errors,
                                           const char *const *members,
                                           apr_size_t *len);

#endif
