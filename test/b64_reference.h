/* A reference base64 encoder (RFC 4648, standard alphabet, padded) for the
 * tests and fuzz targets: the module itself only decodes. */
#ifndef MOD_INVOICE_TEST_B64_REFERENCE_H
#define MOD_INVOICE_TEST_B64_REFERENCE_H

#include <stddef.h>

#define B64_REFERENCE_ALPHABET \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/* Encode in[0..len) into out (at least (len + 2) / 3 * 4 bytes, not
 * NUL-terminated); returns the number of characters written. */
static inline size_t b64_reference_encode(const unsigned char *in, size_t len,
                                          char *out)
{
    static const char alphabet[] = B64_REFERENCE_ALPHABET;
    size_t i, o = 0;

    for (i = 0; i + 2 < len; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];

        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (len - i == 1) {
        out[o++] = alphabet[in[i] >> 2];
        out[o++] = alphabet[(in[i] & 3) << 4];
        out[o++] = '=';
        out[o++] = '=';
    }
    else if (len - i == 2) {
        unsigned v = (unsigned)in[i] << 8 | in[i + 1];

        out[o++] = alphabet[v >> 10];
        out[o++] = alphabet[(v >> 4) & 63];
        out[o++] = alphabet[(v & 15) << 2];
        out[o++] = '=';
    }
    return o;
}

#endif
