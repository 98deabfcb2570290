/* Method + path -> API action.  Pure code: the glue passes r->method and
 * r->uri (already percent-decoded and dot-segment-normalised by httpd). */
#ifndef MOD_INVOICE_ROUTER_H
#define MOD_INVOICE_ROUTER_H

#include "auth.h"
#include "uuid.h"

typedef enum {
    INVOICE_ACTION_NONE = 0,
    INVOICE_ACTION_SENDER_CREATE,           /* POST /api/sender/invoices */
    INVOICE_ACTION_SENDER_UPLOAD,           /* POST /api/sender/uploads */
    INVOICE_ACTION_SENDER_LIST,             /* GET  /api/sender/invoices */
    INVOICE_ACTION_SENDER_SHOW,             /* GET  /api/sender/invoices/{id} */
    INVOICE_ACTION_CONSUMER_LIST,           /* GET  /api/consumer/invoices */
    INVOICE_ACTION_CONSUMER_SHOW,           /* GET  /api/consumer/invoices/{id} */
    INVOICE_ACTION_CONSUMER_LIST_BY_SENDER, /* GET  /api/consumer/invoices/sender/{sender_id} */
    INVOICE_ACTION_CONSUMER_PAY,            /* POST /api/consumer/invoices/{id}/pay */
    INVOICE_ACTION_CONSUMER_FILE,           /* GET  /api/consumer/invoices/{id}/file */
} invoice_action_t;

typedef enum {
    INVOICE_ROUTE_OK = 0,
    INVOICE_ROUTE_NOT_FOUND,            /* no such path, or a malformed id in it */
    INVOICE_ROUTE_METHOD_NOT_ALLOWED,   /* path known, method not: see allow */
} invoice_route_status_t;

typedef struct {
    invoice_action_t action;
    invoice_role_t role;            /* role whose Authorization the route needs */
    const char *template;           /* e.g. "/api/consumer/invoices/{id}/pay" */
    const char *allow;              /* Allow header value for the path, e.g. "GET, HEAD, POST" */
    char id[INVOICE_UUID_LEN + 1];  /* lowercase invoice id, "" when none */
    int sender_id;                  /* path sender id, 0 when none */
} invoice_route_t;

/**
 * Match a request.  Paths are exact: no trailing slash, no empty segment.
 * HEAD is allowed wherever GET is.  An {id} segment must be a UUID
 * (invoice_uuid_parse) and {sender_id} a positive id
 * (invoice_parse_positive_id), otherwise the path is NOT_FOUND.
 * On METHOD_NOT_ALLOWED, out->template and out->allow are set; on OK every
 * field is set.  out is always fully initialised.
 *
 * Precisely: on METHOD_NOT_ALLOWED action is NONE and role, template,
 * allow, id and sender_id are set as they would be for OK; on NOT_FOUND
 * every field is zero, NULL or "".  Any method other than GET, HEAD and
 * POST (OPTIONS, lowercase "get" ...) on a known path is METHOD_NOT_ALLOWED.
 *
 * @param method  request method, e.g. "GET" (case-sensitive, as HTTP)
 * @param path    the decoded path, NUL-terminated
 */
invoice_route_status_t invoice_router_match(const char *method,
                                            const char *path,
                                            invoice_route_t *out);

#endif
