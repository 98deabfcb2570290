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
