/* libFuzzer target: the strict JSON validator.  Cross-check against json-c:
 * an object or array document that passes must be parsed completely by
 * json-c in strict mode with the matching depth (what create_request does
 * next), or json-c would see something else than what was validated. */
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "core/request/json_strict.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *buf = (const char *)data, *err = NULL;
    size_t i = 0;

    if (size > 0 && size < 2 * INVOICE_JSON_MAX_DEPTH) {
        /* Short inputs also probe small depth limits. */
        int depth = data[0] % (INVOICE_JSON_MAX_DEPTH + 2) - 1;
        (void)invoice_json_check(buf, size, depth, NULL);
    }
    if (!invoice_json_check(buf, size, INVOICE_JSON_MAX_DEPTH, &err)) {
        FUZZ_CHECK(err != NULL);
        return 0;
    }
    while (i < size && strchr(" \t\r\n", buf[i]) != NULL) {
        i++;
    }
    FUZZ_CHECK(i < size);               /* whitespace alone is not JSON */
    if (buf[i] == '{' || buf[i] == '[') {
        json_tokener *tok = json_tokener_new_ex(INVOICE_JSON_MAX_DEPTH + 1);
        json_object *obj;

        FUZZ_CHECK(tok != NULL);
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        obj = json_tokener_parse_ex(tok, buf, (int)size);
        if (obj == NULL || json_tokener_get_error(tok) != json_tokener_success
            || json_tokener_get_parse_end(tok) != size) {
            fprintf(stderr, "json-c: %s at %zu of %zu\n",
                    json_tokener_error_desc(json_tokener_get_error(tok)),
                    json_tokener_get_parse_end(tok), size);
            FUZZ_CHECK(!"json_strict accepted what json-c refuses");
        }
        FUZZ_CHECK(json_object_is_type(obj, buf[i] == '{' ? json_type_object
                                                          : json_type_array));
        json_object_put(obj);
        json_tokener_free(tok);
    }
    return 0;
}
