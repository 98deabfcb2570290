/* Parties and roles.  See invoice.h. */
#include "core/invoice.h"

#include <stddef.h>
#include <string.h>

#include "core/util/decimal.h"

const char *invoice_role_name(invoice_role_t role)
{
    switch (role) {
    case INVOICE_ROLE_SENDER:
        return "sender";
    case INVOICE_ROLE_CONSUMER:
        return "consumer";
    default:
        return NULL;
    }
}

/* "sender:" or "consumer:" at the start of value: its role, else NONE. */
static invoice_role_t role_prefix(const char *value, size_t *len)
{
    for (invoice_role_t r = INVOICE_ROLE_SENDER; r <= INVOICE_ROLE_CONSUMER; r++) {
        size_t n = strlen(invoice_role_name(r));

        if (strncmp(value, invoice_role_name(r), n) == 0 && value[n] == ':') {
            *len = n + 1;
            return r;
        }
    }
    return INVOICE_ROLE_NONE;
}

invoice_party_status_t invoice_party_parse(const char *value,
                                           invoice_role_t role,
                                           invoice_caller_t *out)
{
    size_t skip = 0;
    invoice_role_t only;
    int id;

    if (value == NULL || *value == '\0') {
        return INVOICE_PARTY_EMPTY;
    }
    only = role_prefix(value, &skip);
    if (!invoice_parse_positive_id(value + skip, strlen(value + skip), &id)) {
        return INVOICE_PARTY_MALFORMED;
    }
    if (only != INVOICE_ROLE_NONE && only != role) {
        return INVOICE_PARTY_OTHER_ROLE;
    }
    out->role = role;
    out->id = id;
    return INVOICE_PARTY_OK;
}

const char *invoice_status_name(invoice_status_t status)
{
    static const char *const names[] = { NULL, "open", "paid", "void" };

    return status >= INVOICE_STATUS_OPEN && status <= INVOICE_STATUS_VOID
               ? names[status] : NULL;
}

invoice_status_t invoice_status_parse(const char *s, size_t len)
{
    for (int st = INVOICE_STATUS_OPEN; st <= INVOICE_STATUS_VOID; st++) {
        const char *name = invoice_status_name((invoice_status_t)st);

        if (len == strlen(name) && memcmp(s, name, len) == 0) {
            return (invoice_status_t)st;
        }
    }
    return INVOICE_STATUS_NONE;
}

const char *invoice_event_type_name(invoice_event_type_t type)
{
    static const char *const names[] = {
        NULL, "invoice.created", "invoice.paid", "invoice.voided",
        "invoice.downloaded",
    };

    return type >= INVOICE_EVENT_CREATED && type <= INVOICE_EVENT_DOWNLOADED
               ? names[type] : NULL;
}
