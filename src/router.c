/* Method + path -> API action, from one static table of path templates.
 * Pure code. */
#include "router.h"

#include <string.h>

typedef struct {
    const char *template;
    invoice_role_t role;
    invoice_action_t on_get;    /* HEAD too; NONE when GET is not allowed */
    invoice_action_t on_post;   /* NONE when POST is not allowed */
    const char *allow;
} route_def;

#define GET_HEAD "GET, HEAD"

/* "sender" is not a UUID, so .../invoices/sender/{sender_id} and
 * .../invoices/{id} never both match and the order here does not matter. */
static const route_def routes[] = {
    { "/api/sender/invoices", INVOICE_ROLE_SENDER,
      INVOICE_ACTION_SENDER_LIST, INVOICE_ACTION_SENDER_CREATE,
      GET_HEAD ", POST" },
    { "/api/sender/uploads", INVOICE_ROLE_SENDER,
      INVOICE_ACTION_NONE, INVOICE_ACTION_SENDER_UPLOAD, "POST" },
    { "/api/sender/invoices/{id}", INVOICE_ROLE_SENDER,
      INVOICE_ACTION_SENDER_SHOW, INVOICE_ACTION_NONE, GET_HEAD },
    { "/api/consumer/invoices", INVOICE_ROLE_CONSUMER,
      INVOICE_ACTION_CONSUMER_LIST, INVOICE_ACTION_NONE, GET_HEAD },
    { "/api/consumer/invoices/sender/{sender_id}", INVOICE_ROLE_CONSUMER,
      INVOICE_ACTION_CONSUMER_LIST_BY_SENDER, INVOICE_ACTION_NONE, GET_HEAD },
    { "/api/consumer/invoices/{id}", INVOICE_ROLE_CONSUMER,
      INVOICE_ACTION_CONSUMER_SHOW, INVOICE_ACTION_NONE, GET_HEAD },
    { "/api/consumer/invoices/{id}/pay", INVOICE_ROLE_CONSUMER,
      INVOICE_ACTION_NONE, INVOICE_ACTION_CONSUMER_PAY, "POST" },
    { "/api/consumer/invoices/{id}/file", INVOICE_ROLE_CONSUMER,
      INVOICE_ACTION_CONSUMER_FILE, INVOICE_ACTION_NONE, GET_HEAD },
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

static int is_param(const char *seg, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(seg, name, len) == 0;
}

/* One template segment against one path segment; parameters are parsed
 * into out, so a malformed id simply fails to match. */
static int match_segment(const char *t, size_t tl, const char *p, size_t pl,
                         invoice_route_t *out)
{
    if (is_param(t, tl, "{id}")) {
        return invoice_uuid_parse(p, pl, out->id);
    }
    if (is_param(t, tl, "{sender_id}")) {
        return invoice_parse_positive_id(p, pl, &out->sender_id);
    }
    return tl == pl && memcmp(t, p, pl) == 0;
}

/* Segment by segment, so a trailing slash or an empty segment ("//") in
 * the path leaves one side with an extra segment and fails. */
static int match_path(const char *t, const char *p, invoice_route_t *out)
{
    while (*t == '/' && *p == '/') {
        size_t tl = strcspn(++t, "/");
        size_t pl = strcspn(++p, "/");

        if (!match_segment(t, tl, p, pl, out)) {
            return 0;
        }
        t += tl;
        p += pl;
    }
    return *t == '\0' && *p == '\0';
}

static invoice_action_t action_for(const route_def *def, const char *method)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
        return def->on_get;
    }
    if (strcmp(method, "POST") == 0) {
        return def->on_post;
    }
    return INVOICE_ACTION_NONE;
}

invoice_route_status_t invoice_router_match(const char *method,
                                            const char *path,
                                            invoice_route_t *out)
{
    size_t i;

    memset(out, 0, sizeof(*out));
    if (method == NULL || path == NULL) {
        return INVOICE_ROUTE_NOT_FOUND;
    }
    for (i = 0; i < NROUTES; i++) {
        const route_def *def = &routes[i];
        invoice_route_t r;

        memset(&r, 0, sizeof(r));
        if (!match_path(def->template, path, &r)) {
            continue;
        }
        r.role = def->role;
        r.template = def->template;
        r.allow = def->allow;
        r.action = action_for(def, method);
        *out = r;
        return r.action == INVOICE_ACTION_NONE
               ? INVOICE_ROUTE_METHOD_NOT_ALLOWED : INVOICE_ROUTE_OK;
    }
    return INVOICE_ROUTE_NOT_FOUND;
}
