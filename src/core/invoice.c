/* Parties and roles.  See invoice.h. */
#include "core/invoice.h"

#include <stddef.h>

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
