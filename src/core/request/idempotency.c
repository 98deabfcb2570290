/* Idempotency keys.  See idempotency.h. */
#include "core/request/idempotency.h"

#include <string.h>

int invoice_idem_key_valid(const char *key)
{
    size_t n = 0;

    if (key == NULL) {
        return 0;
    }
    for (; key[n] != '\0'; n++) {
        if (key[n] < 0x21 || key[n] > 0x7e || n == INVOICE_IDEM_KEY_MAX) {
            return 0;
        }
    }
    return n > 0;
}

#define MAX_PARTS 8

void invoice_idem_fingerprint(const char *route, const char *const *parts,
                              size_t nparts,
                              unsigned char out[INVOICE_SHA256_LEN])
{
    invoice_bytes_t pieces[2 * (MAX_PARTS + 1)];
    size_t n = 0;

    nparts = nparts > MAX_PARTS ? MAX_PARTS : nparts;
    for (size_t i = 0; i <= nparts; i++) {
        const char *line = i == 0 ? route : parts[i - 1];

        pieces[n++] = (invoice_bytes_t){ line, strlen(line) };
        pieces[n++] = (invoice_bytes_t){ "\n", 1 };
    }
    invoice_sha256_pieces(pieces, n, out);
}
