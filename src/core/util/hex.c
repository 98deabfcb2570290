/* Hexadecimal digits.  See hex.h. */
#include "core/util/hex.h"

static const char lower_digits[] = "0123456789abcdef";

int invoice_hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

void invoice_hex_encode(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = lower_digits[in[i] >> 4];
        out[2 * i + 1] = lower_digits[in[i] & 0x0f];
    }
    out[2 * n] = '\0';
}
