/* Strict base64 (RFC 4648 section 4): standard alphabet, padding required,
 * no whitespace, canonical trailing bits.  Pure code. */
#include "core/request/base64.h"

#define XX 0xff

/* Symbol value for each byte, XX for bytes outside the alphabet ('=' too:
 * padding is handled apart, in the last quantum only). */
static const unsigned char dec[256] = {
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, XX, XX, XX,
    XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
    XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
    XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
};

size_t invoice_base64_decoded_max(size_t len)
{
    return len / 4 * 3;
}

/* The first problem among n symbols that should all be in the alphabet. */
static invoice_b64_status_t check_symbols(const unsigned char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (dec[s[i]] == XX) {
            return s[i] == '=' ? INVOICE_B64_BAD_PADDING : INVOICE_B64_BAD_CHAR;
        }
    }
    return INVOICE_B64_OK;
}

/* The last quantum: "xxxx", "xxx=" or "xx==".  The bits that padding drops
 * must be zero, otherwise two encodings would decode to the same bytes. */
static invoice_b64_status_t decode_last(const unsigned char *s,
                                        unsigned char *out, size_t *n)
{
    unsigned a = dec[s[0]], b = dec[s[1]], c = dec[s[2]], d = dec[s[3]];
    size_t pad = 0;
    invoice_b64_status_t st;

    if (s[3] == '=') {
        pad = s[2] == '=' ? 2 : 1;
    }
    st = check_symbols(s, 4 - pad);
    if (st != INVOICE_B64_OK) {
        return st;
    }
    if ((pad == 2 && (b & 0x0f) != 0) || (pad == 1 && (c & 0x03) != 0)) {
        return INVOICE_B64_BAD_PADDING;
    }
    out[0] = (unsigned char)(a << 2 | b >> 4);
    if (pad < 2) {
        out[1] = (unsigned char)(b << 4 | c >> 2);
    }
    if (pad < 1) {
        out[2] = (unsigned char)(c << 6 | d);
    }
    *n = 3 - pad;
    return INVOICE_B64_OK;
}

invoice_b64_status_t invoice_base64_decode(const char *in, size_t len,
                                           unsigned char *out, size_t *outlen)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i, o = 0, last, tail;
    invoice_b64_status_t st;

    if (len == 0) {
        return INVOICE_B64_EMPTY;
    }
    if (len % 4 != 0) {
        return INVOICE_B64_BAD_LENGTH;
    }
    last = len - 4;
    for (i = 0; i < last; i += 4) {
        unsigned a = dec[s[i]], b = dec[s[i + 1]];
        unsigned c = dec[s[i + 2]], d = dec[s[i + 3]];

        /* XX has the high bit set and no symbol does: one test per quantum. */
        if ((a | b | c | d) & 0x80) {
            return check_symbols(s + i, 4);
        }
        out[o++] = (unsigned char)(a << 2 | b >> 4);
        out[o++] = (unsigned char)(b << 4 | c >> 2);
        out[o++] = (unsigned char)(c << 6 | d);
    }
    st = decode_last(s + last, out + o, &tail);
    if (st != INVOICE_B64_OK) {
        return st;
    }
    *outlen = o + tail;
    return INVOICE_B64_OK;
}

invoice_b64_status_t invoice_base64_decode_pool(apr_pool_t *p, const char *in,
                                                size_t len, unsigned char **out,
                                                size_t *outlen)
{
    invoice_b64_status_t st;

    *out = NULL;
    /* Refuse what needs no look at the bytes before allocating anything. */
    if (len == 0) {
        return INVOICE_B64_EMPTY;
    }
    if (len % 4 != 0) {
        return INVOICE_B64_BAD_LENGTH;
    }
    *out = apr_palloc(p, invoice_base64_decoded_max(len));
    st = invoice_base64_decode(in, len, *out, outlen);
    if (st != INVOICE_B64_OK) {
        *out = NULL;
    }
    return st;
}

const char *invoice_base64_reason(invoice_b64_status_t st)
{
    switch (st) {
    case INVOICE_B64_OK:
        return "is valid base64";
    case INVOICE_B64_EMPTY:
        return "is not valid base64: it is empty";
    case INVOICE_B64_BAD_LENGTH:
        return "is not valid base64: length is not a multiple of 4";
    case INVOICE_B64_BAD_CHAR:
        return "is not valid base64: character outside the standard alphabet "
               "(no whitespace or line breaks allowed)";
    case INVOICE_B64_BAD_PADDING:
        return "is not valid base64: bad padding";
    }
    return "is not valid base64";
}
