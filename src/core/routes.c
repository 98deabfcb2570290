/* Route matching over the table of core/routes.def.  Pure code. */
#include "core/routes.h"

#include <string.h>

#include "core/util/decimal.h"

static const invoice_route_def_t routes[] = {
#define INVOICE_ROUTE(action, method, template, role, body, handler, label) \
    { INVOICE_ACTION_##action, #method, template, INVOICE_ROLE_##role,     \
      INVOICE_BODY_##body, label },
#define INVOICE_OPS(action, label) \
    { INVOICE_ACTION_##action, NULL, NULL, INVOICE_ROLE_NONE,              \
      INVOICE_BODY_DISCARD, label },
#include "core/routes.def"
#undef INVOICE_ROUTE
#undef INVOICE_OPS
};

#define NROUTES (sizeof(routes) / sizeof(routes[0]))

const invoice_route_def_t *invoice_route_def(int action)
{
    for (size_t i = 0; i < NROUTES; i++) {
        if ((int)routes[i].action == action) {
            return &routes[i];
        }
    }
    return NULL;
}

const char *invoice_route_label(int action)
{
    const invoice_route_def_t *def = invoice_route_def(action);
    return def ? def->label : "unmatched";
}

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

static int method_fits(const char *route_method, const char *method)
{
    if (strcmp(route_method, "GET") == 0 && strcmp(method, "HEAD") == 0) {
        return 1;
    }
    return strcmp(route_method, method) == 0;
}

/* The Allow value of a template: its methods, GET with HEAD, in the
 * order GET, HEAD, POST. */
static void allow_of(const char *template, char *allow)
{
    int get = 0, post = 0;

    for (size_t i = 0; i < NROUTES; i++) {
        if (routes[i].template && strcmp(routes[i].template, template) == 0) {
            get |= strcmp(routes[i].method, "GET") == 0;
            post |= strcmp(routes[i].method, "POST") == 0;
        }
    }
    strcpy(allow, get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : "POST");
}

invoice_route_status_t invoice_route_match(const char *method,
                                           const char *path,
                                           invoice_route_t *out)
{
    invoice_route_t known;

    memset(out, 0, sizeof(*out));
    memset(&known, 0, sizeof(known));
    if (method == NULL || path == NULL) {
        return INVOICE_ROUTE_NOT_FOUND;
    }
    for (size_t i = 0; i < NROUTES; i++) {
        invoice_route_t r;

        memset(&r, 0, sizeof(r));
        if (routes[i].template == NULL || !match_path(routes[i].template, path, &r)) {
            continue;
        }
        r.role = routes[i].role;
        r.template = routes[i].template;
        allow_of(r.template, r.allow);
        if (method_fits(routes[i].method, method)) {
            r.def = &routes[i];
            r.action = routes[i].action;
            *out = r;
            return INVOICE_ROUTE_OK;
        }
        known = r;
    }
    if (known.template == NULL) {
        return INVOICE_ROUTE_NOT_FOUND;
    }
    *out = known;
    return INVOICE_ROUTE_METHOD_NOT_ALLOWED;
}
