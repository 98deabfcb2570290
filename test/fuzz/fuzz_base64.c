/* libFuzzer target: strict base64 decoding.  Cross-checks: whatever
 * decodes re-encodes to exactly the input (only canonical text is
 * accepted), and the canonical encoding of the input decodes back. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <apr_general.h>
#include <apr_pools.h>

#include "core/request/base64.h"
#include "fuzz_check.h"
#include "../b64_reference.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return apr_initialize() == APR_SUCCESS ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t max = invoice_base64_decoded_max(size), outlen = (size_t)-1, plen;
    unsigned char *out = malloc(max ? max : 1), *pout;
    char *enc = malloc(size / 3 * 4 + 4);
    invoice_b64_status_t st;
    apr_pool_t *p;

    FUZZ_CHECK(out != NULL && enc != NULL);
    st = invoice_base64_decode(in, size, out, &outlen);
    FUZZ_CHECK(invoice_base64_reason(st) != NULL);
    if (st == INVOICE_B64_OK) {
        FUZZ_CHECK(outlen <= max);
        FUZZ_CHECK(b64_reference_encode(out, outlen, enc) == size);
        FUZZ_CHECK(memcmp(enc, in, size) == 0);
    }
    else {
        FUZZ_CHECK(outlen == (size_t)-1);               /* untouched */
        FUZZ_CHECK((st == INVOICE_B64_EMPTY) == (size == 0));
    }
    /* The pool variant agrees. */
    if (apr_pool_create(&p, NULL) == APR_SUCCESS) {
        FUZZ_CHECK(invoice_base64_decode_pool(p, in, size, &pout, &plen) == st);
        FUZZ_CHECK(st == INVOICE_B64_OK
                   ? (plen == outlen && memcmp(pout, out, plen) == 0)
                   : pout == NULL);
        apr_pool_destroy(p);
    }
    /* The canonical encoding of any bytes decodes back to them. */
    if (size > 0) {
        size_t elen = b64_reference_encode(data, size, enc), n;
        unsigned char *back = malloc(invoice_base64_decoded_max(elen));

        FUZZ_CHECK(back != NULL);
        FUZZ_CHECK(invoice_base64_decode(enc, elen, back, &n) == INVOICE_B64_OK);
        FUZZ_CHECK(n == size && memcmp(back, data, size) == 0);
        free(back);
    }
    free(enc);
    free(out);
    return 0;
}
