/* RFC 9457 problem details.  json-c does the escaping: details and field
 * names can carry client-chosen text (an unknown field's name). */
#include "core/http/problem.h"

#include <json-c/json.h>
#include <apr_strings.h>

#include "core/util/json.h"
#include "core/util/utf8.h"

struct invoice_field_errors_t {
    apr_pool_t *pool;
    apr_array_header_t *fields;     /* of field_entry */
};

typedef struct {
    const char *name;
    apr_array_header_t *messages;   /* of const char * */
} field_entry;

invoice_field_errors_t *invoice_field_errors_make(apr_pool_t *p)
{
    invoice_field_errors_t *e = apr_palloc(p, sizeof(*e));
    e->pool = p;
    e->fields = apr_array_make(p, 4, sizeof(field_entry));
    return e;
}

static field_entry *find_field(invoice_field_errors_t *e, const char *field)
{
    field_entry *entries = (field_entry *)e->fields->elts;
    for (int i = 0; i < e->fields->nelts; i++) {
        if (strcmp(entries[i].name, field) == 0) {
            return &entries[i];
        }
    }
    return NULL;
}

void invoice_field_errors_add(invoice_field_errors_t *e, const char *field,
                              const char *msg)
{
    field_entry *entry = find_field(e, field);
    if (entry == NULL) {
        entry = apr_array_push(e->fields);
        entry->name = apr_pstrdup(e->pool, field);
        entry->messages = apr_array_make(e->pool, 2, sizeof(const char *));
    }
    *(const char **)apr_array_push(entry->messages) = msg;
}

int invoice_field_errors_count(const invoice_field_errors_t *e)
{
    return e ? e->fields->nelts : 0;
}

const char *invoice_problem_title(int status)
{
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Error";
    }
}

/* Field names and messages can quote the request (a multipart part's
 * name): always valid UTF-8 in the JSON. */
static json_object *errors_object(apr_pool_t *p, const invoice_field_errors_t *e)
{
    json_object *obj = json_object_new_object();
    const field_entry *entries = (const field_entry *)e->fields->elts;
    for (int i = 0; i < e->fields->nelts; i++) {
        json_object *list = json_object_new_array();
        const char **msgs = (const char **)entries[i].messages->elts;
        for (int m = 0; m < entries[i].messages->nelts; m++) {
            json_object_array_add(list, json_object_new_string(
                invoice_utf8_clean(p, msgs[m])));
        }
        json_object_object_add(obj, invoice_utf8_clean(p, entries[i].name), list);
    }
    return obj;
}

const char *invoice_problem_render(apr_pool_t *p, int status,
                                   const char *detail,
                                   const invoice_field_errors_t *errors,
                                   apr_size_t *len)
{
    return invoice_problem_render_members(p, status, detail, errors, NULL, len);
}

const char *invoice_problem_render_members(apr_pool_t *p, int status,
                                           const char *detail,
                                           const invoice_field_errors_t *errors,
                                           const char *const *members,
                                           apr_size_t *len)
{
    json_object *doc = invoice_json_own(p, json_object_new_object());

    /* about:blank: the status code says what kind of problem this is; the
     * detail and (for 422) the errors member say the rest. */
    json_object_object_add(doc, "type", json_object_new_string("about:blank"));
    json_object_object_add(doc, "title",
                           json_object_new_string(invoice_problem_title(status)));
    json_object_object_add(doc, "status", json_object_new_int(status));
    json_object_object_add(doc, "detail",
                           json_object_new_string(
                               invoice_utf8_clean(p, detail ? detail : "")));
    if (invoice_field_errors_count(errors) > 0) {
        json_object_object_add(doc, "errors", errors_object(p, errors));
    }
    for (; members != NULL && members[0] != NULL && members[1] != NULL;
         members += 2) {
        json_object_object_add(doc, members[0],
                               json_object_new_string(
                                   invoice_utf8_clean(p, members[1])));
    }
    return invoice_json_text(p, doc, len);
}
