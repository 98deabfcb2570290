/* SHA-256 through OpenSSL's libcrypto, which Apache's mod_ssl already
 * loads and which uses the CPU's SHA extensions where there are some
 * (several times faster than portable C on the create path). */
#include "core/util/sha256.h"

#include <string.h>
#include <openssl/evp.h>

void invoice_sha256(const unsigned char *data, size_t len,
                    unsigned char digest[INVOICE_SHA256_LEN])
{
    unsigned int n = INVOICE_SHA256_LEN;

    /* One-shot digest: cannot fail for SHA-256 short of memory exhaustion,
     * and then the zeroed digest simply matches no stored file. */
    if (!EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL)) {
        memset(digest, 0, INVOICE_SHA256_LEN);
    }
}

void invoice_sha256_pieces(const invoice_bytes_t *pieces, size_t n,
                           unsigned char digest[INVOICE_SHA256_LEN])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = INVOICE_SHA256_LEN;
    int ok = ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

    for (size_t i = 0; ok && i < n; i++) {
        ok = EVP_DigestUpdate(ctx, pieces[i].data, pieces[i].len);
    }
    if (!ok || !EVP_DigestFinal_ex(ctx, digest, &len)) {
        memset(digest, 0, INVOICE_SHA256_LEN);  /* matches nothing real */
    }
    EVP_MD_CTX_free(ctx);
}
