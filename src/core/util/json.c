/* Pool-owned json-c trees.  See json.h. */
#include "core/util/json.h"

#include <apr_strings.h>

static apr_status_t put_tree(void *obj)
{
    json_object_put(obj);
    return APR_SUCCESS;
}

json_object *invoice_json_own(apr_pool_t *p, json_object *obj)
{
    if (obj != NULL) {
        apr_pool_cleanup_register(p, obj, put_tree, apr_pool_cleanup_null);
    }
    return obj;
}

json_object *invoice_json_member(json_object *obj, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

const char *invoice_json_text(apr_pool_t *p, json_object *obj, apr_size_t *len)
{
    size_t n = 0;
    const char *text = json_object_to_json_string_length(
        obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

    *len = n;
    return apr_pstrmemdup(p, text, n);
}

const char *invoice_json_quote(apr_pool_t *p, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s), at = 0;
    char *out = apr_palloc(p, 6 * n + 3);   /* each byte at most \u00XX */

    out[at++] = '"';
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\') {
            out[at++] = '\\';
            out[at++] = (char)*c;
        }
        else if (*c < 0x20) {
            memcpy(out + at, "\\u00", 4);
            out[at + 4] = hex[*c >> 4];
            out[at + 5] = hex[*c & 0xf];
            at += 6;
        }
        else {
            out[at++] = (char)*c;
        }
    }
    out[at++] = '"';
    out[at] = '\0';
    return out;
}
