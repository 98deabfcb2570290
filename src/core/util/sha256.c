/* SHA-256 through OpenSSL's libcrypto, which Apache's mod_ssl already
 * loads and which uses the CPU's SHA extensions where there are some
 * (several times faster than portable C on the create path). */
#include "core/util/sha256.h"

#include <openssl/evp.h>

void invoice_sha256(const unsigned char *data, size_t len,
                    unsigned char digest[INVOICE_SHA256_LEN])
{
    unsigned int n = INVOICE_SHA256_LEN;

    /* One-shot digest: cannot fail for SHA-256 short of memory exhaustion,
     * and then the zeroed digest simply matches no stored file. */
    if (!EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL)) {
        for (int i = 0; i < INVOICE_SHA256_LEN; i++) {
            digest[i] = 0;
        }
    }
}
