/* Parsing of the "Authorization: sender N" / "consumer N" header.  Pure code. */
#ifndef MOD_INVOICE_AUTH_H
#define MOD_INVOICE_AUTH_H

#include <stddef.h>

typedef enum {
    INVOICE_ROLE_SENDER = 1,
    INVOICE_ROLE_CONSUMER = 2,
} invoice_role_t;

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

/** Parse a positive decimal id 1..2147483647 spelled as described above
 *  (also used for path segments such as /sender/<N>).  s[0..len), need not
 *  be NUL-terminated; *id is untouched on failure. */
int invoice_parse_positive_id(const char *s, size_t len, int *id);

#endif
