/* The "Authorization: sender N" / "consumer N" header of the `header`
 * identity source.  Pure code. */
#ifndef MOD_INVOICE_CORE_HTTP_AUTHORIZATION_H
#define MOD_INVOICE_CORE_HTTP_AUTHORIZATION_H

#include "core/invoice.h"

/**
 * Parse an Authorization header value for the expected role.
 * Accepted: exactly "<role> N" where <role> is "sender" or "consumer"
 * (lowercase, as the API documents), one single space (0x20), and N a
 * decimal integer 1..2147483647 written with ASCII digits only, no sign,
 * no leading zeros, nothing before or after (no tabs, no trailing space).
 *
 * @param value  the header value, NUL-terminated, may be NULL (missing)
 * @param role   the role the route requires
 * @param id     set to N on success (untouched otherwise)
 * @return 1 on success, 0 otherwise (missing, wrong role, malformed, 0,
 *         out of range)
 */
int invoice_auth_parse(const char *value, invoice_role_t role, int *id);

#endif
