/* SHA-256 piece by piece.  See sha256_stream.h. */
#include "core/util/sha256_stream.h"

#include <string.h>
#include <openssl/evp.h>

struct invoice_sha256_stream_t {
    EVP_MD_CTX *ctx;
    int ok;
};

static apr_status_t free_stream(void *data)
{
    invoice_sha256_stream_t *s = data;

    EVP_MD_CTX_free(s->ctx);
    s->ctx = NULL;
    return APR_SUCCESS;
}

invoice_sha256_stream_t *invoice_sha256_begin(apr_pool_t *p)
{
    invoice_sha256_stream_t *s = apr_pcalloc(p, sizeof(*s));

    s->ctx = EVP_MD_CTX_new();
    s->ok = s->ctx != NULL && EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL);
    apr_pool_cleanup_register(p, s, free_stream, apr_pool_cleanup_null);
    return s;
}

void invoice_sha256_update(invoice_sha256_stream_t *s, const void *data,
                           size_t len)
{
    s->ok = s->ok && EVP_DigestUpdate(s->ctx, data, len);
}

void invoice_sha256_end(invoice_sha256_stream_t *s,
                        unsigned char digest[INVOICE_SHA256_LEN])
{
    unsigned int len = INVOICE_SHA256_LEN;

    if (!s->ok || !EVP_DigestFinal_ex(s->ctx, digest, &len)) {
        memset(digest, 0, INVOICE_SHA256_LEN);  /* matches nothing real */
    }
    s->ok = 0;
}
