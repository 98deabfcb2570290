/* UTF-8 validation and repair.  See utf8.h. */
#include "core/util/utf8.h"

#include <string.h>

#define REPLACEMENT "\xef\xbf\xbd"      /* U+FFFD */

/* The second byte's range excludes overlongs (after E0, F0), UTF-16
 * surrogates (after ED) and code points above U+10FFFF (after F4). */
size_t invoice_utf8_sequence(const unsigned char *s, size_t n)
{
    unsigned char b = n > 0 ? s[0] : 0;
    unsigned char lo = b == 0xe0 ? 0xa0 : b == 0xf0 ? 0x90 : 0x80;
    unsigned char hi = b == 0xed ? 0x9f : b == 0xf4 ? 0x8f : 0xbf;
    size_t len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;

    if (n > 0 && b < 0x80) {
        return 1;
    }
    if (b < 0xc2 || b > 0xf4 || n < len || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t i = 2; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return len;
}

const char *invoice_utf8_clean(apr_pool_t *p, const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), at = 0, out = 0;
    char *copy;

    while (at < n && invoice_utf8_sequence(u + at, n - at) > 0) {
        at += invoice_utf8_sequence(u + at, n - at);
    }
    if (at == n) {
        return s;
    }
    copy = apr_palloc(p, 3 * n + 1);    /* each byte at most U+FFFD */
    for (at = 0; at < n;) {
        size_t len = invoice_utf8_sequence(u + at, n - at);

        if (len == 0) {
            memcpy(copy + out, REPLACEMENT, 3);
            out += 3;
            at++;
            continue;
        }
        memcpy(copy + out, s + at, len);
        out += len;
        at += len;
    }
    copy[out] = '\0';
    return copy;
}
