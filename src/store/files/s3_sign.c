/* SigV4 presigned URLs.  See s3_sign.h.  The steps are AWS's
 * ("Authenticating Requests: Using Query Parameters"): a canonical
 * request, its hash in a string to sign, and an HMAC chain from the
 * secret through the date, region and service to the signature. */
#include "store/files/s3_sign.h"

#include <string.h>
#include <apr_strings.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/util/hex.h"
#include "core/util/sha256.h"

#define MAX_SECONDS 604800      /* 7 days: S3's limit */
#define MAC_LEN 32

static void hmac(const void *key, size_t key_len, const char *msg,
                 unsigned char out[MAC_LEN])
{
    unsigned int n = MAC_LEN;

    if (HMAC(EVP_sha256(), key, (int)key_len, (const unsigned char *)msg,
             strlen(msg), out, &n) == NULL) {
        memset(out, 0, MAC_LEN);    /* a signature S3 refuses */
    }
}

/* HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), "s3"),
 * "aws4_request") */
static void signing_key(apr_pool_t *p, const char *secret, const char *date,
                        const char *region, unsigned char key[MAC_LEN])
{
    char *first = apr_pstrcat(p, "AWS4", secret, NULL);
    unsigned char a[MAC_LEN], b[MAC_LEN];

    hmac(first, strlen(first), date, a);
    OPENSSL_cleanse(first, strlen(first));
    hmac(a, MAC_LEN, region, b);
    hmac(b, MAC_LEN, "s3", a);
    hmac(a, MAC_LEN, "aws4_request", key);
    OPENSSL_cleanse(a, sizeof(a));
    OPENSSL_cleanse(b, sizeof(b));
}

static char *hex_of(apr_pool_t *p, const unsigned char *bytes, size_t n)
{
    char *out = apr_palloc(p, 2 * n + 1);

    invoice_hex_encode(bytes, n, out);
    return out;
}

/* The query without the signature, in canonical (sorted) order:
 * Algorithm < Credential < Date < Expires < Security-Token <
 * SignedHeaders.  Only host is signed: the holder may add a Range. */
static const char *canonical_query(apr_pool_t *p,
                                   const invoice_s3_presign_t *in,
                                   const char *date, const char *stamp)
{
    const char *scope = apr_pstrcat(p, in->creds->access_key_id, "/", date,
                                    "/", in->region, "/s3/aws4_request",
                                    NULL);
    const char *token = in->creds->session_token;

    return apr_psprintf(p, "X-Amz-Algorithm=AWS4-HMAC-SHA256"
                        "&X-Amz-Credential=%s&X-Amz-Date=%s&X-Amz-Expires=%d"
                        "%s%s&X-Amz-SignedHeaders=host",
                        invoice_s3_uri_encode(p, scope, 0), stamp,
                        in->seconds, token ? "&X-Amz-Security-Token=" : "",
                        token ? invoice_s3_uri_encode(p, token, 0) : "");
}

const char *invoice_s3_presign_get(apr_pool_t *p,
                                   const invoice_s3_presign_t *in)
{
    apr_time_exp_t t;
    unsigned char digest[INVOICE_SHA256_LEN], key[MAC_LEN], sig[MAC_LEN];
    const char *date, *stamp, *query, *canonical, *to_sign;

    if (in->seconds < 1 || in->seconds > MAX_SECONDS
        || apr_time_exp_gmt(&t, in->now) != APR_SUCCESS) {
        return NULL;
    }
    date = apr_psprintf(p, "%04d%02d%02d", t.tm_year + 1900, t.tm_mon + 1,
                        t.tm_mday);
    stamp = apr_psprintf(p, "%sT%02d%02d%02dZ", date, t.tm_hour, t.tm_min,
                         t.tm_sec);
    query = canonical_query(p, in, date, stamp);
    canonical = apr_pstrcat(p, "GET\n", in->path, "\n", query, "\nhost:",
                            in->endpoint->authority,
                            "\n\nhost\nUNSIGNED-PAYLOAD", NULL);
    invoice_sha256((const unsigned char *)canonical, strlen(canonical),
                   digest);
    to_sign = apr_pstrcat(p, "AWS4-HMAC-SHA256\n", stamp, "\n", date, "/",
                          in->region, "/s3/aws4_request\n",
                          hex_of(p, digest, sizeof(digest)), NULL);
    signing_key(p, in->creds->secret_access_key, date, in->region, key);
    hmac(key, MAC_LEN, to_sign, sig);
    OPENSSL_cleanse(key, sizeof(key));
    return apr_pstrcat(p, in->endpoint->origin, in->path, "?", query,
                       "&X-Amz-Signature=", hex_of(p, sig, sizeof(sig)),
                       NULL);
}
