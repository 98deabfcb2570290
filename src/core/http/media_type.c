/* Media type matching.  See media_type.h. */
#include "core/http/media_type.h"

#include <string.h>
#include <strings.h>

const char *invoice_media_type_match(const char *value, const char *type)
{
    size_t n = strlen(type);

    if (value == NULL || strncasecmp(value, type, n) != 0) {
        return NULL;
    }
    value += n;
    while (*value == ' ' || *value == '\t') {
        value++;
    }
    return *value == '\0' || *value == ';' ? value : NULL;
}
