/* The routes of the module (core/routes.def) and the matching of a
 * request's method and path against them.  Pure code: the glue passes
 * r->method and the path below the API's mount point (already
 * percent-decoded and dot-segment-normalised by httpd). */
#ifndef MOD_INVOICE_CORE_ROUTES_H
#define MOD_INVOICE_CORE_ROUTES_H

#include "core/invoice.h"
#include "core/util/uuid.h"

typedef enum {
    INVOICE_ACTION_NONE = 0,    /* no route: 404, 405 and httpd's errors */
#define INVOICE_ROUTE(action, method, template, role, body, handler, label) \
    INVOICE_ACTION_##action,
#define INVOICE_OPS(action, label) INVOICE_ACTION_##action,
#include "core/routes.def"
#undef INVOICE_ROUTE
#undef INVOICE_OPS
    INVOICE_ACTION_COUNT
} invoice_action_t;

typedef enum {
    INVOICE_BODY_DISCARD = 0,   /* drained before the handler runs */
    INVOICE_BODY_KEEP,          /* read by the handler */
} invoice_body_t;

/* One line of routes.def. */
typedef struct {
    invoice_action_t action;
    const char *method;         /* "GET" or "POST"; NULL for operations */
    const char *template;       /* below the mount; NULL for operations */
    invoice_role_t role;
    invoice_body_t body;
    const char *label;
} invoice_route_def_t;

typedef enum {
    INVOICE_ROUTE_OK = 0,
    INVOICE_ROUTE_NOT_FOUND,            /* no such path, or a malformed id in it */
    INVOICE_ROUTE_METHOD_NOT_ALLOWED,   /* path known, method not: see allow */
} invoice_route_status_t;

#define INVOICE_ALLOW_MAX 24    /* "GET, HEAD, POST" and room to spare */

typedef struct {
    const invoice_route_def_t *def; /* the matched line (NULL unless OK) */
    invoice_action_t action;
    invoice_role_t role;            /* role the route is for */
    const char *template;           /* e.g. "/consumer/invoices/{id}/pay" */
    char allow[INVOICE_ALLOW_MAX];  /* Allow value for the path, "GET, HEAD" */
    char id[INVOICE_UUID_LEN + 1];  /* lowercase invoice id, "" when none */
    int sender_id;                  /* path sender id, 0 when none */
} invoice_route_t;

/**
 * Match a request.  Paths are exact: no trailing slash, no empty segment.
 * HEAD is allowed wherever GET is.  An {id} segment must be a UUID
 * (invoice_uuid_parse) and {sender_id} a positive id
 * (invoice_parse_positive_id), otherwise the path is NOT_FOUND.
 *
 * On OK every field is set.  On METHOD_NOT_ALLOWED action is NONE, def is
 * NULL, and role, template, allow, id and sender_id are set as they would
 * be for OK; on NOT_FOUND every field is zero, NULL or "".  Any method
 * other than GET, HEAD and POST (OPTIONS, lowercase "get" ...) on a known
 * path is METHOD_NOT_ALLOWED.
 *
 * @param method  request method, e.g. "GET" (case-sensitive, as HTTP)
 * @param path    the decoded path below the mount, NUL-terminated
 */
invoice_route_status_t invoice_route_match(const char *method,
                                           const char *path,
                                           invoice_route_t *out);

/** The line of an action (NULL for NONE or out of range). */
const invoice_route_def_t *invoice_route_def(int action);

/** The metric and log label of an action: "POST /api/sender/invoices",
 *  "GET /healthz", or "unmatched" for NONE and anything out of range. */
const char *invoice_route_label(int action);

#endif
